"""Turn one block (a list item, a paragraph, a table row) into a draft entry, or not.

The walker in parse.py decides which blocks to look at; this module decides
what a block is: a legend line, a bold title waiting for link bullets, a link
bullet (`- Paper: <url>`), or an entry with its title, venue, tags and links.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.model import RawEntry, RawLink
from pipeline.stages.parse.fields import (
    canonical_label,
    clean_title,
    find_venue,
    slugify,
    split_tags,
    year_of,
)
from pipeline.stages.parse.inline import FoundLink, InlineText
from pipeline.stages.parse.layout import Fields, block_lines, is_date_line, read_fields
from pipeline.stages.parse.lint import Draft, is_paper_link

__all__ = [
    "Block",
    "TableRow",
    "bold_title",
    "draft_item",
    "draft_row",
    "draft_titled",
    "extend_draft",
    "followable",
    "is_link_line",
    "is_links_only",
    "legend_tags",
]

_LEGEND_LINE = re.compile(r"^\s*\[([^\[\]]+)\]\s*[:：]\s*\S")
_BRACKETED = re.compile(r"^\s*\[[^\[\]]*\]\s*$")
_SPACED_LINK = re.compile(r"\]\s+\(\s*\)")
_ABSOLUTE = re.compile(r"^(?:https?:)?//|^www\.", re.IGNORECASE)
_SEPARATORS = re.compile(r"\.\s|[|,;\[\]]")
_URL_TEXT = re.compile(r"^(?:https?://|www\.)", re.IGNORECASE)
_GITHUB = re.compile(r"^https?://(?:www\.)?github\.com/[^/?#]+/[^/?#]+", re.IGNORECASE)
_LABEL_MAX_WORDS = 5
_LABEL_MAX_CHARS = 40
_KNOWN_LABELS = {"paper", "code", "project", "demo", "dataset", "video", "model"}
_TITLE_COLUMNS = ("title", "paper title", "paper", "name", "model", "method")
_VENUE_COLUMNS = ("venue", "conference", "publication", "pub", "journal")
_DATE_COLUMNS = ("date", "year", "time", "published")


@dataclass
class Block:
    """The inline parts of one list item or paragraph, and where it starts (1-based)."""

    parts: list[InlineText]
    line: int
    in_list: bool
    depth: int = 0  # list nesting: 0 for a paragraph, 1 for a top-level item

    @property
    def text(self) -> str:
        """All text outside links, parts joined by line breaks."""
        return "\n".join(p.text for p in self.parts)

    @property
    def links(self) -> list[FoundLink]:
        """All links of the block, in order."""
        return [link for part in self.parts for link in part.links]


@dataclass
class TableRow:
    """One table row: its 0-based source line and its cells."""

    line: int
    cells: list[InlineText] = field(default_factory=list)


def legend_tags(block: Block) -> list[str]:
    """Tags a legend block defines: lines like **`[ReferIS]`**: Referring ... (no links)."""
    if block.links:
        return []
    strong = {s.strip() for part in block.parts for s in part.strong}
    tags: list[str] = []
    for line in block.text.split("\n"):
        match = _LEGEND_LINE.match(line)
        if match and f"[{match.group(1)}]" in strong:
            tags.append(match.group(1).strip())
    return tags


def bold_title(block: Block) -> str | None:
    """The title of a block that is only a bold title (`**Title**`), else None."""
    if block.links or len(block.parts) != 1:
        return None
    part = block.parts[0]
    inside = " ".join(part.strong)
    outside = part.text
    for span in part.strong:
        outside = outside.replace(span, "", 1)
    if any(ch.isalnum() for ch in outside) or _BRACKETED.match(inside):
        return None
    title = clean_title(inside)
    return title if sum(ch.isalpha() for ch in title) >= 3 else None


def followable(links: list[FoundLink]) -> list[FoundLink]:
    """The links a reader follows (absolute URLs, not image sources), in order."""
    return [link for link in links if not link.image and _ABSOLUTE.match(link.url)]


def is_link_line(block: Block) -> bool:
    """Whether a block is a link bullet: a short label and one link (`- Paper: <url>`)."""
    links = followable(block.links)
    if len(links) != 1:
        return False
    label = block.text.strip().rstrip(":：").strip()
    if not any(ch.isalnum() for ch in label):
        return True  # `- [Paper](url)`: the link text is the label
    words = label.split()
    return (
        len(words) <= _LABEL_MAX_WORDS
        and len(label) <= _LABEL_MAX_CHARS
        and (canonical_label(label) in _KNOWN_LABELS or block.text.rstrip().endswith(":"))
    )


def is_links_only(block: Block) -> bool:
    """A block of links and punctuation only (`[[Paper](..)] [[Code](..)]`)."""
    lines = block_lines(block.parts)
    return bool(lines) and all(line.is_links_only for line in lines)


def extend_draft(draft: Draft, block: Block) -> bool:
    """Add a nested link bullet (`- Code: <url>`) or date line to an item's entry.

    Returns False, changing nothing, for any other block.
    """
    links = followable(block.links)
    text = block.text.strip()
    if links and (is_link_line(block) or is_links_only(block)):
        entry = draft.entry
        # The list and its index grow across bullets: rebuilt for each of n bullets, they
        # made an entry with n nested links quadratic.
        index = draft.urls or {link.url: i for i, link in enumerate(entry.links)}
        merged = draft.grown if draft.grown is not None else list(entry.links)
        for link in links:
            raw = _raw_link(link, None)
            at = index.get(raw.url)
            if at is None:
                index[raw.url] = len(merged)
                merged.append(raw)
            else:
                merged[at] = _also_at(merged[at], [raw])
        draft.urls, draft.grown = index, merged
        draft.entry = entry.model_copy(update={"links": merged})
        draft.claimed.update(id(link) for link in links)
        return True
    if not block.links and is_date_line(text):
        if draft.entry.year is None:
            draft.entry = draft.entry.model_copy(update={"year": year_of(text)})
        return True
    return False


def draft_item(block: Block, *, title_first: bool = False) -> Draft | None:
    """A draft entry from a list item or paragraph with links and a title, else None.

    `title_first`: the block's layout puts the title on its first line (a paragraph
    entry); otherwise only a title the layout marks is sure.
    """
    links = followable(block.links)
    if not links:
        return None
    tags_written = split_tags(block.parts[0].lead_code)
    fields = read_fields(block_lines(block.parts), tags=tags_written, title_first=title_first)
    raw = [_raw_link(link, _title_link_label(link, fields)) for link in links]
    if (
        "title" in fields.uncertain
        and not fields.slotted
        and (not block.in_list or not any(is_paper_link(link.label, link.url) for link in raw))
    ):
        # No title the layout marks, and no paper: prose, navigation or a tool, not an
        # entry. Its links are still checked, as links outside entries.
        return None
    entry = _entry(
        title=fields.title,
        line=block.line,
        tags=list(dict.fromkeys(tags_written)),
        fields=fields,
        links=raw,
    )
    return Draft(
        entry=entry,
        written_tags=tags_written,
        malformed_line=_malformed(block),
        claimed={id(link) for link in links},
    )


def _title_link_label(link: FoundLink, fields: Fields) -> str | None:
    """A title's link is the paper, unless it is a repository or the title a mere name."""
    if link is not fields.title_link:
        return None
    if _GITHUB.match(link.url):
        return "code"
    return None if "title" in fields.uncertain else "paper"


