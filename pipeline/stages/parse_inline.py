"""Read one markdown-it inline token stream into text, links and markup facts.

The parse stage sees every block (list item, table cell, paragraph) through
this one reader, so link handling is the same in every list format: Markdown
links, HTML anchors (`<a href>`), and bare URLs inside text tokens (the lists
we read do not enable linkify, and `linkify-it-py` is not a dependency).
Positions come from the source lines: markdown-it gives line maps for blocks
only, so each URL is searched for in the block's own lines, in order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

from markdown_it.token import Token

__all__ = ["FoundLink", "InlineText", "read_inline"]

# A bare URL in running text; trailing punctuation is trimmed afterwards.
_BARE_URL = re.compile(r"https?://[^\s<>\"'`\[\]{}|\\^]+", re.IGNORECASE)
_TRAILING = ".,;:!?*_~'\"）。，；："
_HREF = re.compile(r"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""", re.IGNORECASE)
_ANCHOR_OPEN = re.compile(r"^<a\b", re.IGNORECASE)
_ANCHOR_CLOSE = re.compile(r"^</a\s*>", re.IGNORECASE)
_BREAK_TAG = re.compile(r"^<br\s*/?>$", re.IGNORECASE)


@dataclass
class FoundLink:
    """A link found in an inline: what it says, where it goes, where it is."""

    text: str
    url: str
    line: int
    column: int
    image_only: bool = False
    bare: bool = False
    before: str = ""  # the non-link text just before a bare URL: its label ("Paper:")


@dataclass
class InlineText:
    """What the parse stage needs from one inline: text outside links, links, bold spans."""

    line: int
    text: str = ""  # text outside links: text and code spans; HTML tags dropped
    strong: list[str] = field(default_factory=list)  # bold spans outside links
    code: list[str] = field(default_factory=list)  # code spans outside links
    lead_code: list[str] = field(default_factory=list)  # code spans before any word
    links: list[FoundLink] = field(default_factory=list)
    brackets: str = ""  # '[' and ']' of the text outside links and code, in order
    link_text: str = ""  # all link texts, joined (the title of a table cell)

    @property
    def has_words(self) -> bool:
        """Whether any letter or digit appears outside links."""
        return any(ch.isalnum() for ch in self.text)


@dataclass
class _Open:
    """A link being read: Markdown `[..](..)` or an HTML anchor."""

    url: str
    line: int
    parts: list[str] = field(default_factory=list)
    images: int = 0
    html: bool = False


class _Locator:
    """Finds each URL in the block's source lines, moving forward as links are read."""

    def __init__(self, lines: list[str], first: int, last: int) -> None:
        self._lines = lines
        self._last = min(last, len(lines) - 1)
        self._line = first
        self._col = 0

    def find(self, url: str) -> tuple[str, int, int] | None:
        """Return (url as written, 0-based line, 1-based column) of the next occurrence."""
        candidates = [url]
        decoded = unquote(url)
        if decoded != url:
            candidates.append(decoded)
        for candidate in candidates:
            if not candidate:
                continue
            found = self._search(candidate)
            if found is not None:
                line, col = found
                self._line, self._col = line, col + len(candidate)
                return candidate, line, col + 1
        return None

    def _search(self, needle: str) -> tuple[int, int] | None:
        line, col = self._line, self._col
        while 0 <= line <= self._last:
            at = self._lines[line].find(needle, col)
            if at >= 0:
                return line, at
            line, col = line + 1, 0
        return None


def read_inline(
    children: list[Token] | None, *, lines: list[str], first: int, last: int
) -> InlineText:
    """Read an inline token's children; `first`/`last` are the block's 0-based source lines."""
    reader = _Reader(_Locator(lines, first, last), first)
    for token in children or []:
        reader.feed(token)
    return reader.finish()


