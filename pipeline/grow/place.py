"""Where a new entry goes: which section (by name or heading path), and where in it.

A section is the heading path its entries carry (`General > Benchmark`), or
a heading with no entry under it yet. A name matches the headings whose last
part it is, a path the headings it ends with (case and spacing ignored); a
name that matches more than one section is refused with the paths it could
mean, and a heading whose subsections hold the papers with those paths.

Inside the section, an entry goes where the section's order puts it: in date
order (by arXiv id) when the section is sorted that way, newest first or
oldest first; otherwise at the bottom.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.errors import InputError
from pipeline.model import Entry
from pipeline.stages.arxiv.match import normalize_title

__all__ = [
    "Placement",
    "find_duplicate",
    "number_step",
    "ordinal",
    "place",
    "renumber",
    "resolve_section",
    "section_path",
    "sections",
]

# An entry's own number: an ordered list's `3.`, or `3)` first in a table row (dair-ai).
_ORDINAL = re.compile(r"^(\s*(?:\|\s*)?)(\d{1,4})([.)])")
# A number in an anchor (`id = "1003"`), not in a URL or an arXiv id.
_ANCHOR_NUMBER = re.compile(r"(?<=[\"'#])\d+(?=[\"'])")
_SORTED = 0.8  # share of neighbouring pairs in order for a section to count as sorted


def section_path(path: Sequence[str]) -> str:
    """`General > Benchmark`."""
    return " > ".join(path)


def sections(entries: Sequence[Entry]) -> list[tuple[str, ...]]:
    """Every heading path that holds entries, in list order."""
    return list(dict.fromkeys(tuple(e.section) for e in entries if e.section))


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def resolve_section(
    name: str, entries: Sequence[Entry], headings: Sequence[tuple[str, ...]] = ()
) -> tuple[str, ...]:
    """The one section `name` (a heading or a path `A > B`) means, or InputError; `headings`
    (every heading path) adds those no entry sits under, not even in a subsection."""
    wanted = [_norm(part) for part in name.split(">") if part.strip()]
    if not wanted:
        raise InputError("--section is empty; give a heading or a path like 'General > Benchmark'")
    held = sections(entries)
    empty = [h for h in headings if not any(p[: len(h)] == h for p in held)]
    known = list(dict.fromkeys([*held, *empty]))
    matches = [
        path
        for path in known
        if len(path) >= len(wanted) and [_norm(p) for p in path[-len(wanted) :]] == wanted
    ]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        # A parent heading ("General"): the sections under it are what it could mean.
        under = [
            path
            for path in known
            if any(
                [_norm(p) for p in path[i : i + len(wanted)]] == wanted for i in range(len(path))
            )
        ]
        if under:
            paths = "; ".join(f"'{section_path(p)}'" for p in under)
            raise InputError(f"'{name}' holds no papers of its own; give one of {paths}")
        listed = "; ".join(f"'{section_path(p)}'" for p in known) or "none"
        raise InputError(f"no heading {name!r} in the list; sections: {listed}")
    paths = "; ".join(f"'{section_path(p)}'" for p in matches)
    raise InputError(f"--section {name!r} matches {len(matches)} sections; give one of {paths}")


def find_duplicate(
    entries: Sequence[Entry], *, arxiv_id: str | None, doi: str | None, title: str
) -> tuple[Entry, str] | None:
    """The entry already listing this paper, and by what (arXiv id, DOI, title)."""
    norm = normalize_title(title)
    for entry in entries:
        ids = {entry.arxiv_id} | {link.arxiv_id for link in entry.links}
        if arxiv_id and arxiv_id in ids:
            return entry, f"arXiv {arxiv_id}"
        dois = {link.doi.lower() for link in entry.links if link.doi}
        if doi and doi.lower() in dois:
            return entry, f"DOI {doi}"
        if norm and normalize_title(entry.title) == norm:
            return entry, "title"
    return None


def _key(arxiv_id: str | None) -> tuple[int, int] | None:
    if not arxiv_id or "." not in arxiv_id:
        return None
    month, number = arxiv_id.split(".", 1)
    return (int(month), int(number)) if month.isdigit() and number.isdigit() else None


@dataclass(frozen=True)
class Placement:
    """Insert the new entry before line `before` (1-based), or after line `after`."""

    line: int  # the entry's lines go right after this line (0: at the top of the file)
    order: str  # "newest first", "oldest first", "bottom"
    neighbour: int  # the line of the entry it goes next to (whose style it copies first)


def place(
    entries: Sequence[Entry],
    section: tuple[str, ...],
    arxiv_id: str | None,
    ends: dict[int, int],
    *,
    dates: dict[int, str] | None = None,
    date: str | None = None,
) -> Placement:
    """Where in `section` the new entry goes; `ends` maps an entry's line to its last line.

    The order is the dates the section writes (`dates`: an entry's line -> `2024-05` or
    `2024-05-17`) when nearly every entry has one and the new paper's `date` is known,
    else the arXiv ids."""
    members = [e for e in entries if tuple(e.section) == section]
    written = dates or {}
    dated = [(written[e.line], e) for e in members if e.line in written]
    if date and members and len(dated) >= _SORTED * len(members):
        width = min(len(d) for d, _ in dated)
        keyed: list[tuple[Any, Entry]] = [(d[:width], e) for d, e in dated]
        new: Any = date[:width]
    else:
        keyed = [(k, e) for e in members if (k := _key(e.arxiv_id)) is not None]
        new = _key(arxiv_id)
    pairs = list(itertools.pairwise(keyed))
    if new is not None and len(pairs) >= 2:
        up = sum(1 for a, b in pairs if a[0] <= b[0])
        down = sum(1 for a, b in pairs if a[0] >= b[0])
        if up >= _SORTED * len(pairs) or down >= _SORTED * len(pairs):
            newest_first = down > up
            for key, entry in keyed:
                if (key < new) if newest_first else (key > new):
                    return Placement(
                        entry.line - 1,
                        "newest first" if newest_first else "oldest first",
                        entry.line,
                    )
            last = keyed[-1][1]
            return Placement(
                ends[last.line], "newest first" if newest_first else "oldest first", last.line
            )
    last = members[-1]
    return Placement(ends[last.line], "bottom", last.line)


def ordinal(line: str) -> int | None:
    """The entry's own number (`3.` of an ordered list, `| 3)` of a table row), if it has one."""
    match = _ORDINAL.match(line)
    return int(match.group(2)) if match else None


