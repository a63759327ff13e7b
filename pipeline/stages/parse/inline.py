"""Read one markdown-it inline token stream into text, links and markup facts.

The parse stage sees every block (list item, table cell, paragraph) through
this one reader, so link handling is the same in every list format: Markdown
links, HTML anchors (`<a href>`), and bare URLs inside text tokens (the lists
we read do not enable linkify, and `linkify-it-py` is not a dependency).
Positions come from the source lines (locate.py): markdown-it gives line maps
for blocks only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape
from urllib.parse import unquote

from markdown_it.token import Token

from pipeline.stages.parse.locate import Locator, Offsets, Written, kept_url, written_form

__all__ = ["FoundLink", "InlineText", "Piece", "read_inline", "text_urls"]

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
    written: str = ""  # the destination as the source writes it at `column` (if known)


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
    auto: bool = False  # `<https://...>`
    reference: bool = False  # `[text][label]`: its destination is in the definition
    # An anchor's or autolink's URL comes before its text: it is located when it opens.
    where: tuple[str, int, int] | None = None


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
            self.locate.newline()
            self._append("\n")
        elif kind == "link_open":
            self._open_link(token)
        elif kind == "link_close":
            if self.link is not None and not self.link.html:
                self._close_link()
        elif kind == "image":
            self._markdown_image(token)
        elif kind == "html_inline":
            self._html(token.content)
            self.line += token.content.count("\n")
        elif kind in ("strong_open", "strong_close", "em_open", "em_close"):
            self.locate.skip(len(token.markup))
            if kind.startswith("strong") and self.link is None:
                self._strong(opening=kind == "strong_open")
        elif kind == "text":
            self._text(token.content, written_form(token))
        elif kind == "code_inline":
            # The backticks on both sides, and at least the content between them.
            self.locate.skip(2 * len(token.markup) + len(token.content))
            self._text(token.content, None)

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

    def _text(self, content: str, written: Written | None) -> None:
        """A text token (`written`: its source, piece by piece) or a code span (None)."""
        if self.link is not None:
            if written is not None and not self.link.auto:  # an autolink's text is its URL
                self.locate.skip(sum(len(w) for _, w in written))
            self._append(content)
            return
        if written is None:
            if not self.seen_words:
                self.result.lead_code.append(content)
        else:
            self.brackets.append("".join(ch for ch in content if ch in "[]"))
            tail = self._bare_urls(content, written)
            if tail is not None:
                self.since_link = [tail.rsplit("\n", 1)[-1]]
                return
        self._append(content)

    def _bare_urls(self, content: str, written: Written) -> str | None:
        """Add each bare URL as a link labelled by the text before it, and the text around it.

        Returns the text after the last URL, or None (and adds nothing) when there is none.
        """
        source = "".join(w for _, w in written)
        matches = [m for m in _BARE_URL.finditer(content) if len(_trim_url(m.group(0))) > 8]
        if not matches:
            self.locate.skip(len(source))
            return None
        # The token's own source, found once: each URL's place is its offset in it.
        where = self.locate.find_text(source)
        offsets = Offsets(written)
        start = 0
        for match in matches:
            url = _trim_url(match.group(0))
            segment = content[start : match.start()]
            before = ("".join(self.since_link) if start == 0 else "") + segment
            if segment:
                self._append(segment)
            found = FoundLink(
                text="", url=url, line=self.line + 1, column=0, bare=True,
                before=before.rsplit("\n", 1)[-1],
            )  # fmt: skip
            if where is not None:
                begin, stop = offsets.at(match.start()), offsets.at(match.start() + len(url))
                found.written = source[begin:stop]
                found.url = kept_url(url, found.written)
                found.line, found.column = where[0] + 1, where[1] + begin + 1
            if found.url.lower().startswith("www."):
                found.url = "http://" + found.url  # as GitHub renders it
            self._add_link(found)
            start = match.start() + len(url)
        if where is not None:
            self.locate.move_to(where[0], where[1] + len(source))
        else:
            self.locate.skip(len(source))
        if content[start:]:
            self._append(content[start:])
        return content[start:]

    def _add_link(self, found: FoundLink) -> None:
        self.result.links.append(found)
        self.result.pieces.append(Piece("link", link=found))

    def _open_link(self, token: Token) -> None:
        self._close_link()
        href = str(token.attrs.get("href", "") or "")
        if token.markup == "autolink":
            self.link = _Open(url=href, line=self.line, auto=True, where=self.locate.autolink(href))
        else:
            self.locate.skip(1)  # `[`
            # A reference link's destination is written in its definition, not here.
            self.link = _Open(url=href, line=self.line, reference="label" in token.meta)

    def _html(self, html: str) -> None:
        """Open or close an HTML anchor link; a `<br>` counts as a line break."""
        at = self.locate.find_text(html.split("\n", 1)[0])
        if at is not None:
            self.locate.move_to(*at)
        if _ANCHOR_OPEN.match(html):
            self._close_link()
            url, where = _attribute(html, _HREF, at)
            self.link = _Open(url=url, line=self.line, html=True, where=where)
        elif _ANCHOR_CLOSE.match(html):
            if self.link is not None and self.link.html:
                self._close_link()
        elif _BREAK_TAG.match(html.strip()):
            # Inside **bold** a `<br>` wraps a title; elsewhere it ends a line.
            self._append(" " if self.strong_depth > 0 else "\n")
        elif _IMG_TAG.match(html):
            src, where = _attribute(html, _SRC, at)
            if self.link is not None:
                self.link.images += 1
            self._image(src, "", where)
        self.locate.advance(html)

    def _markdown_image(self, token: Token) -> None:
        src = str(token.attrs.get("src", "") or "")
        if self.link is not None:
            self.link.images += 1
            self.link.alt = self.link.alt or token.content
        # `![` and the alt text as written (token.content is the source of the label).
        self.locate.skip(2)
        self.locate.advance(token.content)
        where = None if "label" in token.meta else self.locate.destination(src)
        self._image(src, token.content, where)

    def _image(self, src: str, alt: str, where: tuple[str, int, int] | None) -> None:
        """An image's source is a rendered URL too: a badge, a logo or a figure."""
        if not src.strip():
            return
        found = FoundLink(text=alt, url=src.strip(), line=self.line + 1, column=0, image=True)
        if where is not None:
            written, line, column = where
            found.url, found.line, found.column = kept_url(found.url, written), line + 1, column
            found.written = written
        self._add_link(found)

    def _close_link(self) -> None:
        link, self.link = self.link, None
        if link is None:
            return
        text = "".join(link.parts).strip()
        url = link.url.strip()
        where = link.where
        if not (link.html or link.auto or link.reference):
            where = self.locate.destination(link.url)
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
        if where is not None:
            written, line, column = where
            if salvage:
                # The URL the author meant sits inside the stray markup around it.
                inside = written.find(found.url)
                if inside >= 0:
                    found.line, found.column = line + 1, column + inside
                    found.written = found.url
            else:
                found.url, found.line, found.column = kept_url(url, written), line + 1, column
                found.written = written
        self._add_link(found)


