"""Crash safety: SIGKILL at any point, Ctrl-C, and two refreshes at once never corrupt outputs.

Each test drives the real CLI in subprocesses. A FIFO as the input list holds
a run at a known point (inside the run lock, before anything is written)
without sleeps or hooks in the product.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest

from pipeline.files import remove_stale_temp_files
from tests.emulator import Emulator, Page, Site, World, load_world

_ROOT = Path(__file__).resolve().parent.parent
_SEED = _ROOT / "data" / "awesome-list.md"
_SCHEMA = json.loads((_ROOT / "schema" / "catalog.schema.json").read_text(encoding="utf-8"))
_ENV = {**os.environ, "PYTHONPATH": str(_ROOT)}


def _start(tmp_path: Path, source: Path, *extra: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "pipeline", "refresh", "--offline", "--quiet"]
    return subprocess.Popen(
        [*command, "-i", str(source), "-o", str(tmp_path / "out"), *extra],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_ENV,
    )


def _finish(proc: subprocess.Popen[str], timeout: float = 60) -> tuple[int, str]:
    _, err = proc.communicate(timeout=timeout)
    return proc.returncode, err


def _temp_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob(".*.tmp"))


def _assert_complete_catalog(path: Path, entries: int) -> None:
    catalog = json.loads(path.read_text(encoding="utf-8"))  # a torn file fails here
    jsonschema.validate(catalog, _SCHEMA)
    assert len(catalog["entries"]) == entries


@pytest.fixture
def seeded(tmp_path: Path) -> tuple[Path, int]:
    """The seed list copied to tmp_path and one complete offline refresh: (list, entries)."""
    source = tmp_path / "list.md"
    shutil.copy(_SEED, source)
    code, err = _finish(_start(tmp_path, source))
    assert code == 0, err
    entries = len(json.loads((tmp_path / "out" / "catalog.json").read_text())["entries"])
    return source, entries


@pytest.fixture
def blocked_input(tmp_path: Path) -> Path:
    """A FIFO list: a run that reads it waits, holding the lock, until `_feed` writes it."""
    fifo = tmp_path / "fifo.md"
    os.mkfifo(fifo)
    return fifo


def _open_writer(fifo: Path, timeout: float = 20.0) -> int:
    """Open the FIFO's writing end once the run has opened it for reading (it holds the lock)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:  # ENXIO: no reader yet
            assert time.monotonic() < deadline, "the run never opened its input"
            time.sleep(0.01)
            continue
        os.set_blocking(fd, True)
        return fd


def _feed(fd: int) -> None:
    with os.fdopen(fd, "wb") as handle:
        handle.write(_SEED.read_bytes())


def _kill_at_random_points(tmp_path: Path, seeded: tuple[Path, int], iterations: int) -> None:
    source, entries = seeded
    catalog = tmp_path / "out" / "catalog.json"
    started = time.monotonic()
    _finish(_start(tmp_path, source))
    duration = time.monotonic() - started
    rng = random.Random(20261124)
    for _ in range(iterations):
        proc = _start(tmp_path, source)
        time.sleep(rng.uniform(0, duration * 1.1))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        _assert_complete_catalog(catalog, entries)
    code, err = _finish(_start(tmp_path, source))
    assert code == 0, err
    _assert_complete_catalog(catalog, entries)
    assert _temp_files(tmp_path / "out") == []


def test_sigkill_at_random_points_leaves_old_or_new_complete_catalog(
    tmp_path: Path, seeded: tuple[Path, int]
) -> None:
    _kill_at_random_points(tmp_path, seeded, iterations=8)


@pytest.mark.stress
@pytest.mark.timeout(600)
def test_sigkill_at_a_hundred_random_points_never_corrupts(
    tmp_path: Path, seeded: tuple[Path, int]
) -> None:
    _kill_at_random_points(tmp_path, seeded, iterations=100)


def test_stale_temp_file_from_a_killed_writer_is_removed_by_the_next_run(
    tmp_path: Path, seeded: tuple[Path, int]
) -> None:
    source, _ = seeded
    out = tmp_path / "out"
    (out / ".catalog.json.k1ll3d_x.tmp").write_text('{"schema_version": 1, "entr')
    code, err = _finish(_start(tmp_path, source))
    assert code == 0, err
    assert _temp_files(out) == []


