"""`make roundtrip`: remove entries from each shared list, `add` them back, compare byte for byte.

    python -m bench.roundtrip [LISTS_DIR] [--n N] [--seed S]   (default: ../shared/lists, 20, 0)

For each list, N random entries with an arXiv id (one the list links once) are,
one at a time: removed from the list (with the blank lines that separated
them), added back with `pipeline add ID --section PATH --tag ...` (the path
and tags read from the removed entry) in the list's round-trip world
(tests/emulator/roundtrip_world.py: the sources say what the list wrote), and
the regenerated lines compared with the removed ones. Each lands in one of:

- identical: byte for byte, except that
  - a `TODO:` placeholder (a field no source of the world gives: arXiv gives the title,
    authors, date and version, Semantic Scholar the venue and year, Hugging Face the code
    and project page, GitHub the repository; a name column, an institute, a description, a
    tweet or bibtex link, a tag not given by --tag are none of these) stands for whatever
    the list wrote there and the spaces around it; in a table row, for text within its
    cell, and the cell's padding (which follows that text's width) is any run of spaces;
  - an entry put back at the bottom of a section with no order is compared as numbered
    there: the removed line's own number (`3.`, `| 3)`) and an anchor counted from it
    (`1003`) are moved to the number `add` wrote, once that number follows the entry before
    it (1 for a section's first);
  nothing else: an arXiv URL's form, spaces, commas, labels all count;
- formatted differently: the same fields (title, venue, year, tags, arXiv id, repos)
  written another way;
- wrong or missing field: a field differs, or is missing (named in the table);
- refused: `add` stopped (the error is printed).

Also counted: entries of a date-sorted section put back elsewhere than they came from,
unless only entries of the same written date lie between (in a section with no order, a
new entry goes to the bottom): misplaced; or, where the list had the entry out of order
with more of its neighbours than the place `add` chose, out of order in the list (the
order implies another place; each is printed with -v). And, of those formatted
differently, the list's own hand: every difference is written in a form none of the
entry's section neighbours write (bench/hand.py), so no learner of the list's style could
have reproduced it; so "identical at most" is the share of lines a learner of the
neighbours' forms could give back byte for byte, if it guessed right every form they mix.
"""

from __future__ import annotations

import asyncio
import random
import re
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.hand import NEIGHBOURS, own_hand
from bench.recall import DEFAULT_LISTS
from pipeline.config import Settings, load_settings
from pipeline.errors import PipelineError
from pipeline.grow.add import Added, add_papers
from pipeline.grow.place import breaks_at, entry_ends, ordinal, written_dates
from pipeline.grow.style import PLACEHOLDER
from pipeline.model import Entry
from pipeline.stages.arxiv.match import normalize_title
from pipeline.stages.parse import parse_list
from pipeline.stages.resolve import resolve_entries
from pipeline.stages.scholarly.venues import same_venue
from tests.emulator import Emulator
from tests.emulator.roundtrip_world import code_and_project, mount_roundtrip_world

__all__ = ["ListResult", "main", "round_trip", "world_settings"]

# A placeholder stands for the field and the padding around it (a table cell's width).
_PLACEHOLDER = re.compile(r"[ \t]*" + re.escape(PLACEHOLDER) + r"[a-z]+[ \t]*")


@dataclass
class ListResult:
    """Counts for one list."""

    name: str
    tried: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    fields: Counter[str] = field(default_factory=Counter)  # wrong or missing, by field
    misplaced: int = 0
    hand: int = 0  # formatted differently, each difference a form no neighbour writes
    unordered: int = 0  # put where the order implies, not where the list had them out of order
    orders: Counter[str] = field(default_factory=Counter)  # where add put them: the sections' order
    examples: list[str] = field(default_factory=list)


def _candidates(entries: list[Entry]) -> list[Entry]:
    counts = Counter(link.arxiv_id for e in entries for link in e.links if link.arxiv_id)
    return [
        e
        for e in entries
        if e.arxiv_id
        and "/" not in e.arxiv_id
        and counts[e.arxiv_id] == 1
        and e.section
        and normalize_title(e.title)
        and sum(1 for o in entries if normalize_title(o.title) == normalize_title(e.title)) == 1
    ]


