"""Parse and report scaling: 10k, 100k and 1M links, wall seconds and peak RSS, per 10k links.

    python -m bench --only-scaling [--scaling 10000,100000,1000000] [--scaling-budget 900]

Two rows per size, each a real subprocess measured by wait4 (tests/hostile_lists.run_cli):

- `refresh --offline`: read, parse, resolve, emit the catalog, build and write
  the report and the views (no network);
- `report`: the report and views re-rendered from that catalog (read back and
  validated, then rendered).

Linear means the two per-10k columns stay flat as the size grows. A size whose
time or memory, extrapolated linearly from the previous size, would exceed the
budget or the free memory is skipped and said so.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.hostile_lists import many_links, run_cli

__all__ = ["ScaleRow", "print_scaling", "run_scaling"]

_HOSTS = 200
_ENV = {"PIPELINE_MAX_LIST_BYTES": str(2_000_000_000)}


@dataclass
class ScaleRow:
    """One command at one size (seconds and MB are None when it was skipped)."""

    links: int
    command: str
    seconds: float | None
    peak_mb: float | None
    note: str = ""


def _available_mb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("inf")


def _measure(links: int, folder: Path) -> list[ScaleRow]:
    source = folder / "list.md"
    source.write_text(many_links(links, _HOSTS), encoding="utf-8")
    out = folder / "out"
    rows = []
    for command, args in (
        ("refresh --offline", ["refresh", "--offline", "-q", "-i", str(source), "-o", str(out)]),
        ("report", ["report", "-i", str(source), "-o", str(out)]),
    ):
        run = run_cli(*args, cwd=folder, timeout=24 * 3600, env=_ENV)
        note = "" if run.code == 0 else f"exit {run.code}: {run.stderr.strip()[-120:]}"
        rows.append(ScaleRow(links, command, run.seconds, run.peak_mb, note))
    return rows


def run_scaling(sizes: list[int], budget: float) -> list[ScaleRow]:
    """Measure every size in turn, skipping one projected past `budget` seconds or free memory."""
    rows: list[ScaleRow] = []
    previous: list[ScaleRow] = []
    for links in sorted(sizes):
        if previous:
            factor = links / previous[0].links
            seconds = sum(r.seconds or 0 for r in previous) * factor
            memory = max(r.peak_mb or 0 for r in previous) * factor
            if seconds > budget or memory > 0.8 * _available_mb():
                note = (
                    f"skipped: projected {seconds:,.0f} s (budget {budget:,.0f} s), "
                    f"{memory:,.0f} MB (free {_available_mb():,.0f} MB)"
                )
                rows += [
                    ScaleRow(links, c, None, None, note) for c in ("refresh --offline", "report")
                ]
                continue
        with tempfile.TemporaryDirectory(prefix="bench-scaling-") as tmp:
            previous = _measure(links, Path(tmp))
        rows += previous
        print(f"  scaling: {links:,} links measured", flush=True)
    return rows


def print_scaling(rows: list[ScaleRow]) -> None:
    """The scaling table: per size and command, seconds and MB, and both per 10k links."""
    head = f"{'links':>10} {'command':<18} {'wall s':>8} {'peak MB':>8} {'s/10k':>7} {'MB/10k':>7}"
    print(
        f"\nparse and report scaling ({_HOSTS} hosts, one link an entry; cores: {os.cpu_count()})"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        if r.seconds is None or r.peak_mb is None:
            print(f"{r.links:>10,} {r.command:<18} {r.note}")
            continue
        per = r.links / 10_000
        print(
            f"{r.links:>10,} {r.command:<18} {r.seconds:>8.1f} {r.peak_mb:>8.0f} "
            f"{r.seconds / per:>7.2f} {r.peak_mb / per:>7.1f} {r.note}"
        )
