"""Where an inline's links are written: a cursor over a block's source lines.

markdown-it gives line maps for blocks only. The inline reader moves a Locator
over what each token holds of the source, and reads a link's destination from
the source itself, right after its `](`; text tokens keep how the source writes
their escapes and entities (`join_text`), so their URLs are placed exactly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import unquote

from markdown_it.common.utils import unescapeAll
from markdown_it.helpers import parseLinkDestination, parseLinkTitle
from markdown_it.token import Token

__all__ = ["Locator", "Offsets", "Written", "join_text", "kept_url", "written_form"]

# A text token's pieces: (what it shows, how the source writes it), e.g. ("&", "&amp;").
Written = list[tuple[str, str]]
Normalize = Callable[[str], str]

# A link destination with nothing in it that markdown-it would unescape, nest or bracket.
_PLAIN_DESTINATION = re.compile(r"[^\s()\\<>]*")
# How far ahead a destination, a text or a tag is looked for: an unbounded search for one
# that is not there (a reference link's URL, say) would make a block of links quadratic.
_SEARCH_WINDOW = 4096


class Locator:
    """Where reading is in the block's source lines: never past the source of what was read.

    markdown-it gives line maps for blocks only. The reader moves the locator over what
    each inline token holds of the source (text as written, markup, raw HTML: never more
    than the source has), and a link's destination is read from the source itself, right
    after the `](` that follows its text. A URL in a comment, an attribute or a code span
    before a link is never taken for it (issue 19, point 14).
    """

    def __init__(
        self, lines: list[str], first: int, last: int, normalize: Normalize | None = None
    ) -> None:
        """Read `lines[first..last]` (0-based, inclusive), from the start of `first`.

        `normalize` is markdown-it's normalizeLink: a destination as written is this link's
        when it normalizes to the link's href.
        """
        self._lines = lines
        self._last = min(last, len(lines) - 1)
        self._line = first
        self._col = 0
        self._normalize: Normalize = normalize or _identity

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

    def newline(self) -> None:
        """Move to the start of the next line (a line break of the inline)."""
        self._line, self._col = self._line + 1, 0

    def advance(self, text: str) -> None:
        """Move over `text` as the source holds it; each line break in it starts a line."""
        head, *rest = text.split("\n")
        self.skip(len(head))
        for part in rest:
            self.newline()
            self.skip(len(part))

    def find_text(self, written: str) -> tuple[int, int] | None:
        """(0-based line, 0-based column) of the next occurrence of `written`, not moving."""
        return self._search(written)

    def move_to(self, line: int, col: int) -> None:
        """Continue reading at `line` and `col` (0-based), where a found token starts."""
        self._line, self._col = line, col

    def destination(self, href: str) -> tuple[str, int, int] | None:
        """(the destination as written, 0-based line, 1-based column) of the next `](...)`
        whose destination is `href`; reading continues after the link's title.
        """
        line, col = self._line, self._col
        budget = _SEARCH_WINDOW + 2 * len(href)
        while 0 <= line <= self._last and budget > 0:
            text = self._lines[line]
            stop = min(len(text), col + budget)
            at = text.find("](", col, stop)
            while at >= 0:
                found = self._destination_at(line, at + 2, href)
                if found is not None:
                    return found
                at = text.find("](", at + 1, stop)
            budget -= stop - col + 1
            line, col = line + 1, 0
        return None

    def autolink(self, href: str) -> tuple[str, int, int] | None:
        """(the URL as written, 0-based line, 1-based column) of the next `<URL>` for `href`."""
        line, col = self._line, self._col
        budget = _SEARCH_WINDOW + 2 * len(href)
        while 0 <= line <= self._last and budget > 0:
            text = self._lines[line]
            stop = min(len(text), col + budget)
            at = text.find("<", col, stop)
            while at >= 0:
                end = text.find(">", at)
                written = text[at + 1 : end] if end > at else ""
                if written and self._normalize(written) == href:
                    self._line, self._col = line, end + 1
                    return written, line, at + 2
                at = text.find("<", at + 1, stop)
            budget -= stop - col + 1
            line, col = line + 1, 0
        return None

    def _destination_at(self, line: int, pos: int, href: str) -> tuple[str, int, int] | None:
        text = self._lines[line]
        pos = _skip_blanks(text, pos)
        if pos == len(text) and line < self._last:
            # `[text](` at a line's end: the destination starts the next line.
            line += 1
            text = self._lines[line]
            pos = _skip_blanks(text, 0)
        end = _PLAIN_DESTINATION.match(text, pos).end()  # type: ignore[union-attr]
        if end > pos and (end == len(text) or text[end] in " \t)"):
            # The common case without markdown-it's character loop: no escape, no nesting.
            written = text[pos:end]
            if written == href or ("&" in written and unescapeAll(written) == href):
                self._line, self._col = line, _after_title(text, end)
                return written, line, pos + 1
        result = parseLinkDestination(text, pos, len(text))
        if not result.ok or (result.str != href and self._normalize(result.str) != href):
            return None
        start, end = pos, result.pos
        if text.startswith("<", start):
            start, end = start + 1, end - 1
        self._line, self._col = line, _after_title(text, result.pos)
        return text[start:end], line, start + 1

    def _search(self, needle: str) -> tuple[int, int] | None:
        line, col = self._line, self._col
        budget = _SEARCH_WINDOW + 2 * len(needle)
        while 0 <= line <= self._last and budget > 0:
            text = self._lines[line]
            stop = min(len(text), col + budget)
            at = text.find(needle, col, stop)
            if at >= 0:
                return line, at
            budget -= stop - col + 1
            line, col = line + 1, 0
        return None


def _identity(url: str) -> str:
    return url


def _skip_blanks(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t":
        pos += 1
    return pos


def _after_title(text: str, pos: int) -> int:
    """Where a link's `"title")` that starts at `pos` ends (a URL in it is no link)."""
    pos = _skip_blanks(text, pos)
    title = parseLinkTitle(text, pos, len(text))
    if title.ok:
        pos = _skip_blanks(text, title.pos)
    return pos + 1 if text.startswith(")", pos) else pos


