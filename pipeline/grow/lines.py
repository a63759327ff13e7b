"""A rendered entry's lines as the list writes them: table cells padded as the section pads
them, labels and the spaces at a line's start and end as most of the list's lines have them,
and a closing comment where the entries near it close with one."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from difflib import SequenceMatcher

from pipeline.grow.template import placeholder

__all__ = ["end_comment", "majority_markup", "pad_row", "tidy_lines"]


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


_MARK = re.compile(r"\s+|[A-Za-z0-9]+|[^\sA-Za-z0-9]")


def _markup_only(tokens: Sequence[str]) -> bool:
    return all(not t.isalnum() and "\n" not in t for t in tokens)


def majority_markup(
    ours: str, others: Sequence[str], *, starts_line: bool = True, ends_line: bool = True
) -> str:
    """`ours` (a model entry's literal text between two fields) with its spaces and
    punctuation as most of `others` (the same literal in the section's entries of the same
    shape) write them, where more than half of them and the model agree on another way.

    dair-ai writes `,  [Tweet]` in the sixth to eighth rows of some weeks and `, [Tweet]`
    in the others, awesome-NeRF `)  | [bibtex]` in one entry: a model's own spacing is not
    the list's. A line's start and end are left to `tidy_lines` (the list's lines decide);
    a literal right after a field (`starts_line` False) or before one (`ends_line` False)
    is inside a line at that edge: mc-lan's `…Model| [pdf]` after a title is one row's.
    """
    if len(others) < 2:
        return ours
    tokens = _MARK.findall(ours)
    votes: Counter[tuple[int, int, str]] = Counter()
    for other in others:
        theirs = _MARK.findall(other)
        matcher = SequenceMatcher(a=tokens, b=theirs, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            # A line's start and end: tidy_lines' (`\s+` takes a line break with its spaces).
            ends = (
                (i1 == 0 and starts_line)
                or (i2 == len(tokens) and ends_line)
                or (i2 < len(tokens) and "\n" in tokens[i2])
            )
            if tag == "equal" or ends:
                continue
            if _markup_only(tokens[i1:i2]) and _markup_only(theirs[j1:j2]):
                votes[(i1, i2, "".join(theirs[j1:j2]))] += 1
    out = list(tokens)
    done = -1
    for (i1, i2, written), count in sorted(votes.items(), key=lambda v: -v[0][0]):
        # More than half of them and the model together: a tie keeps the model's.
        if count * 2 > len(others) + 1 and (done < 0 or i2 <= done):
            out[i1:i2] = [written]
            done = i1
    return "".join(out)


# A labelled bare link on a line of its own: `- Homepage: https://…` (amusi).
_LABEL = re.compile(r"^(\s*[-*]\s+)([A-Za-z][A-Za-z ]*?)(\s*:\s*)(?=\S)")


def tidy_lines(text: str, written: Sequence[str]) -> str:
    """`text` with each line's label and end as the list's lines of that label have them
    (`written`: the raw text of the list's entries), not as the model entry happened to."""
    lines = [line.rstrip("\r") for block in written for line in block.split("\n")]
    labels = Counter(m.group(2) + m.group(3) for line in lines if (m := _LABEL.match(line)))
    firsts = [block.split("\n")[0].rstrip("\r") for block in written]
    out = []
    for index, line in enumerate(text.split("\n")):
        if index == 0:
            line = _indent(line, firsts)
        cr = "\r" if line.endswith("\r") else ""
        body = _common_label(line.removesuffix("\r"), labels)
        out.append(_end(body, lines) + cr)
    return "\n".join(_blank_lines(out, lines))


def _blank_lines(out: list[str], lines: Sequence[str]) -> list[str]:
    """`out` without a blank line between two labelled lines (`- Homepage:`, `- Paper:`) that
    the list's entries write one right after the other (three times as often at least):
    amusi's blank line after one entry's homepage is that entry's, not the list's."""
    pairs: Counter[tuple[str | None, ...]] = Counter()
    keys = [None if not line.strip() else _key(line) for line in lines]
    for index in range(1, len(lines)):
        pairs[(keys[index - 1], keys[index])] += 1
        if index >= 2 and not lines[index - 1].strip():
            pairs[(keys[index - 2], "", keys[index])] += 1
    kept = []
    for index, line in enumerate(out):
        before = _key(out[index - 1]) if index > 0 else None
        after = _key(out[index + 1]) if index + 1 < len(out) else None
        if line.strip() or before is None or after is None:
            kept.append(line)
            continue
        if pairs[(before, after)] < 3 * max(pairs[(before, "", after)], 1):
            kept.append(line)
    return kept


def _indent(line: str, firsts: Sequence[str]) -> str:
    """The entry's first line indented as the list's entries that start the same way
    (`**`, `- `, `| `) mostly are: amusi's one ` **Title**` is a slip, not a model's style
    (three times as many entries at least)."""
    body = line.lstrip(" \t")
    ours = line[: len(line) - len(body)]
    leads = Counter(
        first[: len(first) - len(first.lstrip(" \t"))]
        for first in firsts
        if first.lstrip(" \t")[:2] == body[:2]
    )
    common, count = leads.most_common(1)[0] if leads else (ours, 0)
    return common + body if count >= 3 * max(leads[ours], 1) else line


# An HTML comment that closes an entry's last line (awesome-NeRF's bibtex key,
# `<!---Mildenhall20eccv_nerf-->`): text no source gives.
_END_COMMENT = re.compile(r"([ \t]*)(<!--+)(.*?)(-+->)[ \t]*$")


def end_comment(text: str, near: Sequence[str]) -> str:
    """`text` closed by a comment placeholder (`<!---TODO:text-->`) where most of the `near`
    entries close with a comment, else without the one its model happened to have.

    On awesome-NeRF, whether an entry's four nearest entries mostly close with a comment
    says whether it does for 140 of its 158 entries (48 of the 50 with an arXiv id), where
    its model entry's own comment (one entry) or never writing one (115) say it less often.
    """
    shapes: Counter[tuple[str, str, str]] = Counter()
    for other in near:
        match = _END_COMMENT.search(other.split("\n")[-1].rstrip("\r"))
        if match is not None:
            shapes[(match.group(1), match.group(2), match.group(4))] += 1
    head, newline, last = text.rpartition("\n")
    cr = "\r" if last.endswith("\r") else ""
    body = last.removesuffix("\r")
    own = _END_COMMENT.search(body)
    bare = body[: own.start()] if own is not None else body
    if sum(shapes.values()) * 2 <= len(near):
        return text if own is None else head + newline + bare + cr
    (space, opener, closer), _ = shapes.most_common(1)[0]
    return head + newline + bare + space + opener + placeholder("text") + closer + cr


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
