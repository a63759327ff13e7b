"""`make bench` writes its table into the README between two markers (the run itself is not a test)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench import __main__ as bench
from bench.worlds import Rules, generated_world, shipped_world
from tests.emulator import Emulator
from tests.hostile_lists import wait_measured

ROOT = Path(__file__).resolve().parents[1]


def _row(run: str, seconds: float, connections: int, requests: int) -> bench.Row:
    measured = bench.Measured(code=0, seconds=seconds, cpu=requests * 0.002, peak_mb=150.0)
    return bench.Row("10,000 links", run, measured, 90.0, connections, {"head": requests})


def test_table_puts_ours_and_lychee_side_by_side() -> None:
    table = bench._table(
        [_row("cold", 95.0, 300, 10_000), _row("lychee (cold)", 99.0, 400, 10_000)], ["load 1.0"]
    )
    header, _, ours, theirs, *_ = table.splitlines()
    assert "new connections" in header and "CPU ms / request" in header and "peak RSS" in header
    assert ours.split(" | ")[3:6] == ["95.0", "90.0", "1.06"]
    assert "| 300 | 10000 | 3.0% |" in ours and "| 2.00 |" in ours
    assert theirs.startswith("| 10,000 links | lychee (cold) |")
    assert table.endswith("load 1.0")


def test_readme_table_is_replaced_between_the_markers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{bench.BEGIN}\nold table\n{bench.END}\noutro\n", encoding="utf-8")
    monkeypatch.setattr(bench, "README", readme)
    bench._write_readme("| new | table |")
    assert readme.read_text(encoding="utf-8") == (
        f"intro\n{bench.BEGIN}\n| new | table |\n{bench.END}\noutro\n"
    )


def test_the_readme_has_the_markers() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert text.index(bench.BEGIN) < text.index(bench.END)


def test_reported_broken_links_the_world_serves_alive_are_counted() -> None:
    world = bench.BenchWorld("w", "", "", {}, dead={"https://h/gone"})
    row = bench._judged(_row("lychee (cold)", 9.0, 10, 10), world)
    row.broken = ["https://h/gone", "https://h/flaky"]
    assert bench._judged(row, world).false_broken == 1
    line = bench._table([row], []).splitlines()[2]
    assert "| 2 | 1 |" in line
    unknown = bench._judged(_row("cold", 9.0, 10, 10), bench.BenchWorld("w", "", "", {}))
    assert unknown.false_broken is None


def test_a_child_of_a_big_process_is_measured_at_its_own_size() -> None:
    # wait4 alone reported the parent's size for every child (Linux keeps it across exec).
    ballast = bytearray(300 * 1024 * 1024)
    ballast[::4096] = b"x" * len(ballast[::4096])  # touched: really resident
    code = "x = bytearray(40 * 1024 * 1024); x[::4096] = b'y' * len(x[::4096])"
    proc = subprocess.Popen([sys.executable, "-c", code])
    reaped = wait_measured(proc, time.monotonic() + 60)
    del ballast
    assert proc.returncode == 0 and not reaped.killed
    assert 40 < reaped.peak_mb < 150


def test_table_shows_first_requests_and_the_busiest_hosts_pace() -> None:
    row = _row("cold", 95.0, 300, 10_000)
    row.first_request, row.api_first = 0.8, {"arXiv": 0.1, "GitHub": 0.02}
    row.busiest, row.pace = (1730, 19.2), 20.0
    header, _, line = bench._table([row], []).splitlines()[:3]
    assert "first request s" in header and "busiest page host" in header
    assert line.endswith("| 0.80 | GitHub 0.02, arXiv 0.10 | 1730 at 19.2 (20: 96%) |")


def test_bench_worlds_are_far_away_and_the_shipped_one_has_a_page_past_the_timeout(
    tls_emulator: Emulator,
) -> None:
    generated = generated_world(tls_emulator, links=200, hosts=20)
    assert all(0.05 <= s <= 0.3 for s in generated.latency.values())
    # A new connection costs the host's latency once more (the handshake).
    assert tls_emulator.connect_delay["h3.bench"] == generated.latency["h3.bench"]
    shipped = shipped_world(tls_emulator, ROOT / "data" / "awesome-list.md")
    assert shipped.slow_url is not None and shipped.slowest > 20.0
    assert shipped.links_bound(Rules()) >= shipped.slowest


def test_lists_table_compares_each_list_with_arxivs_spacing_plus_start_up() -> None:
    from bench.lists_table import ListRow, arxiv_spacing, lists_table

    assert arxiv_spacing(6) == pytest.approx(5 * 3.0 + 7 * 0.1)  # 3 s between, each answer
    rows = [
        ListRow("fast", 600, 0, 17.6, 0.9, {"arxiv-api": 6, "head": 242}, 0.0, links=5.0),
        ListRow("paced by a host", 1305, 0, 49.0, 1.4, {"arxiv-api": 13}, 0.0, links=43.0),
        ListRow("late arXiv", 89, 0, 4.0, 0.5, {"arxiv-api": 2}, 0.8, links=1.0),
    ]
    lines = lists_table(rows).splitlines()
    fast = lines[2].split(" | ")
    assert fast[4:10] == ["6", "15.7 + 0.9", "1.06", "0.00", "5.0", "1.06"]
    assert fast[10] == "head 242 |"
    paced = lines[3].split(" | ")
    assert paced[6] == "1.26" and paced[9] == "1.10"  # against x.com's pace, 860 links at 20/s
    # Within 1.1x but its first arXiv request 0.8 s after the run's first: not met.
    assert lines[-1].startswith("1 of 3 lists within 1.1x")