def _attribute(
    html: str, pattern: re.Pattern[str], at: tuple[int, int] | None
) -> tuple[str, tuple[str, int, int] | None]:
    """An HTML tag's URL attribute: (the URL, where its value is written, if the tag was
    found at `at`)."""
    match = pattern.search(html)
    if match is None:
        return "", None
    index = next(i for i in (1, 2, 3) if match.group(i) is not None)
    raw = match.group(index)
    url = unescape(raw).strip()
    offset = match.start(index) + len(raw) - len(raw.lstrip())
    if at is None or not url or "\n" in html[: match.end(index)]:
        return url, None  # a tag or value over several lines: its place is not read
    return url, (kept_url(url, raw.strip()), at[0], at[1] + offset + 1)


def text_urls(text: str) -> list[tuple[int, str]]:
    """(offset, URL) of each bare URL in plain text, as the reader finds them in text tokens."""
    found = []
    for match in _BARE_URL.finditer(text):
        url = _trim_url(match.group(0))
        if len(url) > len("https://"):
            found.append((match.start(), url))
    return found


def _trim_url(url: str) -> str:
    """Drop trailing punctuation, and a closing parenthesis the URL did not open."""
    while url:
        last = url[-1]
        if last in _TRAILING or (last == ")" and url.count("(") < url.count(")")):
            url = url[:-1]
        else:
            break
    return url
