"""`make bench`'s second table: the seven shared lists' worlds, each against arXiv's spacing.

Each list of ../shared/lists is served as `shared_world` serves one (nothing
wrong; every host answering in its own 50-300 ms, a new connection costing that
once more; arXiv, GitHub, Semantic Scholar and Hugging Face at 100 ms) and
refreshed cold. On a real list the arXiv API's 3 s between calls sets how long
a run takes (issue 18), so the bound here is that spacing, (calls - 1) x 3 s
plus each call's answer and the handshake, plus our start-up (an offline run
of the same list). Targets: wall within 1.1x of it, and the first arXiv
request within 0.5 s of the run's first request. Beside it, the links' own
bound (each host's pace, latency and handshake: `BenchWorld.links_bound`),
which no polite client beats either: where it is the larger (a list with
hundreds of links on one host, at 20 requests a second), the last ratio
compares with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.worlds import API_LATENCY, Rules

__all__ = ["FIRST_TARGET", "RATIO_TARGET", "ListRow", "arxiv_spacing", "lists_table"]

RATIO_TARGET = 1.1
FIRST_TARGET = 0.5


@dataclass
class ListRow:
    """One list's cold run."""

    name: str
    entries: int
    code: int
    wall: float
    startup: float
    requests: dict[str, int] = field(default_factory=dict)  # by kind, as the main table's
    first_arxiv: float | None = None  # seconds after the run's first request
    links: float = 0.0  # the links' own bound (seconds), for comparison

    @property
    def arxiv(self) -> int:
        """arXiv API calls the run made."""
        return self.requests.get("arxiv-api", 0)

    @property
    def bound(self) -> float:
        """arXiv's spacing for those calls plus our start-up."""
        return arxiv_spacing(self.arxiv) + self.startup


def arxiv_spacing(calls: int, rules: Rules | None = None) -> float:
    """Seconds `calls` arXiv calls take at least: 3 s from one answer to the next request,
    each answer's latency, and the first connection's handshake."""
    if calls <= 0:
        return 0.0
    interval = (rules or Rules()).arxiv_interval
    return (calls - 1) * interval + (calls + 1) * API_LATENCY


def lists_table(rows: list[ListRow]) -> str:
    """The Markdown table, one row a list, and a line saying how many meet the targets."""
    head = (
        "| list | entries | exit | wall s | arXiv requests | arXiv spacing + start-up s "
        "| wall / that | first arXiv request, s after the first | links' own bound s "
        "| wall / (the larger bound + start-up) | other requests by kind |"
    )
    lines = [head, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    met = 0
    for row in rows:
        ratio = row.wall / row.bound if row.bound else float("inf")
        first = "-" if row.first_arxiv is None else f"{row.first_arxiv:.2f}"
        others = ", ".join(
            f"{kind} {n}" for kind, n in sorted(row.requests.items()) if kind != "arxiv-api"
        )
        ok = ratio <= RATIO_TARGET and (row.first_arxiv or 0.0) <= FIRST_TARGET
        met += ok and row.code == 0
        lines.append(
            f"| {row.name} | {row.entries} | {row.code} | {row.wall:.1f} | {row.arxiv} "
            f"| {arxiv_spacing(row.arxiv):.1f} + {row.startup:.1f} | {ratio:.2f} "
            f"| {first} | {row.links:.1f} "
            f"| {row.wall / (max(arxiv_spacing(row.arxiv), row.links) + row.startup):.2f} "
            f"| {others or 'none'} |"
        )
    lines += [
        "",
        f"{met} of {len(rows)} lists within {RATIO_TARGET}x of arXiv's spacing plus start-up "
        f"with their first arXiv request within {FIRST_TARGET} s of the run's first request.",
    ]
    return "\n".join(lines)