def number_step(
    lines: Sequence[str],
    members: Sequence[Entry],
    model: Entry,
    after: int,
    ends: dict[int, int],
) -> int | None:
    """How much the new entry's number exceeds the model's: it follows the entry before it
    (its number + 1), or goes before the first one's number when it goes first; None
    when the entries are not numbered (anything numbered in them is a placeholder)."""
    own = ordinal(lines[model.line - 1])
    before = [e for e in members if ends[e.line] <= after]
    later = [e for e in members if e.line > after]
    if own is None:
        return None
    if before and (previous := ordinal(lines[before[-1].line - 1])) is not None:
        return previous + 1 - own
    if later and (following := ordinal(lines[later[0].line - 1])) is not None:
        # First of the section: the number before the first one's is free (a list's first
        # entry is 1), else it takes the first one's number and the rest count on.
        return max(1, following - 1) - own
    return None


def renumber(lines: list[str], later: Sequence[Entry], number: int) -> None:
    """Count on the entries after a new one numbered `number` (in place), while they run
    on from it: `4. B` after a new `4. A` becomes `5. B`, and an anchor counted from its
    number with it (`<span id = "1004">` becomes `"1005"`), so no two entries share one."""
    expected = number
    for entry in later:
        line = lines[entry.line - 1]
        match = _ORDINAL.match(line)
        if match is None or int(match.group(2)) != expected:
            return

        def count_on(found: re.Match[str], old: int = expected) -> str:
            value = int(found.group())
            return str(value + 1) if value > old and (value - old) % 100 == 0 else found.group()

        rest = _ANCHOR_NUMBER.sub(count_on, line[match.end() :])
        expected += 1
        lines[entry.line - 1] = f"{match.group(1)}{expected}{match.group(3)}{rest}"