def _remove(lines: list[str], start: int, end: int) -> list[str]:
    """The lines without the entry's (1-based, inclusive) and one of the gaps around it."""
    after = end
    while after < len(lines) and not lines[after].strip():
        after += 1
    before = start - 1
    while before > 0 and not lines[before - 1].strip():
        before -= 1
    kept_after = after if before < start - 1 and after > end else end
    return [*lines[: start - 1], *lines[kept_after:]]


def _literal(text: str, field: str) -> str:
    """`text` as a pattern: itself, each placeholder (and the spaces around it) any `field`."""
    parts = _PLACEHOLDER.split(text)
    return rf"[ \t]*{field}[ \t]*".join(re.escape(part) for part in parts)


def _matches(generated: str, written: str) -> bool:
    """Byte for byte, with every placeholder standing for whatever the list wrote there.

    In a table row a placeholder stands for text within its cell, and the cell's padding
    (which follows the unknown text's width) is any run of spaces."""
    lines = []
    for line in generated.split("\n"):
        if not line.startswith("|") or PLACEHOLDER not in line:
            lines.append(_literal(line, ".+?"))
            continue
        cells = []
        for cell in line.split("|"):
            if PLACEHOLDER in cell:
                cells.append(r"[ \t]*" + _literal(cell.strip(), r"[^|\n]+?") + r"[ \t]*")
            else:
                cells.append(re.escape(cell))
        lines.append(r"\|".join(cells))
    return re.fullmatch("\n".join(lines), written, flags=re.DOTALL) is not None


_NUMBER = re.compile(r"(?<![\d.])\d+(?!\d|\.\d)")


def _counted(removed: str, new_text: str, line: int, written: str) -> str:
    """The removed lines numbered for the place `add` put the entry (`line` in `new_text`):
    its number (`3.`, `| 3)`) and an anchor counted from it (`1003`) become the regenerated
    entry's, once that number follows the entry before it (1 for the first of a section);
    else the removed lines as they are."""
    head, _, rest = removed.partition("\n")
    old, new = ordinal(head), ordinal(written.split("\n")[0])
    if old is None or new is None or old == new:
        return removed
    expected = 1
    for before in reversed(new_text.split("\n")[: line - 1]):
        if before.lstrip().startswith("#"):
            break
        if (number := ordinal(before)) is not None:
            expected = number + 1
            break
    if new != expected:
        return removed

    seen = []

    def swap(match: re.Match[str]) -> str:
        # The ordinal (the first number that is it) and anchors counted from it (`1003`), not
        # a title's number that happens to equal it (dair-ai's `4) **… GPT-4 APIs**`).
        value = int(match.group())
        first = value == old and not seen
        counted = first or (value > old and value >= 100 and (value - old) % 100 == 0)
        seen.append(first)
        return str(value - old + new) if counted else match.group()

    head = _NUMBER.sub(swap, head)
    return f"{head}\n{rest}" if rest or "\n" in removed else head


_WRITTEN_DATE = re.compile(r"(?<![\d.])(?:19|20)\d\d-[01]\d(?:-[0-3]\d)?(?!\d)")


def _in_order(removed: str, new_text: str, was: int, done: Added) -> bool:
    """Whether the entry went back where it was, or among entries of the same written date
    (a section sorted by month orders a month's papers no way a source could tell)."""
    if done.line == was:
        return True
    date = _WRITTEN_DATE.search(removed.split("\n")[0])
    if date is None:
        return False
    lines = new_text.split("\n")
    size = done.text.count("\n") + 1
    low, high = sorted((was, done.line))
    between = [
        line
        for n, line in enumerate(lines[low - 1 : high + size - 1], start=low)
        if not done.line <= n < done.line + size
    ]
    dates = [m.group() for line in between if (m := _WRITTEN_DATE.search(line))]
    return bool(dates) and all(d == date.group() for d in dates)


