"""Edits proposed by findings, written in the list's own style: a venue, a code link.

`published` rewrites the entry's venue where it stands once on the entry's
line (`arXiv'2024` → `CVPR'2024`: the finding already carries the list's
venue style). `code-available` adds a code link after the entry's last link,
shaped like the code links of the list's other entries: the text between a
link and the code link that follows it (`)] | [[code](`) and what closes
a link (`)]`). A list that never links code that way gets no edit, only the
finding's hint.
"""

from __future__ import annotations

from collections import Counter
from itertools import pairwise

from pipeline.model import Catalog, Entry, Finding, Link, LinkKind
from pipeline.outputs.edit import Edit

__all__ = ["finding_edits"]

_CLOSERS = ")]>"


def _link_end(link: Link) -> int:
    """0-based index just past the link's URL on its line."""
    return link.column - 1 + len(link.url)


def _closing(line: str, end: int) -> str:
    closing = ""
    while end + len(closing) < len(line) and line[end + len(closing)] in _CLOSERS:
        closing += line[end + len(closing)]
    return closing


def _code_style(catalog: Catalog, lines: list[str]) -> tuple[str, str] | None:
    """(closing, between) of the commonest code link: `)]` and ` | [[code](`."""
    styles: Counter[tuple[str, str]] = Counter()
    for entry in catalog.entries:
        placed = sorted((link for link in entry.links if link.column > 0), key=_position)
        for before, code in pairwise(placed):
            if code.kind is not LinkKind.GITHUB or code.label != "code":
                continue
            if before.line != code.line or not 0 < code.line <= len(lines):
                continue
            line = lines[code.line - 1]
            if line[code.column - 1 : _link_end(code)] != code.url:
                continue
            closing = _closing(line, _link_end(code))
            gap = line[_link_end(before) : code.column - 1]
            if closing and gap.startswith(closing) and "\n" not in gap:
                styles[(closing, gap[len(closing) :])] += 1
    return styles.most_common(1)[0][0] if styles else None


def _position(link: Link) -> tuple[int, int]:
    return link.line, link.column


def _venue_edit(entry: Entry, finding: Finding, lines: list[str]) -> Edit | None:
    old, new = entry.venue_text, finding.suggestion
    if not old or not new or old == new or not 0 < entry.line <= len(lines):
        return None
    line = lines[entry.line - 1]
    if line.count(old) != 1:
        return None  # not there, or ambiguous: a human has to look
    return Edit(entry.line, line.index(old) + 1, old, new, "now published", destination=False)


def _code_edit(
    entry: Entry, finding: Finding, lines: list[str], style: tuple[str, str] | None
) -> Edit | None:
    placed = sorted((link for link in entry.links if link.column > 0), key=_position)
    if style is None or not placed or not finding.suggestion:
        return None
    last = placed[-1]
    if not 0 < last.line <= len(lines):
        return None
    closing, between = style
    end = _link_end(last)
    line = lines[last.line - 1]
    if finding.suggestion in line:
        return None  # added already (a second `fix` proposes nothing)
    if line[last.column - 1 : end] != last.url or line[end : end + len(closing)] != closing:
        return None
    new = closing + between + finding.suggestion + closing
    return Edit(last.line, end + 1, closing, new, "code link found", destination=False)


def finding_edits(catalog: Catalog, lines: list[str]) -> list[Edit]:
    """The edits `published` and `code-available` findings propose, given the list's lines."""
    entries = {entry.key: entry for entry in catalog.entries}
    style = _code_style(catalog, lines)
    edits = []
    for finding in catalog.findings:
        entry = entries.get(finding.entry_key or "")
        if entry is None:
            continue
        if finding.code == "published":
            edit = _venue_edit(entry, finding, lines)
        elif finding.code == "code-available":
            edit = _code_edit(entry, finding, lines, style)
        else:
            continue
        if edit is not None:
            edits.append(edit)
    return edits
