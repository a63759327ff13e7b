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

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.errors import InputError
from pipeline.model import Entry
from pipeline.stages.arxiv.match import normalize_title

__all__ = [
    "Placement",
    "breaks_at",
    "entry_ends",
    "find_duplicate",
    "number_step",
    "ordinal",
    "place",
    "renumber",
    "resolve_section",
    "section_path",
    "sections",
    "written_dates",
]

# An entry's own number: an ordered list's `3.`, or `3)` first in a table row (dair-ai).
_ORDINAL = re.compile(r"^(\s*(?:\|\s*)?)(\d{1,4})([.)])")
# A number in an anchor (`id = "1003"`), not in a URL or an arXiv id.
_ANCHOR_NUMBER = re.compile(r"(?<=[\"'#])\d+(?=[\"'])")
_HABIT = 1 / 3  # share of a list's sections in one order for it to sort its small ones too
_IN_ORDER = 0.8  # share of a section's entries in order for it to count as sorted
_DATED = 0.8  # share of a section's entries that write a date for it to be ordered by them
_TELLS = 8  # entries a section needs to show its order alone (fewer: only the list's habit)
# A date an entry writes on its first line (a table's date column): `2024-05`, `2024-05-17`.
_WRITTEN_DATE = re.compile(r"(?<![\d.])(?:19|20)\d\d-[01]\d(?:-[0-3]\d)?(?![\d])")


def section_path(path: Sequence[str]) -> str:
    """`General > Benchmark`."""
    return " > ".join(path)


def sections(entries: Sequence[Entry]) -> list[tuple[str, ...]]:
    """Every heading path that holds entries, in list order."""
    return list(dict.fromkeys(tuple(e.section) for e in entries if e.section))


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _joined(parts: Sequence[str]) -> str:
    """Headings as one path, compared with any spacing around `>`: a heading may hold one
    itself (a `<summary>A > B</summary>`)."""
    return _norm(_PATH_MARK.sub(" > ", " > ".join(parts)))


_PATH_MARK = re.compile(r"\s*>\s*")


