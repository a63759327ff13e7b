"""Parse stage: a Markdown paper list in, entries and lint findings out (no network).

Structure comes from markdown-it-py's token stream and its line maps, never
from regular expressions over the raw file. An entry is one of:

- a list item (bulleted or numbered) with at least one link and a title;
- a table row with at least one link, its title from the Title/Paper/Name column;
- a bold title (a `**Title**` paragraph or `- **Title**` bullet) followed by
  link bullets such as `- Paper: <url>` / `- Code: <url>`.

An entry's section is the path of headings it sits under, and of the
`<details><summary>Topic</summary>` blocks inside them (`Papers > Faster
Inference`, details.py); headings and blocks inside list items are text.

Everything else (badges, legends, navigation, fenced code, prose) is not an
entry. The legend is the list's bold `[TAG]: meaning` lines; entries' tags
are checked against it only when there is one.
"""

from __future__ import annotations

import gc
import re
import unicodedata
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from markdown_it.token import Token

from pipeline.config import DEFAULT_MAX_LIST_BYTES
from pipeline.files import read_text_file
from pipeline.model import ParsedList, RawLink
from pipeline.stages.parse.blocks import (
    Block,
    TableRow,
    bold_title,
    draft_item,
    draft_row,
    draft_titled,
    extend_draft,
    is_link_line,
    is_links_only,
    legend_tags,
)
from pipeline.stages.parse.collect import (
    deep_links,
    is_checkable,
    nesting_findings,
    outside_findings,
    rendered_link,
    salvage_findings,
)
from pipeline.stages.parse.details import Outline, details_tags
from pipeline.stages.parse.html import html_block_links
from pipeline.stages.parse.inline import FoundLink, InlineText, read_inline
from pipeline.stages.parse.lint import ENTRIES_A_STEP, Draft, has_code_link, lint_entries
from pipeline.stages.parse.locate import Locator
from pipeline.stages.parse.markdown import BLOCK_NESTING, Markdown

__all__ = ["parse_list", "parse_steps", "read_list", "rendered_links", "source_lines"]

_R = TypeVar("_R")

_BOM = "\ufeff"
_VENUE_MAJORITY = 0.8
_CODE_SHARE = 0.5
_NEWLINE = re.compile(r"\r\n?")


def read_list(path: Path, max_bytes: int = DEFAULT_MAX_LIST_BYTES) -> str:
    """The list's text without its BOM; InputError with a one-line reason if unreadable."""
    return read_text_file(path, max_bytes).removeprefix(_BOM)


def parse_list(text: str, source: str) -> ParsedList:
    """Parse a Markdown list into entries, its legend and lint findings; never raises."""
    steps = parse_steps(text, source, chunk=0)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


def parse_steps(
    text: str, source: str, chunk: int = 100, *, pause_collector: bool = True
) -> Generator[list[RawLink], None, ParsedList]:
    """`parse_list` a step at a time: after each `chunk` block tokens (0: none), the links
    of the entries completed since the last step, in list order; returns the ParsedList.

    Between steps the caller may do other work: a run sends the checks of the first
    entries' links while the rest of a 10,000-entry list is parsed. An entry is
    complete once a later one has started (until then nested `- Code:` bullets may
    add to it); links outside entries are only known at the end. `pause_collector=False`
    leaves the cycle collector as the caller set it (other work runs between steps).
    """
    if not pause_collector:
        return (yield from _parse(text, source, chunk))
    with _no_cycle_collection():
        return (yield from _parse(text, source, chunk))


def rendered_links(text: str) -> list[FoundLink]:
    """Every link the parser reads in a list, each copy, with where its destination is."""
    markdown = Markdown()
    with _no_cycle_collection():
        normalized = _normalized(text)
        walker = _Walker(normalized.split("\n"), markdown)
        walker.walk(markdown.blocks(normalized))
    return [link for link, _ in walker.rendered] + deep_links(walker.lines, markdown.too_deep)


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause the cycle collector: parsing makes millions of short-lived, acyclic objects,
    and each full collection walks them all (10 MB took 27 s with it, 17.5 s without)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def source_lines(text: str) -> list[str]:
    """The list's lines as the parser numbers them (from 1) and counts columns in them."""
    return _normalized(text).split("\n")