def draft_titled(title: str, title_line: int, bullets: list[Block]) -> Draft | None:
    """A draft entry from a bold title and its link bullets, else None."""
    found = [link for bullet in bullets for link in followable(bullet.links)]
    links = [_raw_link(link, None) for link in found]
    if not links:
        return None
    venue = find_venue(title)
    fields = Fields(title=title, venue=venue, year=venue.year if venue else None)
    entry = _entry(title=title, line=title_line, tags=[], fields=fields, links=links)
    return Draft(entry=entry, written_tags=[], claimed={id(link) for link in found})


def draft_row(header: list[str], row: TableRow) -> Draft | None:
    """A draft entry from a table row with links and a title cell, else None."""
    columns = [" ".join(h.lower().split()) for h in header]
    title_col = _column(columns, _TITLE_COLUMNS, default=0)
    if title_col is None or title_col >= len(row.cells):
        return None
    title_cell = row.cells[title_col]
    fields = read_fields(block_lines([title_cell]), title_first=True)
    title = fields.title
    links: list[RawLink] = []
    claimed: set[int] = set()
    for index, cell in enumerate(row.cells):
        header_label = canonical_label(columns[index]) if index < len(columns) else ""
        for link in followable(cell.links):
            claimed.add(id(link))
            is_title = link is fields.title_link
            links.append(_raw_link(link, "paper" if is_title else None, fallback=header_label))
    if not links or not (title or "title" in fields.uncertain):
        return None
    venue_col = _column(columns, _VENUE_COLUMNS)
    date_col = _column(columns, _DATE_COLUMNS)
    venue_name, year = _row_venue(row, venue_col, date_col)
    fields.year = year or fields.year
    entry = _entry(title=title, line=row.line + 1, tags=[], fields=fields, links=links)
    entry = entry.model_copy(update={"venue": venue_name})
    venue_written = venue_col is not None and venue_col < len(row.cells)
    # A venue cell with no letters ("-") says "no venue", which is nothing to fix.
    venue_written = venue_written and any(c.isalpha() for c in row.cells[venue_col].plain)
    return Draft(
        entry=entry,
        written_tags=[],
        venue_expected=venue_written,
        claimed=claimed,
    )


