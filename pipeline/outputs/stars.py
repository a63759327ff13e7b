"""Star history: `data/stars.csv`, one row per repository per run with a successful fetch.

Columns: `date,repo_id,full_name,stars`. `date` is the run's UTC time,
`YYYY-MM-DDTHH:MM:SSZ` (a bare `YYYY-MM-DD` is read too), so two runs on one
day stay distinct and "since the last run" is well defined. `repo_id` is
GitHub's numeric id, which survives renames, so history follows a moved repo.

Why rewrite instead of append: the file is rewritten whole, atomically (temp
file, fsync, rename; `pipeline.files.write_text_atomic`). A crash leaves the
old file or the new one, never a torn last row, which an `O_APPEND` write
cannot promise on power loss. Old rows are copied byte for byte, so in git the
change is still pure appends. The file grows by about one row per repo per
run (a few hundred KB a year for a list of this size), so the copy is cheap.
Rows are never written for a failed fetch: a missing row means "unknown",
never zero stars.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipeline.errors import OutputError
from pipeline.files import write_text_atomic
from pipeline.model import FetchStatus, RepoRecord
from pipeline.safe_text import csv_cell

__all__ = [
    "HEADER",
    "StarPoint",
    "append_star_rows",
    "change_over",
    "read_star_history",
    "star_change",
]

HEADER = ("date", "repo_id", "full_name", "stars")


@dataclass(frozen=True)
class StarPoint:
    """One row of the history."""

    date: datetime
    repo_id: int
    full_name: str
    stars: int


def _format_date(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_date(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""
    except (OSError, UnicodeDecodeError) as exc:
        raise OutputError(f"cannot read the star history: {exc}", path=path) from None


def append_star_rows(path: Path, records: Iterable[RepoRecord], date: datetime) -> int:
    """Add a row per successfully fetched record (status ok, id and stars); returns rows added."""
    existing = _read_text(path)
    stamp = _format_date(date)
    when = _parse_date(stamp)
    seen = {(p.date, p.repo_id) for p in _parse(existing)}
    rows: list[tuple[str, str, str, str]] = []
    for record in records:
        if record.status is not FetchStatus.OK or record.repo_id is None or record.stars is None:
            continue
        if (when, record.repo_id) in seen:
            continue  # a repo linked twice, or the same run written again: one row
        seen.add((when, record.repo_id))
        name = csv_cell(record.full_name or record.linked_as)  # a spreadsheet opens this too
        rows.append((stamp, str(record.repo_id), name, str(record.stars)))
    if not rows:
        return 0
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if not existing.strip():
        existing = ""
        writer.writerow(HEADER)
    elif not existing.endswith("\n"):
        existing += "\n"  # a file edited by hand without a final newline
    writer.writerows(rows)
    write_text_atomic(path, existing + buffer.getvalue())
    return len(rows)


def _parse(text: str) -> list[StarPoint]:
    points = []
    for row in csv.reader(io.StringIO(text)):
        if len(row) != 4 or row[0] == HEADER[0]:
            continue
        when = _parse_date(row[0])
        if when is None or not row[1].strip().isdigit() or not row[3].strip().isdigit():
            continue  # a hand-edited or damaged row is skipped, not fatal
        points.append(StarPoint(when, int(row[1]), row[2], int(row[3])))
    return points


def read_star_history(path: Path) -> dict[int, list[StarPoint]]:
    """Every repo's points by repo id, oldest first (an absent file is an empty history)."""
    history: dict[int, list[StarPoint]] = {}
    for point in _parse(_read_text(path)):
        history.setdefault(point.repo_id, []).append(point)
    for points in history.values():
        points.sort(key=lambda p: p.date)
    return history


def change_over(points: list[StarPoint], days: int, now: datetime | None = None) -> int | None:
    """Stars gained in the last `days` days (0: since the previous run); None if unknown.

    The baseline is the newest point at least `days` old (measured from `now`,
    default the newest point), so a 30-day change needs a row from 30 or more
    days ago; a shorter history gives None rather than a misleading number.
    """
    if not points:
        return None
    latest = points[-1]
    if days <= 0:
        return latest.stars - points[-2].stars if len(points) >= 2 else None
    cutoff = (now or latest.date) - timedelta(days=days)
    older = [p for p in points if p.date <= cutoff]
    return latest.stars - older[-1].stars if older else None


def star_change(path: Path, repo_id: int, days: int, now: datetime | None = None) -> int | None:
    """Stars `repo_id` gained over the last `days` days (0: since the last run), None if unknown."""
    return change_over(read_star_history(path).get(repo_id, []), days, now)
