"""Mermaid `xychart-beta` charts that GitHub renders inline: papers per quarter, stars over time.

Chart text is built only from numbers, dates and repository names reduced to
a safe alphabet, so nothing from the network can break out of the block.
"""

from __future__ import annotations

import re
from collections import Counter

from pipeline.model import Catalog, Entry
from pipeline.outputs.stars import StarPoint

__all__ = [
    "entry_date",
    "papers_per_quarter",
    "star_charts",
]

MAX_QUARTERS = 32
MAX_POINTS = 20
_SAFE_LABEL = re.compile(r"[^A-Za-z0-9_.\-/ ]")


def entry_date(entry: Entry) -> tuple[int, int] | None:
    """(year, month) of the paper's first arXiv version: the record's, else the id's."""
    if entry.arxiv is not None and entry.arxiv.published is not None:
        return entry.arxiv.published.year, entry.arxiv.published.month
    if entry.arxiv_month:
        year, _, month = entry.arxiv_month.partition("-")
        if year.isdigit() and month.isdigit():
            return int(year), int(month)
    return None


def _label(text: str) -> str:
    return _SAFE_LABEL.sub("", text)[:60]


def _block(title: str, x_labels: list[str], y_title: str, series: str, values: list[int]) -> str:
    top = max([*values, 1])
    bottom = 0 if series == "bar" else min(values)
    if bottom == top:
        bottom = max(top - 1, 0)
    labels = ", ".join(f'"{_label(x)}"' for x in x_labels)
    return "\n".join(
        [
            "```mermaid",
            "xychart-beta",
            f'    title "{_label(title)}"',
            f"    x-axis [{labels}]",
            f'    y-axis "{_label(y_title)}" {bottom} --> {top}',
            f"    {series} [{', '.join(str(v) for v in values)}]",
            "```",
        ]
    )


def papers_per_quarter(catalog: Catalog) -> str | None:
    """A bar chart of papers per quarter of their first arXiv version, or None with no dates."""
    counts: Counter[tuple[int, int]] = Counter()
    for entry in catalog.entries:
        when = entry_date(entry)
        if when is not None:
            counts[(when[0], (when[1] - 1) // 3 + 1)] += 1
    if not counts:
        return None
    first, last = min(counts), max(counts)
    quarters = []
    year, quarter = first
    while (year, quarter) <= last:
        quarters.append((year, quarter))
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    quarters = quarters[-MAX_QUARTERS:]
    return _block(
        "Papers per quarter by first arXiv version",
        [f"{y} Q{q}" for y, q in quarters],
        "Papers",
        "bar",
        [counts[q] for q in quarters],
    )


def star_charts(history: dict[int, list[StarPoint]], top: int = 5) -> list[str]:
    """A line chart of stars over time for each of the `top` most-starred repos with 2+ days."""
    daily: dict[int, dict[str, StarPoint]] = {}
    for repo_id, points in history.items():
        for point in points:  # oldest first, so the day's last reading wins
            daily.setdefault(repo_id, {})[point.date.strftime("%Y-%m-%d")] = point
    ranked = sorted(
        (days for days in daily.values() if len(days) >= 2),
        key=lambda days: (-list(days.values())[-1].stars, list(days.values())[-1].full_name),
    )
    charts = []
    for days in ranked[:top]:
        dates = sorted(days)[-MAX_POINTS:]
        latest = days[dates[-1]]
        charts.append(
            _block(
                f"Stars of {latest.full_name}",
                dates,
                "Stars",
                "line",
                [days[d].stars for d in dates],
            )
        )
    return charts
