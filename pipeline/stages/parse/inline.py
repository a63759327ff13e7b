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
from html import unescape
from urllib.parse import unquote

from markdown_it.token import Token

__all__ = ["FoundLink", "InlineText", "Locator", "Piece", "read_inline"]

# A bare URL in running text (GFM's extended autolinks: http(s):// or www. after a
# boundary); trailing punctuation is trimmed afterwards.
_BARE_URL = re.compile(r"(?:https?://|(?<![\w.@/-])www\.)[^\s<>\"'`\[\]{}|\\^]+", re.IGNORECASE)
# An href that is a URL behind stray markup (`[LLM]([https://...)`): GitHub renders it
# as a relative link, but the URL the author meant is plain to see.
_SALVAGE = re.compile(r"^[\[(<\"' ]{1,3}(https?://\S+)$", re.IGNORECASE)
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
    alt: str = ""  # for a link wrapped around an image: the image's alt text
    salvaged: str = ""  # the href as GitHub renders it, when the URL was read out of stray markup
    before: str = ""  # text since the previous link or line break: a label ("Paper:")


@dataclass
class Piece:
    """One step of an inline in reading order: text outside links, a link, or a line break."""

    kind: str  # "text", "link" or "break"
    text: str = ""
    bold: bool = False  # text inside **strong** emphasis
    link: FoundLink | None = None


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
    pieces: list[Piece] = field(default_factory=list)  # everything above, in reading order


@dataclass
class _Open:
    """A link being read: Markdown `[..](..)` or an HTML anchor."""

    url: str
    line: int
    parts: list[str] = field(default_factory=list)
    images: int = 0
    alt: str = ""  # the alt text of its first image: a badge's "arXiv" names the link
    html: bool = False
    # An anchor's URL comes before its text: it is located when the tag opens.
    where: tuple[str, int, int] | None = None


class Locator:
    """Finds each URL in the block's source lines, moving forward as links are read."""

    def __init__(self, lines: list[str], first: int, last: int) -> None:
        """Search `lines[first..last]` (0-based, inclusive), from the start of `first`."""
        self._lines = lines
        self._last = min(last, len(lines) - 1)
        self._line = first
        self._col = 0

    def find(self, url: str) -> tuple[str, int, int] | None:
        """Return (the URL to keep, 0-based line, 1-based column) of the next occurrence.

        markdown-it percent-encodes what it reads (`ü` becomes `%C3%BC`): where the source
        shows the decoded form, that form is kept. An entity (`&amp;`) is found but not kept.
        """
        decoded = unquote(url)
        candidates = [(url, url), (decoded, decoded)] if decoded != url else [(url, url)]
        if "&" in url:
            candidates.append((url.replace("&", "&amp;"), url))
        for needle, keep in candidates:
            if not needle:
                continue
            found = self._search(needle)
            if found is not None:
                line, col = found
                self._line, self._col = line, col + len(needle)
                return keep, line, col + 1
        return None

    def skip(self, count: int) -> None:
        """Move `count` characters forward: text the reader passed, which the source holds
        at least as many characters of (markup and escapes only add to it)."""
        while count > 0 and self._line <= self._last:
            rest = len(self._lines[self._line]) - self._col
            if count <= rest:
                self._col += count
                return
            count -= rest + 1  # the line break
            self._line, self._col = self._line + 1, 0

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
        self.unplaced = 0  # characters of text read since the locator last moved

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
                self.link.alt = self.link.alt or token.content
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
        self.unplaced += len(text)
        self.plain.append(text)
        if self.link is not None:
            self.link.parts.append(text)
            return
        self.texts.append(text)
        if text == "\n":
            self.result.pieces.append(Piece("break"))
        else:
            self.result.pieces.append(Piece("text", text, bold=self.strong_depth > 0))
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
            tail = self._bare_urls(content)
            if tail is not None:
                self.since_link = [tail.rsplit("\n", 1)[-1]]
                return
        self._append(content)

    def _bare_urls(self, content: str) -> str | None:
        """Add each bare URL as a link labelled by the text before it, and the text around it.

        Returns the text after the last URL, or None (and adds nothing) when there is none.
        """
        start = 0
        for match in _BARE_URL.finditer(content):
            url = _trim_url(match.group(0))
            if len(url) <= len("https://"):
                continue
            segment = content[start : match.start()]
            before = ("".join(self.since_link) if start == 0 else "") + segment
            if segment:
                self._append(segment)
            found = FoundLink(
                text="", url=url, line=self.line + 1, column=0, bare=True,
                before=before.rsplit("\n", 1)[-1],
            )  # fmt: skip
            found = self._place(found)
            if found.url.lower().startswith("www."):
                found.url = "http://" + found.url  # as GitHub renders it
            self._add_link(found)
            start = match.start() + len(url)
        if start == 0:
            return None
        if content[start:]:
            self._append(content[start:])
        return content[start:]

    def _locate(self, url: str) -> tuple[str, int, int] | None:
        """(the URL to keep, 1-based line, 1-based column) where the source shows `url`."""
        self.locate.skip(self.unplaced)
        self.unplaced = 0
        found = self.locate.find(url)
        if found is None:
            return None
        written, line, column = found
        return written, line + 1, column

    def _place(self, link: FoundLink) -> FoundLink:
        """Fill in the URL as written and its position, when the source shows it."""
        where = self._locate(link.url)
        if where is not None:
            link.url, link.line, link.column = where
        return link

    def _add_link(self, found: FoundLink) -> None:
        self.result.links.append(found)
        self.result.pieces.append(Piece("link", link=found))

    def _html(self, html: str) -> None:
        """Open or close an HTML anchor link; a `<br>` counts as a line break."""
        if _ANCHOR_OPEN.match(html):
            self._close_link()
            match = _HREF.search(html)
            raw = next((g for g in match.groups() if g is not None), "") if match else ""
            url = unescape(raw).strip()
            where = self._locate(url) if url else None
            self.link = _Open(url=url, line=self.line, html=True, where=where)
        elif _ANCHOR_CLOSE.match(html):
            if self.link is not None and self.link.html:
                self._close_link()
        elif _BREAK_TAG.match(html.strip()):
            # Inside **bold** a `<br>` wraps a title; elsewhere it ends a line.
            self._append(" " if self.strong_depth > 0 else "\n")
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
        self._add_link(self._place(found))

    def _close_link(self) -> None:
        link, self.link = self.link, None
        if link is None:
            return
        text = "".join(link.parts).strip()
        url = link.url.strip()
        if not url:
            return  # an empty `[Coming soon]()` link goes nowhere: not a link
        salvage = _SALVAGE.match(unquote(url))
        found = FoundLink(
            text=text,
            url=salvage.group(1) if salvage else url,
            salvaged=url if salvage else "",
            line=link.line + 1,
            column=0,
            image_only=link.images > 0 and not any(c.isalnum() for c in text),
            alt=link.alt,
            before="".join(self.since_link),
        )
        self.since_link = []
        if link.html:
            if link.where is not None and not salvage:
                found.url, found.line, found.column = link.where
            self._add_link(found)
        else:
            self._add_link(self._place(found))


def _trim_url(url: str) -> str:
    """Drop trailing punctuation, and a closing parenthesis the URL did not open."""
    while url:
        last = url[-1]
        if last in _TRAILING or (last == ")" and url.count("(") < url.count(")")):
            url = url[:-1]
        else:
            break
    return url