def _entry(
    *, title: str, line: int, tags: list[str], fields: Fields, links: list[RawLink]
) -> RawEntry:
    unique: dict[str, RawLink] = {}
    for link in links:
        # A title link repeated by its badge in the same entry is one link; `fix` still
        # knows every place it is written.
        first = unique.setdefault(link.url, link)
        if first is not link:
            unique[link.url] = _also_at(first, [link])
    key_source = title if title else next(iter(unique), "")
    return RawEntry(
        key=slugify(key_source),
        section=[],
        tags=tags,
        title=title,
        authors=fields.authors,
        venue=fields.venue.name if fields.venue else None,
        venue_text=fields.venue.text or None if fields.venue else None,
        year=fields.year,
        uncertain=fields.uncertain,
        line=line,
        links=list(unique.values()),
    )


def _also_at(link: RawLink, copies: list[RawLink]) -> RawLink:
    """`link` with the places of its copies (same URL, known column) added."""
    places = [
        (c.line, c.column)
        for c in copies
        if c.column and (c.line, c.column) != (link.line, link.column)
    ]
    if not places:
        return link
    return link.model_copy(update={"also_at": [*link.also_at, *places]})


def _raw_link(link: FoundLink, label: str | None, fallback: str = "") -> RawLink:
    """A RawLink with a normalised label: the given one, else the best the markup offers."""
    if label is None:
        label = _label(link, fallback)
    return RawLink(label=label, url=link.url, line=link.line, column=link.column)


def _label(link: FoundLink, fallback: str) -> str:
    """The first known label among the link text, the text before it and the column header."""
    # A link whose text is its URL, or a name ("LL3DA"), says less than "Code:" before it.
    shown = link.text or link.alt  # a badge's alt text ("arXiv") names its link
    text = "" if link.bare or _URL_TEXT.match(shown) else canonical_label(shown)
    if link.image_only and _GITHUB.match(link.url):
        return "code"  # a star badge wrapped in a link to its repository
    candidates = [text, _before_label(link.before), fallback]
    known = next((c for c in candidates if c in _KNOWN_LABELS), None)
    return known or next((c for c in candidates if c), "link")


def _before_label(before: str) -> str:
    """The label written just before a link ("... CVPR'2024. Paper: "), if it is one."""
    segment = _SEPARATORS.split(before)[-1].strip()
    label = canonical_label(segment)
    explicit = segment.endswith((":", "：")) and len(segment.split()) <= _LABEL_MAX_WORDS
    return label if label in _KNOWN_LABELS or explicit else ""


def _malformed(block: Block) -> int | None:
    """The line of link markup whose brackets do not pair up, if any."""
    for part in block.parts:
        depth = 0
        for ch in part.brackets:
            depth += 1 if ch == "[" else -1
            if depth < 0:
                break
        if depth != 0 or _SPACED_LINK.search(part.text):
            return part.line
    return None


def _column(columns: list[str], names: tuple[str, ...], default: int | None = None) -> int | None:
    for name in names:
        if name in columns:
            return columns.index(name)
    return default


def _row_venue(
    row: TableRow, venue_col: int | None, date_col: int | None
) -> tuple[str | None, int | None]:
    """Venue and year of a table row, from its venue and date cells."""
    in_row = venue_col is not None and venue_col < len(row.cells)
    venue_cell = row.cells[venue_col] if in_row and venue_col is not None else None
    venue_text = ""
    if venue_cell is not None:
        venue_text = venue_cell.plain
    found = find_venue(venue_text)
    name = found.name if found else clean_title(venue_text) or None
    year = found.year if found else year_of(venue_text)
    if year is None and date_col is not None and date_col < len(row.cells):
        year = year_of(row.cells[date_col].text)
    if name is not None and not any(ch.isalnum() for ch in name):
        name = None
    return name, year