def kept_url(url: str, written: str) -> str:
    """The URL a catalog keeps: as the source writes it when that is the same URL
    (markdown-it percent-encodes `ü` as `%C3%BC`), else as markdown-it reads it
    (an escape or entity in the source)."""
    if written == url:
        return url
    return written if written and unquote(url) == written else url


class Offsets:
    """Maps offsets in a text token's content to offsets in its source, moving forward."""

    def __init__(self, written: Written) -> None:
        self._pieces = written
        self._index = 0
        self._shown = 0  # content offset where piece `_index` starts
        self._source = 0  # source offset where piece `_index` starts

    def at(self, offset: int) -> int:
        """The source offset of content offset `offset` (never less than the last asked)."""
        while self._index < len(self._pieces):
            shown, source = self._pieces[self._index]
            if offset < self._shown + len(shown):
                # Inside an escape or entity, its start; inside plain text, the same place.
                return self._source + (offset - self._shown if shown == source else 0)
            self._shown += len(shown)
            self._source += len(source)
            self._index += 1
        return self._source


def written_form(token: Token) -> Written:
    """A text token's content and source, piece by piece (escapes and entities differ)."""
    pieces = token.meta.get("written") if token.meta else None
    return pieces if pieces is not None else [(token.content, token.content)]


def join_text(tokens: list[Token]) -> list[Token]:
    """markdown-it's text_join (escapes and entities become text, adjacent text joins),
    keeping each joined token's source piece by piece in `meta["written"]`."""
    joined: list[Token] = []
    for token in tokens:
        if token.children:
            token.children = join_text(token.children)  # an image's alt text
        if token.type not in ("text", "text_special"):
            joined.append(token)
            continue
        piece = (token.content, token.markup if token.type == "text_special" else token.content)
        token.type = "text"
        last = joined[-1] if joined else None
        if last is not None and last.type == "text":
            pieces = last.meta.setdefault("written", [(last.content, last.content)])
            pieces.append(piece)
            continue
        if piece[0] != piece[1]:
            token.meta["written"] = [piece]
        joined.append(token)
    for token in joined:
        pieces = token.meta.get("written") if token.type == "text" and token.meta else None
        if pieces is not None:
            token.content = "".join(shown for shown, _ in pieces)
    return joined