def test_stale_temp_cleanup_leaves_other_files_alone(tmp_path: Path) -> None:
    keep = [
        tmp_path / ".notes.tmp",
        tmp_path / "catalog.json",
        tmp_path / ".catalog.json.short.tmp",
    ]
    for path in keep:
        path.write_text("x")
    stale = tmp_path / ".report.md.abcd_123.tmp"
    stale.write_text("x")
    assert remove_stale_temp_files(tmp_path) == [stale]
    assert all(path.exists() for path in keep)


def test_second_refresh_at_once_says_one_is_running_and_exits_2(
    tmp_path: Path, seeded: tuple[Path, int], blocked_input: Path
) -> None:
    _, entries = seeded
    first = _start(tmp_path, blocked_input)
    writer = _open_writer(blocked_input)
    try:
        code, err = _finish(_start(tmp_path, _SEED))
    finally:
        _feed(writer)
    assert code == 2
    assert err.strip().splitlines() == [
        f"Error: {tmp_path / 'out'}: another refresh is running on this folder; "
        "wait for it to finish"
    ]
    first_code, first_err = _finish(first)
    assert first_code == 0, first_err
    _assert_complete_catalog(tmp_path / "out" / "catalog.json", entries)


def test_sigint_exits_130_with_a_message_and_the_catalog_untouched(
    tmp_path: Path, seeded: tuple[Path, int], blocked_input: Path
) -> None:
    _, entries = seeded
    before = (tmp_path / "out" / "catalog.json").read_bytes()
    proc = _start(tmp_path, blocked_input)
    writer = _open_writer(blocked_input)  # the run now holds the lock and waits for input
    proc.send_signal(signal.SIGINT)
    time.sleep(0.2)  # let the signal land while the run is blocked on its input
    with contextlib.suppress(BrokenPipeError):  # the run may have ended already (issue 12.7)
        _feed(writer)
    code, err = _finish(proc)
    assert code == 130
    assert "Interrupted" in err and "Traceback" not in err
    _assert_complete_catalog(tmp_path / "out" / "catalog.json", entries)
    assert (tmp_path / "out" / "catalog.json").read_bytes() == before  # "left as they were"
    assert _temp_files(tmp_path / "out") == []


# -- runs against the emulator: the cache survives a kill or Ctrl-C ----------------------------

_LINKS = 120


def _network_list(tmp_path: Path, emulator: Emulator) -> Path:
    """A list of _LINKS links over 6 emulated hosts, 40 ms each, and an offline catalog of it."""
    hosts = [f"crash{i}.example" for i in range(6)]
    sites = {h: Site(default=Page(status=200), latency=0.04) for h in hosts}
    load_world(emulator, World(sites=sites))
    lines = [
        f"- Paper {i}. [[paper]({emulator.url(hosts[i % 6], f'/p/{i}')})]\n" for i in range(_LINKS)
    ]
    source = tmp_path / "list.md"
    source.write_text("# Net\n\n" + "".join(lines), encoding="utf-8")
    code, err = _finish(_start(tmp_path, source))
    assert code == 0, err
    return source


def _start_online(tmp_path: Path, source: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "pipeline", "refresh", "--only", "links", "--quiet"]
    return subprocess.Popen(
        [*command, "-i", str(source), "-o", str(tmp_path / "out")],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_ENV,
    )


def _after_requests(emulator: Emulator, count: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while len(emulator.requests) < count:
        assert time.monotonic() < deadline, f"only {len(emulator.requests)} requests arrived"
        time.sleep(0.005)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["sigkill", "sigint"])
def test_interrupted_network_run_keeps_outputs_and_the_rerun_reuses_the_cache(
    tmp_path: Path, emulator: Emulator, sig: signal.Signals
) -> None:
    source = _network_list(tmp_path, emulator)
    catalog = tmp_path / "out" / "catalog.json"
    before = catalog.read_bytes()
    proc = _start_online(tmp_path, source)
    _after_requests(emulator, _LINKS // 2)
    proc.send_signal(sig)
    code, err = _finish(proc)
    if sig is signal.SIGINT:
        assert code == 130
        assert "Interrupted" in err and "Traceback" not in err
    assert catalog.read_bytes() == before  # the links stage had not finished: nothing written
    asked = len(emulator.requests)
    code, err = _finish(_start_online(tmp_path, source))
    assert code == 0, err
    assert len(emulator.requests) - asked < _LINKS - _LINKS // 4  # cached probes not asked again
    _assert_complete_catalog(catalog, _LINKS)
    assert _temp_files(tmp_path / "out") == []