def _fields(old: Entry, new: Entry | None, text: str) -> list[str]:
    """The fields the regenerated entry gets wrong or misses (a field written as the list
    wrote it counts as right even where the parser reads the new line differently)."""
    if new is None:
        return ["entry"]
    wrong = []
    if normalize_title(old.title) != normalize_title(new.title) and old.title not in text:
        wrong.append("title")
    venue_ok = (new.venue and same_venue(old.venue or "", new.venue)) or (
        old.venue_text and old.venue_text in text
    )
    if old.venue and not venue_ok:
        wrong.append("venue")
    if old.year and new.year != old.year and str(old.year) not in text:
        wrong.append("year")
    if old.tags != new.tags:
        wrong.append("tags")
    code, project = code_and_project(old)
    if code and code.lower().rstrip("/") not in text.lower():
        wrong.append("code")
    if project and project not in text:
        wrong.append("project")
    return wrong


def _neighbours(entries: list[Entry], entry: Entry, lines: list[str]) -> list[str]:
    """The raw text of the entries of `entry`'s section nearest it (itself left out)."""
    members = [e for e in entries if e.section == entry.section and e is not entry]
    nearest = sorted(members, key=lambda e: abs(e.line - entry.line))[:NEIGHBOURS]
    ends = entry_ends(nearest)
    return ["\n".join(lines[e.line - 1 : ends[e.line]]) for e in nearest]


def _own_breaks(entries: list[Entry], entry: Entry, lines: list[str]) -> int | None:
    """How many of its neighbours the entry is out of order with where the list has it, by
    the order of its section without it (None: no order), dated as the world dates it."""
    others = [e for e in entries if e is not entry]
    written = _WRITTEN_DATE.search(lines[entry.line - 1])
    month = (entry.arxiv_id or "").partition(".")[0]
    date = written.group() if written else f"20{month[:2]}-{month[2:]}"
    return breaks_at(
        others,
        tuple(entry.section),
        entry.arxiv_id,
        entry.line,
        dates=written_dates(others, lines),
        date=date,
    )


async def _one(
    settings: Settings,
    text: str,
    entry: Entry,
    result: ListResult,
    neighbours: list[str],
    own: int | None = None,
) -> None:
    lines = text.split("\n")
    end = entry_ends([entry])[entry.line]
    removed = "\n".join(lines[entry.line - 1 : end])
    shorter = "\n".join(_remove(lines, entry.line, end))
    section = " > ".join(entry.section)
    try:
        new_text, added = await add_papers(
            settings, shorter, [entry.arxiv_id or ""], section=section, tags=entry.tags
        )
    except PipelineError as exc:
        result.outcomes["refused"] += 1
        result.examples.append(f"refused {entry.arxiv_id}: {exc}")
        return
    done = added[0]
    result.orders[done.order] += 1
    if done.order != "bottom" and not _in_order(removed, new_text, entry.line, done):
        if own is not None and own > done.breaks:
            # The list had it out of order with its neighbours: the order puts it elsewhere.
            result.unordered += 1
            result.examples.append(
                f"out of order in the list {entry.arxiv_id} ({done.order}): line {entry.line} "
                f"(out of order with {own} neighbour(s)), put at {done.line}"
            )
        else:
            result.misplaced += 1  # in a sorted section, elsewhere than its order implies
            result.examples.append(
                f"misplaced {entry.arxiv_id} ({done.order}): line {entry.line}, put at {done.line}"
            )
    # An unsorted section's entry goes to the bottom, numbered there: compared as numbered there.
    removed = _counted(removed, new_text, done.line, done.text)
    if _matches(done.text, removed):
        result.outcomes["identical"] += 1
        return
    # The fields, read back from the regenerated lines put where the removed ones were.
    start = entry.line - 1
    swapped = "\n".join([*lines[:start], done.text, *lines[end:]])
    entries, _ = resolve_entries(parse_list(swapped, "roundtrip"))
    new = next((e for e in entries if e.line == entry.line), None)
    wrong = _fields(entry, new, done.text)
    if wrong:
        result.outcomes["wrong or missing"] += 1
        result.fields.update(wrong)
        result.examples.append(f"wrong {','.join(wrong)}:\n  - {removed}\n  + {done.text}")
    else:
        result.outcomes["formatted differently"] += 1
        hand = own_hand(removed, done.text, neighbours)
        result.hand += hand
        why = " (the list's own hand)" if hand else ""
        result.examples.append(f"format{why}:\n  - {removed}\n  + {done.text}")