def resolve_section(
    name: str, entries: Sequence[Entry], headings: Sequence[tuple[str, ...]] = ()
) -> tuple[str, ...]:
    """The one section `name` (a heading or a path `A > B`) means, or InputError; `headings`
    (every heading path) adds those no entry sits under, not even in a subsection."""
    if not name.replace(">", "").strip():
        raise InputError("--section is empty; give a heading or a path like 'General > Benchmark'")
    wanted = _joined([name])
    held = sections(entries)
    empty = [h for h in headings if not any(p[: len(h)] == h for p in held)]
    known = list(dict.fromkeys([*held, *empty]))
    matches = [
        path for path in known if any(_joined(path[-k:]) == wanted for k in range(1, len(path) + 1))
    ]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        # A parent heading ("General"): the sections under it are what it could mean.
        under = [
            path
            for path in known
            if any(
                _joined(path[i:j]) == wanted
                for i in range(len(path))
                for j in range(i + 1, len(path) + 1)
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


def entry_ends(entries: Sequence[Entry]) -> dict[int, int]:
    """Each entry's last line (by its first): its own line, or the line of its last link."""
    return {
        e.line: max([e.line, *(link.line for link in e.links if link.column > 0)]) for e in entries
    }


def written_dates(entries: Sequence[Entry], lines: Sequence[str]) -> dict[int, str]:
    """The date each entry writes on its first line (a table's date column): line -> date."""
    return {
        e.line: match.group()
        for e in entries
        if 0 < e.line <= len(lines) and (match := _WRITTEN_DATE.search(lines[e.line - 1]))
    }


@dataclass(frozen=True)
class Placement:
    """Where the new entry goes, and by what order."""

    line: int  # the entry's lines go right after this line (0: at the top of the file)
    order: str  # "newest first", "oldest first", "bottom"
    neighbour: int  # the line of the entry it goes next to (whose style it copies first)
    breaks: int = 0  # pairs of the section's order the new entry breaks there


def _keyed(
    members: Sequence[Entry], dates: dict[int, str], date: str | None, arxiv_id: str | None
) -> tuple[list[tuple[Any, Entry]], Any]:
    """The members with a key (the date they write when nearly all write one and the new
    paper's `date` is known, else the arXiv id), and the new paper's key."""
    dated = [(dates[e.line], e) for e in members if e.line in dates]
    if date and members and len(dated) >= _DATED * len(members):
        width = min(len(d) for d, _ in dated)
        return [(d[:width], e) for d, e in dated], date[:width]
    return [(k, e) for e in members if (k := _key(e.arxiv_id)) is not None], _key(arxiv_id)


def _longest_run(keys: Sequence[Any]) -> int:
    """How many of `keys` stay in ascending order when the fewest others are left out."""
    tails: list[Any] = []
    for key in keys:
        at = bisect.bisect_right(tails, key)
        tails[at : at + 1] = [key]
    return len(tails)


def _in_order(keys: Sequence[Any]) -> str | None:
    """The order all but a few of `keys` are in (`_IN_ORDER` of them), if any: a sorted
    section where maintainers slipped a few papers in late (BradyFU's benchmarks: 80% of
    neighbouring pairs in order, 81% of the entries) stays sorted, while one in order
    only by and large (mc-lan's referring segmentation, 60%) is not."""
    if len(keys) < 3:
        return None
    up = _longest_run(keys)
    down = _longest_run([_negated(k) for k in keys])
    if max(up, down) < _IN_ORDER * len(keys):
        return None
    return "newest first" if down > up else "oldest first"


def _order(keys: Sequence[Any], habit: str | None) -> str | None:
    """The section's order: "newest first", "oldest first", None (no order).

    A small section shows its order only as the list's habit: a week of dair-ai's five
    papers is in order by chance now and then (1 week of 130), never as the list's."""
    order = _in_order(keys)
    return order if order and (len(keys) >= _TELLS or order == habit) else None


def _negated(key: Any) -> Any:
    """A key that sorts the other way round."""
    if isinstance(key, str):
        return tuple(-int(part) for part in key.split("-"))
    return tuple(-part for part in key)


def _habit(entries: Sequence[Entry], dates: dict[int, str], date: str | None) -> str | None:
    """The order the list sorts its sections in: the one order of at least `_HABIT` of
    its sections (of 3 entries or more; terryum 5 of 13, BradyFU 13 of 15, dair-ai 1 of
    130), if any."""
    found: list[str | None] = []
    for path in sections(entries):
        members = [e for e in entries if tuple(e.section) == path]
        keyed, _ = _keyed(members, dates, date, None)
        if len(keyed) >= 3:
            found.append(_in_order([k for k, _ in keyed]))
    orders = {order for order in found if order}
    if len(orders) != 1 or len(found) - found.count(None) < _HABIT * len(found):
        return None
    return orders.pop()


def _number(key: Any) -> float:
    """A key as a number, for how near two keys are: days for a date, else the arXiv id's
    month and number."""
    if isinstance(key, str):
        parts = [int(p) for p in key.split("-")]
        return parts[0] * 372 + (parts[1] if len(parts) > 1 else 0) * 31 + (parts[2:] or [0])[0]
    month, number = key
    return (month // 100 * 12 + month % 100) * 100_000 + number


def _breaks(keyed: Sequence[tuple[Any, Entry]], at: int, new: Any, newest_first: bool) -> int:
    """The new entry's pairs with its neighbours out of order if it goes before `keyed[at]`."""
    out = 0
    if at > 0:
        before = keyed[at - 1][0]
        out += before < new if newest_first else before > new
    if at < len(keyed):
        after = keyed[at][0]
        out += new < after if newest_first else new > after
    return out


def _key_year(key: Any) -> int:
    """The year of a key: a written date's, or an arXiv id's (`2104.00587`: 2021)."""
    return int(key[:4]) if isinstance(key, str) else 2000 + key[0] // 100


def _same_year_side(
    keyed: Sequence[tuple[Any, Entry]], at: int, new: Any, year: int | None, between: list[Entry]
) -> int | None:
    """Which keyed neighbour (`at - 1` or `at`) the new entry goes right next to, when
    papers of its year with no key lie between them and that neighbour's key is of its
    year too: the one whose key is nearest its own. None when neither is.

    Papers with no key of the same year say nothing about where in the year a new one
    goes; a neighbour whose id is of that year does (awesome-NeRF's Generalization,
    oldest first: 2104.00587 right after 2103.17269, before eleven 2021 papers with no
    arXiv link; 2304.08971 after a 2023 one, right before 2308.12967)."""
    if year is None or not between:
        return None
    sides = []
    if at > 0 and between[0].year == year and _key_year(keyed[at - 1][0]) == year:
        sides.append(at - 1)
    if at < len(keyed) and between[-1].year == year and _key_year(keyed[at][0]) == year:
        sides.append(at)
    if not sides:
        return None
    target = _number(new)
    return min(sides, key=lambda i: abs(_number(keyed[i][0]) - target))


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
    else the arXiv ids. A section is sorted when `_IN_ORDER` of its entries are in order,
    and it has `_TELLS` entries or the list sorts its sections that way (`_habit`). The
    entry goes where it is out of order with the fewest of its neighbours, and of those
    places next to the key nearest its own (a paper slipped in late does not move it)."""
    members = [e for e in entries if tuple(e.section) == section]
    written = dates or {}
    keyed, new = _keyed(members, written, date, arxiv_id)
    order = _order([k for k, _ in keyed], _habit(entries, written, date))
    if new is not None and order:
        newest_first = order == "newest first"
        target = _number(new)

        def rank(at: int) -> tuple[int, float, int]:
            near = [keyed[i][0] for i in (at - 1, at) if 0 <= i < len(keyed)]
            distance = min(abs(_number(k) - target) for k in near)
            # Among equals, after the entries of the same key (as a maintainer appends).
            return _breaks(keyed, at, new, newest_first), distance, -at

        at = min(range(len(keyed) + 1), key=rank)
        breaks = _breaks(keyed, at, new, newest_first)
        after = keyed[at - 1][1].line if at else 0
        upto = keyed[at][1].line if at < len(keyed) else ends[members[-1].line] + 1
        year = int(date[:4]) if date and date[:4].isdigit() else None
        between = [
            e
            for e in members
            if after < e.line < upto
            and e.year is not None
            and year is not None
            and all(e is not k for _, k in keyed)
        ]
        side = _same_year_side(keyed, at, new, year, between)
        if side is not None:
            entry = keyed[side][1]
            if side < at:  # right after the neighbour before it
                return Placement(ends[entry.line], order, entry.line, breaks)
            return Placement(entry.line - 1, order, entry.line, breaks)
        # Entries with no key between its neighbours: before the first whose written year
        # is not newer (older first: not older), as the year order goes (terryum's papers
        # with no arXiv link); else right before the next keyed entry.
        unkeyed = [e for e in between if (e.year <= year if newest_first else e.year >= year)]
        if unkeyed:
            return Placement(unkeyed[0].line - 1, order, unkeyed[0].line, breaks)
        if at < len(keyed):
            entry = keyed[at][1]
            return Placement(entry.line - 1, order, entry.line, breaks)
        last = keyed[-1][1]
        return Placement(ends[last.line], order, last.line, breaks)
    last = members[-1]
    return Placement(ends[last.line], "bottom", last.line)


def breaks_at(
    entries: Sequence[Entry],
    section: tuple[str, ...],
    arxiv_id: str | None,
    line: int,
    *,
    dates: dict[int, str] | None = None,
    date: str | None = None,
) -> int | None:
    """How many of its neighbours an entry of `section` sitting at `line` is out of order
    with (`entries` without it), or None when the section has no order."""
    members = [e for e in entries if tuple(e.section) == section]
    written = dates or {}
    keyed, new = _keyed(members, written, date, arxiv_id)
    order = _order([k for k, _ in keyed], _habit(entries, written, date))
    if new is None or not order:
        return None
    at = sum(1 for _, e in keyed if e.line < line)
    return _breaks(keyed, at, new, order == "newest first")


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
