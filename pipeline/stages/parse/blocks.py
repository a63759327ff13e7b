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
from pipeline.stages.parse.lint import Draft

__all__ = [
    "Block",
    "TableRow",
    "bold_title",
    "draft_item",
    "draft_row",
    "draft_titled",
    "followable",
    "is_link_line",
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


def draft_item(block: Block) -> Draft | None:
    """A draft entry from a list item with links and a title, else None."""
    links = followable(block.links)
    if not links:
        return None
    tags_written = split_tags(block.parts[0].lead_code)
    text = block.text
    for span in block.parts[0].lead_code:
        if split_tags([span]):
            text = text.replace(span, "", 1)
    title, venue_text = _title_and_venue(text)
    title_link: FoundLink | None = None
    if not _is_title(title) and _is_title(links[0].text, words=3):
        title_link, title = links[0], clean_title(links[0].text)
    if not _is_title(title):
        return None
    venue = find_venue(venue_text)
    entry = _entry(
        title=title,
        line=block.line,
        tags=list(dict.fromkeys(tags_written)),
        venue=venue.name if venue else None,
        year=venue.year if venue else None,
        links=[_raw_link(link, "paper" if link is title_link else None) for link in links],
    )
    return Draft(
        entry=entry,
        written_tags=tags_written,
        malformed_line=_malformed(block),
        claimed={id(link) for link in links},
    )


def draft_titled(title: str, title_line: int, bullets: list[Block]) -> Draft | None:
    """A draft entry from a bold title and its link bullets, else None."""
    found = [link for bullet in bullets for link in followable(bullet.links)]
    links = [_raw_link(link, None) for link in found]
    if not links:
        return None
    venue = find_venue(title)
    entry = _entry(
        title=title,
        line=title_line,
        tags=[],
        venue=venue.name if venue else None,
        year=venue.year if venue else None,
        links=links,
    )
    return Draft(entry=entry, written_tags=[], claimed={id(link) for link in found})


def draft_row(header: list[str], row: TableRow) -> Draft | None:
    """A draft entry from a table row with links and a title cell, else None."""
    columns = [" ".join(h.lower().split()) for h in header]
    title_col = _column(columns, _TITLE_COLUMNS, default=0)
    if title_col is None or title_col >= len(row.cells):
        return None
    title_cell = row.cells[title_col]
    title = clean_title(title_cell.plain)
    links: list[RawLink] = []
    claimed: set[int] = set()
    for index, cell in enumerate(row.cells):
        header_label = canonical_label(columns[index]) if index < len(columns) else ""
        for link in followable(cell.links):
            claimed.add(id(link))
            is_title = index == title_col and clean_title(link.text) == title
            links.append(_raw_link(link, "paper" if is_title else None, fallback=header_label))
    if not links or not _is_title(title):
        return None
    venue_col = _column(columns, _VENUE_COLUMNS)
    date_col = _column(columns, _DATE_COLUMNS)
    venue_name, year = _row_venue(row, venue_col, date_col)
    entry = _entry(
        title=title, line=row.line + 1, tags=[], venue=venue_name, year=year, links=links
    )
    expected = venue_col is not None or date_col is not None
    return Draft(entry=entry, written_tags=[], venue_expected=expected, claimed=claimed)


def _entry(
    *,
    title: str,
    line: int,
    tags: list[str],
    venue: str | None,
    year: int | None,
    links: list[RawLink],
) -> RawEntry:
    return RawEntry(
        key=slugify(title),
        section=[],
        tags=tags,
        title=title,
        venue=venue,
        year=year,
        line=line,
        links=links,
    )


def _title_and_venue(text: str) -> tuple[str, str]:
    """Split an item's text into its title and the text that holds its venue."""
    fields = [f for f in text.split("|") if any(ch.isalnum() for ch in f)]
    if len(fields) >= 2:
        # `[LISA] | CVPR'24 | LISA: Reasoning ... | [pdf]`: the venue is a field of its own.
        # A title that merely contains '|' has no venue or `[name]` field.
        venue_fields = [f for f in fields if _is_venue_field(f)]
        named = [f for f in fields if _BRACKETED.match(f)]
        others = [f for f in fields if f not in venue_fields and f not in named]
        if others and (venue_fields or named):
            title = max(others, key=lambda f: len(f.strip()))
            return clean_title(title), " ".join(venue_fields) or text
    venue = find_venue(text)
    before = text[: venue.start] if venue else text
    if not any(ch.isalnum() for ch in before) and venue is not None:
        before = text[venue.end :]
    first = next((line for line in before.split("\n") if any(c.isalnum() for c in line)), "")
    return clean_title(first), text


def _is_venue_field(text: str) -> bool:
    venue = find_venue(text)
    if venue is None:
        return False
    rest = text[: venue.start] + text[venue.end :]
    return not any(ch.isalnum() for ch in rest)


def _is_title(text: str, *, words: int = 1) -> bool:
    return sum(ch.isalpha() for ch in text) >= 3 and len(text.split()) >= words


def _raw_link(link: FoundLink, label: str | None, fallback: str = "") -> RawLink:
    """A RawLink with a normalised label: the given one, else the best the markup offers."""
    if label is None:
        label = _label(link, fallback)
    return RawLink(label=label, url=link.url, line=link.line, column=link.column)


def _label(link: FoundLink, fallback: str) -> str:
    """The first known label among the link text, the text before it and the column header."""
    # A link whose text is its URL, or a name ("LL3DA"), says less than "Code:" before it.
    text = "" if link.bare or _URL_TEXT.match(link.text) else canonical_label(link.text)
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