def _normalized(text: str) -> str:
    # markdown-it counts "\r\n" and a lone "\r" as one line break each; split the same way
    # so that line maps index these lines.
    return _NEWLINE.sub("\n", text.removeprefix(_BOM)).replace("\x00", "\ufffd")


def _paused(steps: Generator[None, None, _R], chunk: int) -> Generator[list[RawLink], None, _R]:
    """`steps` run to its end: at each of its pauses a parse step with no links (`chunk`
    0: none, the whole at once)."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value
        if chunk:
            yield []


def _parse(text: str, source: str, chunk: int) -> Generator[list[RawLink], None, ParsedList]:
    normalized = _normalized(text)
    lines = normalized.split("\n")
    markdown = Markdown()
    walker = _Walker(lines, markdown)
    told = 0
    for _ in walker.steps(markdown.blocks(normalized), chunk):
        complete = max(told, len(walker.found) - 1)
        yield [link for found in walker.found[told:complete] for link in found.draft.entry.links]
        told = complete
    # What markdown-it skipped for its nesting is still rendered by GitHub: its URLs count.
    deep = deep_links(lines, markdown.too_deep)
    walker.rendered.extend((link, ()) for link in deep)
    drafts = yield from _paused(walker.drafts(), chunk)
    legend = list(dict.fromkeys(walker.legend))
    claimed = {link_id for draft in drafts for link_id in draft.claimed}
    others = walker.other_links(claimed)
    entries = [d.entry for d in drafts]
    linted = yield from _paused(lint_entries(drafts, legend), chunk)
    return ParsedList(
        source=source,
        entries=entries,
        other_links=others,
        findings=sorted(
            [
                *linted,
                *outside_findings(entries, others),
                *salvage_findings([link for link, _ in walker.rendered]),
                *nesting_findings(markdown.too_deep, deep, BLOCK_NESTING),
            ],
            key=lambda f: (f.line or 0, f.code),
        ),
        legend=legend,
    )


@dataclass
class _Item:
    """An open list item: its own inline parts, until its nested list starts."""

    line: int
    depth: int
    parts: list[InlineText] = field(default_factory=list)
    closed: bool = False


@dataclass
class _Pending:
    """A bold title waiting for its `- Paper: <url>` bullets."""

    title: str
    line: int
    sections: tuple[int, ...]
    bullets: list[Block] = field(default_factory=list)


@dataclass
class _Found:
    draft: Draft
    sections: tuple[int, ...]
    group: tuple[str, object]  # entries of one group share whether venues are expected


@dataclass
class _Parent:
    """The entry a list item made, which its nested link bullets may still add to."""

    draft: Draft
    depth: int


class _Walker:
    """One pass over the block tokens: headings, list items, paragraphs, table rows."""

    def __init__(self, lines: list[str], markdown: Markdown) -> None:
        self.lines = lines
        self.markdown = markdown
        self.outline: Outline[int] = Outline()  # open sections: indices in heading_texts
        self.heading_texts: list[str] = []
        self.heading_levels: list[int] = []
        self.legend: list[str] = []
        self.found: list[_Found] = []
        self.pending: _Pending | None = None
        self.parent: _Parent | None = None
        self.items: list[_Item] = []
        self.table: list[TableRow] | None = None
        self.table_count = 0
        self.row: list[InlineText] = []
        self.row_line = 0
        self.row_locator: Locator | None = None
        self.rendered: list[tuple[FoundLink, tuple[int, ...]]] = []  # every link, in order

    def walk(self, tokens: list[Token]) -> None:
        """Visit every block token in order, letting go of each once visited."""
        for _ in self.steps(tokens, 0):
            pass

    def steps(self, tokens: list[Token], chunk: int) -> Iterator[None]:
        """`walk`, pausing after each `chunk` tokens (never when 0)."""
        tokens.reverse()
        left = chunk
        while tokens:
            self._visit(tokens.pop())
            left -= 1
            if left == 0:
                yield
                left = chunk
        self._finish_pending()

    def drafts(self) -> Generator[None, None, list[Draft]]:
        """The drafts found, in list order, with section paths and venue expectations
        (pausing every ENTRIES_A_STEP entries)."""
        title = self._title_heading()
        counts: dict[object, list[int]] = {}  # group -> [with a venue, with code, entries]
        for number, found in enumerate(self.found, 1):
            if number % ENTRIES_A_STEP == 0:
                yield
            count = counts.setdefault(found.group, [0, 0, 0])
            count[0] += 1 if found.draft.entry.venue else 0
            count[1] += 1 if has_code_link(found.draft.entry) else 0
            count[2] += 1
        drafts: list[Draft] = []
        for number, found in enumerate(self.found, 1):
            if number % ENTRIES_A_STEP == 0:
                yield
            draft = found.draft
            draft.entry = draft.entry.model_copy(
                update={"section": self._section_path(found.sections, title)}
            )
            with_venue, with_code, total = counts[found.group]
            # A paper list of the week rarely links code: no note for each paper without.
            draft.code_expected = with_code >= _CODE_SHARE * total
            if found.group[0] != "row":
                # Venues are expected where a section writes them for most of its entries;
                # a list (or a survey section) that mostly does not is not asked for them.
                draft.venue_expected = with_venue >= _VENUE_MAJORITY * total
            drafts.append(draft)
        drafts.sort(key=lambda d: d.entry.line)
        return drafts

    def other_links(self, claimed: set[int]) -> list[RawLink]:
        """Every rendered http(s) link no entry took, with the heading path it sits under."""
        title = self._title_heading()
        return [
            rendered_link(link, self._section_path(sections, title))
            for link, sections in self.rendered
            if id(link) not in claimed and is_checkable(link)
        ]

    def _section_path(self, ids: tuple[int, ...], title: int | None) -> list[str]:
        if title is not None and ids[:1] == (title,):
            ids = ids[1:]
        return [self.heading_texts[i] for i in ids]

    def _title_heading(self) -> int | None:
        """The first heading is the list's title, not a section, if it is an H1 no entry sits
        directly under."""
        if not self.heading_levels or self.heading_levels[0] != 1:
            return None
        if any(f.sections == (0,) for f in self.found):
            return None
        return 0

    def _visit(self, token: Token) -> None:
        kind = token.type
        if kind == "list_item_open":
            line = (token.map[0] if token.map else 0) + 1
            self.items.append(_Item(line=line, depth=len(self.items) + 1))
        elif kind in ("bullet_list_open", "ordered_list_open") and self.items:
            self._close_item(self.items[-1])
        elif kind == "list_item_close" and self.items:
            self._close_item(self.items.pop())
        elif kind == "table_open":
            self._finish_pending()
            self.table, self.table_count = [], self.table_count + 1
        elif kind == "tr_open":
            self.row, self.row_line = [], token.map[0] if token.map else 0
            # One locator for the row: its cells share a line, searched left to right.
            self.row_locator = self._locator(self.row_line, self.row_line)
        elif kind == "tr_close" and self.table is not None:
            self.table.append(TableRow(line=self.row_line, cells=self.row))
            self.row_locator = None
        elif kind == "table_close":
            self._table_done()
        elif kind == "heading_open":
            self._finish_pending()
            self.heading_levels.append(int(token.tag[1:]) if token.tag[1:].isdigit() else 6)
        elif kind == "inline":
            self._inline(token)
        elif kind == "html_block":
            self._html_block(token)

    def _html_block(self, token: Token) -> None:
        """An HTML block's anchors and images are links; it never makes an entry. Its
        `<details>` and `<summary>` tags open and close sections."""
        first = token.map[0] if token.map else 0
        sections = self._sections()
        links = html_block_links(token.content, self.lines, first)
        self.rendered.extend((link, sections) for link in links)
        for tag in details_tags(token.content):
            if tag.kind == "open":
                self.outline.open_details(in_item=bool(self.items))
            elif tag.kind == "close":
                self.outline.close_details()
            elif tag.text and not self.items and self.outline.wants_name():
                # A section's name, numbered with the headings' (its level is no heading's).
                self.heading_levels.append(0)
                self.heading_texts.append(_clean_heading(tag.text))
                self.outline.name(len(self.heading_texts) - 1)

    def _inline(self, token: Token) -> None:
        inline = self._read(token)
        if len(self.heading_levels) > len(self.heading_texts):
            self._heading(inline.plain)
        elif self.table is not None:
            self.row.append(inline)
        elif self.items:
            if not self.items[-1].closed:
                self.items[-1].parts.append(inline)
        else:
            self._block(Block(parts=[inline], line=inline.line, in_list=False))

    def _read(self, token: Token) -> InlineText:
        first, last = (token.map[0], token.map[1] - 1) if token.map else (0, 0)
        with self.markdown.children(token) as children:
            if self.table is not None and self.row_locator is not None:
                inline = read_inline(children, locate=self.row_locator, first=self.row_line)
            else:
                inline = read_inline(children, locate=self._locator(first, last), first=first)
        sections = self._sections()
        self.rendered.extend((link, sections) for link in inline.links)
        return inline

    def _locator(self, first: int, last: int) -> Locator:
        return Locator(self.lines, first, last, self.markdown.md.normalizeLink)

    def _heading(self, text: str) -> None:
        index, level = len(self.heading_texts), self.heading_levels[-1]
        self.heading_texts.append(_clean_heading(text))
        if self.items:
            return  # `- # Heading` inside a list item is its text, not a section of the list
        self.outline.heading(level, index)

    def _sections(self) -> tuple[int, ...]:
        return self.outline.path()

    def _close_item(self, item: _Item) -> None:
        """An item's own text ends where its nested list starts, or at its end."""
        if item.closed:
            return
        item.closed = True
        if item.parts:
            self._block(Block(parts=item.parts, line=item.line, in_list=True, depth=item.depth))

    def _block(self, block: Block) -> None:
        """Classify a list item or paragraph: legend, bold title, link bullet or entry."""
        tags = legend_tags(block)
        if tags:
            self._finish_pending()
            self.legend.extend(tags)
            return
        if self.pending is not None and (is_link_line(block) or is_links_only(block)):
            self.pending.bullets.append(block)
            return
        parent = self.parent
        if parent is not None and block.depth > parent.depth and extend_draft(parent.draft, block):
            return  # `- Code: <url>` or a date under the entry's own bullet
        if parent is not None and block.depth <= parent.depth:
            self.parent = None
        self._finish_pending()
        title = bold_title(block)
        if title is not None:
            self.pending = _Pending(title=title, line=block.line, sections=self._sections())
            return
        # A paragraph outside lists is an entry only when its layout marks a title.
        draft = draft_item(block, title_first=not block.in_list)
        if draft is not None:
            kind = "item" if block.in_list else "paragraph"
            found = _Found(draft, self._sections(), (kind, self._sections()))
            self.found.append(found)
            self.parent = _Parent(draft, block.depth) if block.in_list else None

    def _finish_pending(self) -> None:
        pending, self.pending = self.pending, None
        if pending is None:
            return
        draft = draft_titled(pending.title, pending.line, pending.bullets)
        if draft is not None:
            self.found.append(_Found(draft, pending.sections, ("titled", pending.sections)))

    def _table_done(self) -> None:
        rows, self.table = self.table or [], None
        if len(rows) < 2:
            return
        header = [cell.plain for cell in rows[0].cells]
        for row in rows[1:]:
            draft = draft_row(header, row)
            if draft is not None:
                self.found.append(_Found(draft, self._sections(), ("row", self.table_count)))


def _clean_heading(text: str) -> str:
    """Heading text without its decorations: emoji and symbols in front, extra spaces."""
    text = " ".join(text.split())
    while text and (unicodedata.category(text[0])[0] in "SZC" or text[0] in "\ufe0f"):
        text = text[1:].lstrip()
    return text
