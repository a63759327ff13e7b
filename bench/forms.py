"""How well a neighbourhood predicts an entry's arXiv URL form, leave one out.

    python -m bench.forms [LISTS_DIR]   (default: ../shared/lists)

For every entry of each shared list with an arXiv id and a link to it, each rule guesses
the entry's own form (`https://arxiv.org/pdf/{id}.pdf`, `http://arxiv.org/abs/{id}{v}`, …)
from the other entries, and the table prints how often it is right:

- `add`: what `pipeline add` does (`fields.arxiv_form_near`): the commonest form of the 7
  entries of the section nearest the id in date (ties to the list's commonest), else the
  list's;
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
from pipeline.grow.template import arxiv_form
from pipeline.model import Entry
from pipeline.stages.parse import parse_list
from pipeline.stages.resolve import resolve_entries

__all__ = ["leave_one_out", "main"]

Rule = Callable[[Entry, list[Entry], list[Entry]], str | None]


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


def _rules(overall: Counter[str]) -> dict[str, Rule]:
    def adjacent(k: int) -> Rule:
        def rule(e: Entry, section: list[Entry], _: list[Entry]) -> str | None:
            before = [o for o in section if o.line < e.line][-k:]
            return _vote(before + [o for o in section if o.line > e.line][:k], overall)

        return rule

    return {
        "add": lambda e, s, a: arxiv_form_near(s, e.arxiv_id) or arxiv_form_near(a, e.arxiv_id),
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


def leave_one_out(text: str, name: str) -> tuple[int, dict[str, int]]:
    """How many entries have a form, and how many of them each rule guesses right."""
    entries, _ = resolve_entries(parse_list(text, name))
    pool = [
        e
        for e in entries
        if e.arxiv_id and "/" not in e.arxiv_id and e.section and _form(e) is not None
    ]
    overall = Counter(f for e in pool if (f := _form(e)))
    rules = _rules(overall)
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
