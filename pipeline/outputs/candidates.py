"""Papers you may be missing: the report's section and candidates.md, from `catalog.candidates`.

Each row: how many of the list's papers the candidate cites, the candidate,
the section proposed for it, why (the list's papers it cites) and the exact
`pipeline add` command, which prints the entry as a diff before anything is
written.
"""

from __future__ import annotations

from pipeline.model import Candidate, Catalog
from pipeline.outputs.markdown_safe import escape_text

__all__ = ["candidate_rows", "render_candidates_md"]

_WHY_SHOWN = 3


def _why(candidate: Candidate, titles: dict[str, str]) -> str:
    names = [titles.get(key, key) for key in candidate.cites]
    shown = "; ".join(names[:_WHY_SHOWN])
    more = len(names) - _WHY_SHOWN
    return f"cites {shown}" + (f" and {more} more" if more > 0 else "")


def _paper(candidate: Candidate) -> str:
    when = candidate.publication_date or (str(candidate.year) if candidate.year else "")
    return f"{candidate.title} ({when})" if when else candidate.title


def candidate_rows(catalog: Catalog) -> list[dict[str, object]]:
    """The report's rows: cites, paper, section, why, command."""
    titles = {entry.key: entry.title for entry in catalog.entries}
    return [
        {
            "cites": len(c.cites),
            "paper": _paper(c),
            "section": " > ".join(c.section),
            "why": _why(c, titles),
            "command": c.command,
        }
        for c in catalog.candidates
    ]


def render_candidates_md(catalog: Catalog) -> str:
    """candidates.md: every candidate, ranked, with why and the command that adds it."""
    titles = {entry.key: entry.title for entry in catalog.entries}
    out = [
        "# Papers you may be missing",
        "",
        "Papers not on the list that cite several of its papers (Semantic Scholar), most "
        "cited list papers first, then newest. `pipeline add` prints the entry as a diff; "
        "add `--write` to write it, and `--tag` for the list's tags.",
        "",
    ]
    if not catalog.candidates:
        out += ["None this run.", ""]
    for rank, c in enumerate(catalog.candidates, 1):
        when = c.publication_date or (str(c.year) if c.year else "")
        section = " > ".join(c.section).replace("`", "'")
        out += [
            f"{rank}. **{escape_text(c.title)}**{f' ({when})' if when else ''}: cites "
            f"{len(c.cites)} of the list's papers; proposed section: "
            + (f"`{section}`" if section else "none"),
            f"   - why: {escape_text(_why(c, titles))}",
            f"   - `{c.command}`",
        ]
    return "\n".join(out).rstrip("\n") + "\n"