class _Reader:
    """One pass over inline tokens; keeps the state of the link and bold span being read."""

    def __init__(self, locate: _Locator, first: int) -> None:
        self.result = InlineText(line=first + 1)
        self.locate = locate
        self.line = first
        self.strong_depth = 0
        self.strong_parts: list[str] = []
        self.link: _Open | None = None
        self.texts: list[str] = []
        self.link_texts: list[str] = []

    def feed(self, token: Token) -> None:
        """Take one inline token."""
        kind = token.type
        if kind in ("softbreak", "hardbreak"):
            self.line += 1
            self._append("\n")
        elif kind == "link_open":
            self._close_link()
            self.link = _Open(url=str(token.attrs.get("href", "") or ""), line=self.line)
        elif kind == "link_close":
            if self.link is not None and not self.link.html:
                self._close_link()
        elif kind == "image":
            if self.link is not None:
                self.link.images += 1
        elif kind == "html_inline":
            self._html(token.content)
            self.line += token.content.count("\n")
        elif kind in ("strong_open", "strong_close") and self.link is None:
            self._strong(opening=kind == "strong_open")
        elif kind in ("text", "code_inline"):
            self._text(token.content, code=kind == "code_inline")

    def finish(self) -> InlineText:
        """Close what is open and return the result."""
        self._close_link()
        if self.strong_parts:
            self.result.strong.append("".join(self.strong_parts).strip())
        self.result.text = "".join(self.texts)
        self.result.link_text = " ".join(t for t in self.link_texts if t)
        return self.result

    def _append(self, text: str) -> None:
        if self.link is not None:
            self.link.parts.append(text)
            return
        self.texts.append(text)
        if self.strong_depth > 0:
            self.strong_parts.append(text)

    def _strong(self, *, opening: bool) -> None:
        self.strong_depth = max(0, self.strong_depth + (1 if opening else -1))
        if self.strong_depth == 0 and self.strong_parts:
            self.result.strong.append("".join(self.strong_parts).strip())
            self.strong_parts = []

    def _text(self, content: str, *, code: bool) -> None:
        if self.link is not None:
            self.link.parts.append(content)
            return
        if code:
            self.result.code.append(content)
            if not any(ch.isalnum() for ch in "".join(self.texts)):
                self.result.lead_code.append(content)
        else:
            self.result.brackets += "".join(ch for ch in content if ch in "[]")
            content = self._bare_urls(content)
        self._append(content)

    def _bare_urls(self, content: str) -> str:
        """Add each bare URL as a link labelled by the text before it; return the rest."""
        kept: list[str] = []
        start = 0
        for match in _BARE_URL.finditer(content):
            url = _trim_url(match.group(0))
            if len(url) <= len("https://"):
                continue
            kept.append(content[start : match.start()])
            before = ("".join(self.texts) + "".join(kept)).rsplit("\n", 1)[-1]
            found = FoundLink(text="", url=url, line=self.line + 1, column=0, bare=True)
            found.before = before
            self.result.links.append(_place(found, self.locate))
            start = match.start() + len(url)
        kept.append(content[start:])
        return "".join(kept)

    def _html(self, html: str) -> None:
        """Open or close an HTML anchor link; a `<br>` counts as a line break."""
        if _ANCHOR_OPEN.match(html):
            self._close_link()
            match = _HREF.search(html)
            url = next((g for g in match.groups() if g is not None), "") if match else ""
            self.link = _Open(url=url, line=self.line, html=True)
        elif _ANCHOR_CLOSE.match(html):
            if self.link is not None and self.link.html:
                self._close_link()
        elif _BREAK_TAG.match(html.strip()):
            self._append("\n")

    def _close_link(self) -> None:
        link, self.link = self.link, None
        if link is None:
            return
        text = "".join(link.parts).strip()
        self.link_texts.append(text)
        if not link.url.strip():
            return  # an empty `[Coming soon]()` link goes nowhere: not a link
        found = FoundLink(
            text=text,
            url=link.url.strip(),
            line=link.line + 1,
            column=0,
            image_only=link.images > 0 and not any(c.isalnum() for c in text),
        )
        self.result.links.append(_place(found, self.locate))


def _trim_url(url: str) -> str:
    """Drop trailing punctuation, and a closing parenthesis the URL did not open."""
    while url:
        last = url[-1]
        if last in _TRAILING or (last == ")" and url.count("(") < url.count(")")):
            url = url[:-1]
        else:
            break
    return url


def _place(link: FoundLink, locate: _Locator) -> FoundLink:
    """Fill in the URL as written and its position, when the source shows it."""
    found = locate.find(link.url)
    if found is None:
        return link
    written, line, column = found
    link.url, link.line, link.column = written, line + 1, column
    return link
