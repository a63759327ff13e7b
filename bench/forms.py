"""How well a neighbourhood predicts an entry's arXiv URL form, leave one out.

    python -m bench.forms [LISTS_DIR]   (default: ../shared/lists)

For every entry of each shared list with an arXiv id and a link to it, each rule guesses
the entry's own form (`https://arxiv.org/pdf/{id}.pdf`, `http://arxiv.org/abs/{id}{v}`, …)
from the other entries, and the table prints how often it is right:

- `add`: what `pipeline add` does (`fields.arxiv_form_near`): the commonest form of the 7
  entries of the section nearest the id in date (ties to the section's commonest), when at
  least two of them write it; else the same among the list's 7 nearest;
- `between 2`: in a section `place` finds sorted, the 2 entries before and the 2 after
  where it puts the entry back (ties to the section's commonest form); else as `add`;
- `months 7`: as `add`, the distance in months (`2212` and `2301` one month apart, not 89);
- `year`: the section's entries of the same year of id (else as `add`);
- `adjacent 1/2/3`: the 1, 2 or 3 entries right before and after it in its section;
- `lines 5`: the 5 entries of its section nearest it in the file;
- `ids 5 (list)`: the 5 entries of the whole list nearest the id in date;
- `section` / `list`: the section's, the list's commonest form.

The cheap offline measure behind the choice of `arxiv_form_near`'s neighbourhood.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.recall import DEFAULT_LISTS
from pipeline.grow.fields import arxiv_form_near
from pipeline.grow.place import entry_ends, place, written_dates
from pipeline.grow.template import arxiv_form
from pipeline.model import Entry
from pipeline.stages.parse import parse_list
from pipeline.stages.resolve import resolve_entries

__all__ = ["leave_one_out", "main"]

Rule = Callable[[Entry, list[Entry], list[Entry]], str | None]
Placed = Callable[[Entry], int | None]  # the line a sorted section puts the entry after


def _form(entry: Entry) -> str | None:
    return next(
        (
            f
            for link in entry.links
            if link.arxiv_id == entry.arxiv_id and (f := arxiv_form(link.url))
        ),
        None,
    )


def _vote(entries: Sequence[Entry], overall: Counter[str]) -> str | None:
    votes = Counter(f for e in entries if (f := _form(e)))
    return max(votes, key=lambda f: (votes[f], overall[f])) if votes else None


def _id(entry: Entry) -> int:
    month, _, number = (entry.arxiv_id or "").partition(".")
    return int(month) * 100_000 + int(number)


def _months(entry: Entry) -> tuple[int, int]:
    month, _, number = (entry.arxiv_id or "").partition(".")
    return int(month[:2]) * 12 + int(month[2:]), int(number)


def _rules(overall: Counter[str], placed: Placed) -> dict[str, Rule]:
    def adjacent(k: int) -> Rule:
        def rule(e: Entry, section: list[Entry], _: list[Entry]) -> str | None:
            before = [o for o in section if o.line < e.line][-k:]
            return _vote(before + [o for o in section if o.line > e.line][:k], overall)

        return rule

    def ids(e: Entry, s: list[Entry], a: list[Entry]) -> str | None:
        return arxiv_form_near(s, e.arxiv_id, least=2) or arxiv_form_near(a, e.arxiv_id)

    def between(e: Entry, s: list[Entry], a: list[Entry]) -> str | None:
        line = placed(e)
        if line is None:
            return ids(e, s, a)
        near = [o for o in s if o.line <= line][-2:] + [o for o in s if o.line > line][:2]
        return _vote(near, Counter(f for o in s if (f := _form(o)))) or ids(e, s, a)

    def months(e: Entry, s: list[Entry], a: list[Entry]) -> str | None:
        month, number = _months(e)

        def far(o: Entry) -> tuple[int, int]:
            return abs(_months(o)[0] - month), abs(_months(o)[1] - number)

        return _vote(sorted(s, key=far)[:7], overall) or _vote(sorted(a, key=far)[:7], overall)

    def year(e: Entry, s: list[Entry], a: list[Entry]) -> str | None:
        same = [o for o in s if (o.arxiv_id or "")[:2] == (e.arxiv_id or "")[:2]]
        return _vote(same, overall) or ids(e, s, a)

    return {
        "add": ids,
        "between 2": between,
        "months 7": months,
        "year": year,
        "adjacent 1": adjacent(1),
        "adjacent 2": adjacent(2),
        "adjacent 3": adjacent(3),
        "lines 5": lambda e, s, a: _vote(
            sorted(s, key=lambda o: abs(o.line - e.line))[:5], overall
        ),
        "ids 5 (list)": lambda e, s, a: _vote(
            sorted(a, key=lambda o: abs(_id(o) - _id(e)))[:5], overall
        ),
        "section": lambda e, s, a: _vote(s, overall),
        "list": lambda e, s, a: _vote(a, overall),
    }


def _placer(entries: list[Entry], lines: list[str]) -> Placed:
    """Where `place` puts an entry back in its section once it is removed (None: the
    section is not sorted, or has no other entry); its written date as the paper's."""
    ends, dates = entry_ends(entries), written_dates(entries, lines)

    def placed(entry: Entry) -> int | None:
        others = [o for o in entries if o is not entry]
        if not any(o.section == entry.section for o in others):
            return None
        spot = place(
            others,
            tuple(entry.section),
            entry.arxiv_id,
            {k: v for k, v in ends.items() if k != entry.line},
            dates={k: v for k, v in dates.items() if k != entry.line},
            date=dates.get(entry.line),
        )
        return None if spot.order == "bottom" else spot.line

    return placed


def leave_one_out(text: str, name: str) -> tuple[int, dict[str, int]]:
    """How many entries have a form, and how many of them each rule guesses right."""
    entries, _ = resolve_entries(parse_list(text, name))
    placed = _placer(entries, text.split("\n"))
    pool = [
        e
        for e in entries
        if e.arxiv_id and "/" not in e.arxiv_id and e.section and _form(e) is not None
    ]
    overall = Counter(f for e in pool if (f := _form(e)))
    rules = _rules(overall, placed)
    right = dict.fromkeys(rules, 0)
    for entry in pool:
        others = [o for o in pool if o is not entry]
        section = [o for o in others if o.section == entry.section]
        for label, rule in rules.items():
            right[label] += rule(entry, section, others) == _form(entry)
    return len(pool), right


def main(argv: list[str]) -> int:
    """Print the table; exit 0."""
    folder = Path(argv[0]) if argv else DEFAULT_LISTS
    rows = []
    for listing in sorted(p for p in folder.glob("*.md") if p.name != "README.md"):
        total, right = leave_one_out(listing.read_text(encoding="utf-8"), listing.name)
        if not rows:
            rows.append("| list | entries | " + " | ".join(right) + " |")
            rows.append("|---|---:|" + "---:|" * len(right))
        cells = " | ".join(f"{n / total:.1%}" if total else "-" for n in right.values())
        rows.append(f"| {listing.stem} | {total} | {cells} |")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
