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

__all__ = ["FoundLink", "InlineText", "Locator", "read_inline"]

# A bare URL in running text; trailing punctuation is trimmed afterwards.
_BARE_URL = re.compile(r"https?://[^\s<>\"'`\[\]{}|\\^]+", re.IGNORECASE)
_TRAILING = ".,;:!?*_~'\"）。，；："
_HREF = re.compile(r"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""", re.IGNORECASE)
_ANCHOR_OPEN = re.compile(r"^<a\b", re.IGNORECASE)
_ANCHOR_CLOSE = re.compile(r"^</a\s*>", re.IGNORECASE)
_BREAK_TAG = re.compile(r"^<br\s*/?>$", re.IGNORECASE)
_IMG_TAG = re.compile(r"^<img\b", re.IGNORECASE)
_SRC = re.compile(r"""\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""", re.IGNORECASE)
# How far past the last link a URL is looked for: a URL not written verbatim (`&amp;`, `\(`)
# is not found, and an unbounded search would make a block of such links quadratic.
_SEARCH_WINDOW = 4096
# A character that would continue a URL: a match followed by one is only a prefix.
_URL_CHAR = re.compile(r"[A-Za-z0-9/_~%?#&=+@-]")


@dataclass
class FoundLink:
    """A link found in an inline: what it says, where it goes, where it is."""

    text: str
    url: str
    line: int
    column: int
    image_only: bool = False
    bare: bool = False
    image: bool = False  # an image's source, not a link one follows
    before: str = ""  # text since the previous link or line break: a label ("Paper:")


@dataclass
class InlineText:
    """What the parse stage needs from one inline: text outside links, links, bold spans."""

    line: int
    text: str = ""  # text outside links: text and code spans; HTML tags dropped
    strong: list[str] = field(default_factory=list)  # bold spans outside links
    lead_code: list[str] = field(default_factory=list)  # code spans before any word
    links: list[FoundLink] = field(default_factory=list)
    brackets: str = ""  # '[' and ']' of the text outside links and code, in order
    plain: str = ""  # all text in order, link texts included (headings, table cells)


@dataclass
class _Open:
    """A link being read: Markdown `[..](..)` or an HTML anchor."""

    url: str
    line: int
    parts: list[str] = field(default_factory=list)
    images: int = 0
    html: bool = False


class Locator:
    """Finds each URL in the block's source lines, moving forward as links are read."""

    def __init__(self, lines: list[str], first: int, last: int) -> None:
        """Search `lines[first..last]` (0-based, inclusive), from the start of `first`."""
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
        if "&" in url:
            candidates.append(url.replace("&", "&amp;"))
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
        budget = _SEARCH_WINDOW + 2 * len(needle)
        while 0 <= line <= self._last and budget > 0:
            text = self._lines[line]
            stop = min(len(text), col + budget)
            at = text.find(needle, col, stop)
            while at >= 0:
                end = at + len(needle)
                if end >= len(text) or not _URL_CHAR.match(text[end]):
                    return line, at
                at = text.find(needle, at + 1, stop)
            budget -= stop - col + 1
            line, col = line + 1, 0
        return None


def read_inline(children: list[Token] | None, *, locate: Locator, first: int) -> InlineText:
    """Read an inline token's children; `first` is its 0-based source line."""
    reader = _Reader(locate, first)
    for token in children or []:
        reader.feed(token)
    return reader.finish()


class _Reader:
    """One pass over inline tokens; keeps the state of the link and bold span being read."""

    def __init__(self, locate: Locator, first: int) -> None:
        self.result = InlineText(line=first + 1)
        self.locate = locate
        self.line = first
        self.strong_depth = 0
        self.strong_parts: list[str] = []
        self.link: _Open | None = None
        self.texts: list[str] = []
        self.plain: list[str] = []
        self.since_link: list[str] = []  # text after the last link or line break: a label
        self.brackets: list[str] = []
        self.seen_words = False

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
            self._image(str(token.attrs.get("src", "") or ""), token.content)
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
        self.result.brackets = "".join(self.brackets)
        self.result.plain = "".join(self.plain)
        return self.result

    def _append(self, text: str) -> None:
        self.plain.append(text)
        if self.link is not None:
            self.link.parts.append(text)
            return
        self.texts.append(text)
        if "\n" in text:
            self.since_link = [text.rsplit("\n", 1)[-1]]
        else:
            self.since_link.append(text)
        self.seen_words = self.seen_words or any(ch.isalnum() for ch in text)
        if self.strong_depth > 0:
            self.strong_parts.append(text)

    def _strong(self, *, opening: bool) -> None:
        self.strong_depth = max(0, self.strong_depth + (1 if opening else -1))
        if self.strong_depth == 0 and self.strong_parts:
            self.result.strong.append("".join(self.strong_parts).strip())
            self.strong_parts = []

    def _text(self, content: str, *, code: bool) -> None:
        if self.link is not None:
            self._append(content)
            return
        if code:
            if not self.seen_words:
                self.result.lead_code.append(content)
        else:
            self.brackets.append("".join(ch for ch in content if ch in "[]"))
            content, tail = self._bare_urls(content)
            if tail is not None:
                self._append(content)
                self.since_link = [tail.rsplit("\n", 1)[-1]]
                return
        self._append(content)

    def _bare_urls(self, content: str) -> tuple[str, str | None]:
        """Add each bare URL as a link labelled by the text before it.

        Returns the text without the URLs, and the text after the last URL (None if none).
        """
        kept: list[str] = []
        start = 0
        for match in _BARE_URL.finditer(content):
            url = _trim_url(match.group(0))
            if len(url) <= len("https://"):
                continue
            segment = content[start : match.start()]
            kept.append(segment)
            before = ("".join(self.since_link) if start == 0 else "") + segment
            found = FoundLink(
                text="", url=url, line=self.line + 1, column=0, bare=True,
                before=before.rsplit("\n", 1)[-1],
            )  # fmt: skip
            self.result.links.append(_place(found, self.locate))
            start = match.start() + len(url)
        if start == 0:
            return content, None
        kept.append(content[start:])
        return "".join(kept), content[start:]

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
        elif _IMG_TAG.match(html):
            match = _SRC.search(html)
            src = next((g for g in match.groups() if g is not None), "") if match else ""
            if self.link is not None:
                self.link.images += 1
            self._image(src, "")

    def _image(self, src: str, alt: str) -> None:
        """An image's source is a rendered URL too: a badge, a logo or a figure."""
        if not src.strip():
            return
        found = FoundLink(text=alt, url=src.strip(), line=self.line + 1, column=0, image=True)
        self.result.links.append(_place(found, self.locate))

    def _close_link(self) -> None:
        link, self.link = self.link, None
        if link is None:
            return
        text = "".join(link.parts).strip()
        if not link.url.strip():
            return  # an empty `[Coming soon]()` link goes nowhere: not a link
        found = FoundLink(
            text=text,
            url=link.url.strip(),
            line=link.line + 1,
            column=0,
            image_only=link.images > 0 and not any(c.isalnum() for c in text),
            before="".join(self.since_link),
        )
        self.since_link = []
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


def _place(link: FoundLink, locate: Locator) -> FoundLink:
    """Fill in the URL as written and its position, when the source shows it."""
    found = locate.find(link.url)
    if found is None:
        return link
    written, line, column = found
    link.url, link.line, link.column = written, line + 1, column
    return link