def round_trip(
    listing: Path,
    emulator: Emulator,
    scratch: Path,
    *,
    n: int = 20,
    seed: int = 0,
    only: frozenset[str] = frozenset(),
) -> ListResult:
    """Remove and re-add up to `n` random entries of the list at `listing` (those with the
    arXiv ids in `only`, when given)."""
    text = listing.read_text(encoding="utf-8")
    entries, _ = resolve_entries(parse_list(text, listing.name))
    pool = [e for e in _candidates(entries) if not only or e.arxiv_id in only]
    chosen = random.Random(seed).sample(pool, min(n, len(pool)))
    settings = world_settings(listing, emulator, scratch, entries, text)
    result = ListResult(name=listing.stem, tried=len(chosen))
    lines = text.split("\n")
    for entry in sorted(chosen, key=lambda e: e.line):
        neighbours = _neighbours(entries, entry, lines)
        own = _own_breaks(entries, entry, lines)
        asyncio.run(_one(settings, text, entry, result, neighbours, own))
    return result


def world_settings(
    listing: Path, emulator: Emulator, scratch: Path, entries: list[Entry], text: str
) -> Settings:
    """The settings of a run in the list's round-trip world (mounted on `emulator`)."""
    world = mount_roundtrip_world(emulator, entries, text.split("\n"))
    return load_settings(
        {
            "input": listing,
            "output_dir": scratch / "out",
            "cache_dir": scratch / "cache",
            **world,
            "github_token": "roundtrip-token",
            "arxiv_interval": 0.0,
            "s2_interval": 0.0,
            "hf_interval": 0.0,
            "quiet": True,
        },
        env={},
        project_dir=scratch,
    )


def table(results: list[ListResult]) -> str:
    """The Markdown table of the results."""
    rows = [
        "| list | re-added | identical | formatted differently | of those, the list's own hand "
        "| identical at most | wrong or missing field | refused | misplaced "
        "| out of order in the list |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        share = r.outcomes["identical"] / r.tried if r.tried else 0.0
        # A learner of the neighbours' forms gets at most every line but the list's own hand.
        most = (r.tried - r.hand) / r.tried if r.tried else 0.0
        wrong = r.outcomes["wrong or missing"]
        named = ", ".join(f"{f} {n}" for f, n in r.fields.most_common())
        rows.append(
            f"| {r.name} | {r.tried} | {r.outcomes['identical']} ({share:.0%}) "
            f"| {r.outcomes['formatted differently']} | {r.hand} | {most:.0%} "
            f"| {wrong}{f' ({named})' if named else ''} "
            f"| {r.outcomes['refused']} | {r.misplaced} | {r.unordered} |"
        )
    return "\n".join(rows)


def main(argv: list[str]) -> int:
    """Print the table (and with -v every line that was not identical); exit 0."""
    args = list(argv)
    verbose = "-v" in args
    args = [a for a in args if a != "-v"]
    n, seed = 20, 0
    if "--n" in args:
        i = args.index("--n")
        n = int(args[i + 1])
        del args[i : i + 2]
    if "--seed" in args:
        i = args.index("--seed")
        seed = int(args[i + 1])
        del args[i : i + 2]
    folder = Path(args[0]) if args else DEFAULT_LISTS
    lists = sorted(p for p in folder.glob("*.md") if p.name != "README.md")
    results = []
    with Emulator() as emulator, tempfile.TemporaryDirectory() as scratch:
        for listing in lists:
            emulator.reset()
            work = Path(scratch) / listing.stem
            work.mkdir()
            results.append(round_trip(listing, emulator, work, n=n, seed=seed))
    print(table(results))
    if verbose:
        for r in results:
            for example in r.examples:
                print(f"[{r.name}] {example}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
