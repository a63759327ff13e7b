"""A rendered entry's lines as the list writes them: table cells padded as the section pads
them, labels and the spaces at a line's end as most of the list's lines have them."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from difflib import SequenceMatcher

__all__ = ["pad_row", "tidy_lines"]


def _cells(row: str) -> list[str] | None:
    if not row.startswith("|") or "\n" in row:
        return None
    return row.split("|")


def _columns(rows: Sequence[str], count: int) -> list[tuple[int, bool] | None]:
    """Per column of the section's table rows (with `count` pipes' worth of cells): the width
    its padded cells share and whether they are centred, or None where most cells are not
    padded (a table written with one space around each cell)."""
    cells = [c for row in rows if (c := _cells(row)) is not None and len(c) == count]
    out: list[tuple[int, bool] | None] = []
    for index in range(count):
        column = [row[index] for row in cells if row[index].strip()]
        padded = [c for c in column if _lead(c) > 1 or _trail(c) > 1]
        if not column or len(padded) * 2 < len(column):
            out.append(None)
            continue
        width, shared = Counter(len(c) for c in padded).most_common(1)[0]
        if shared * 2 < len(column):  # spaces here and there, not a column padded to a width
            out.append(None)
            continue
        centred = sum(1 for c in padded if _lead(c) > 1) * 2 > len(padded)
        out.append((width, centred))
    return out


def _lead(cell: str) -> int:
    return len(cell) - len(cell.lstrip())


def _trail(cell: str) -> int:
    return len(cell) - len(cell.rstrip())


def pad_row(row: str, rows: Sequence[str]) -> str:
    """A table row with its cells padded as the section's rows pad theirs: to the width the
    column's padded cells share (left or centred), else one space either side."""
    new = _cells(row)
    if new is None or not rows:
        return row
    columns = _columns(rows, len(new))
    out = [new[0]]
    for cell, column in zip(new[1:-1], columns[1:-1], strict=True):
        content = cell.strip()
        if not content:
            out.append(cell)
        elif column is None or len(content) + 2 > column[0]:
            out.append(f" {content} ")
        elif not column[1]:
            out.append(" " + content + " " * (column[0] - len(content) - 1))
        else:
            room = column[0] - len(content)
            left = (room + 1) // 2
            out.append(" " * left + content + " " * (room - left))
    out.append(new[-1])
    return "|".join(out)


# A labelled bare link on a line of its own: `- Homepage: https://…` (amusi).
_LABEL = re.compile(r"^(\s*[-*]\s+)([A-Za-z][A-Za-z ]*?)(\s*:\s*)(?=\S)")


def tidy_lines(text: str, written: Sequence[str]) -> str:
    """`text` with each line's label and end as the list's lines of that label have them
    (`written`: the raw text of the list's entries), not as the model entry happened to."""
    lines = [line.rstrip("\r") for block in written for line in block.split("\n")]
    labels = Counter(m.group(2) + m.group(3) for line in lines if (m := _LABEL.match(line)))
    out = []
    for line in text.split("\n"):
        cr = "\r" if line.endswith("\r") else ""
        body = _common_label(line.removesuffix("\r"), labels)
        out.append(_end(body, lines) + cr)
    return "\n".join(out)


def _common_label(line: str, labels: Counter[str]) -> str:
    """The line with a label most of the list writes another way (`Homeoage:`, `Paper :`)
    written the common way (`Homepage:`, three times as many lines at least)."""
    match = _LABEL.match(line)
    if match is None:
        return line
    ours = match.group(2) + match.group(3)
    alike = [
        (count, label)
        for label, count in labels.items()
        if SequenceMatcher(a=label.lower(), b=ours.lower()).ratio() >= 0.8
    ]
    count, best = max(alike, default=(0, ours))
    if best == ours or count < 3 * max(labels[ours], 1):
        return line
    return match.group(1) + best + line[match.end() :]


def _key(line: str) -> str | None:
    match = _LABEL.match(line)
    return match.group(2).lower() if match else None


def _end(line: str, lines: Sequence[str]) -> str:
    """The line with spaces at its end when most of the list's lines of its label have them
    (amusi's `- Homepage: URL `), else without: a space some maintainers leave is not the
    list's style."""
    key = _key(line)
    same = [other for other in lines if key is not None and _key(other) == key]
    pool = same if len(same) >= 3 else lines
    ends = Counter(other[len(other.rstrip(" \t")) :] for other in pool)
    spaced = sum(n for end, n in ends.items() if end)
    bare = line.rstrip(" \t")
    if spaced * 2 <= len(pool):
        return bare
    if key is not None and bare == line:
        return bare + max((end for end in ends if end), key=lambda end: ends[end])
    return line
