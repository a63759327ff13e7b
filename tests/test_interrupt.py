"""Issue 12.7: Ctrl-C is honest. Before any write the outputs are as they were; during or
after the writes the message says which were written; while modules load, no traceback.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import runner
from pipeline.errors import RunInterrupted
from tests.test_crash_safety import _ENV, _open_writer, _start

FILES = ["catalog.json", "report.md", "report.json", "catalog.csv", "catalog.md"]


def test_ctrl_c_while_the_input_is_being_read_ends_the_run_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.md"
    os.mkfifo(fifo)
    proc = _start(tmp_path, fifo)
    writer = _open_writer(fifo)  # the run holds the lock and blocks reading its input
    try:
        proc.send_signal(signal.SIGINT)
        # Never fed: before the fix the run waited for the whole input, then for parsing.
        _, err = proc.communicate(timeout=60)
    finally:
        os.close(writer)
    assert proc.returncode == 130
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("Interrupted: outputs were left as they were")
    assert not (tmp_path / "out" / "catalog.json").exists()


def _files(tmp_path: Path) -> list[tuple[Path, str]]:
    return [(tmp_path / name, f"{name}\n") for name in FILES]


def test_ctrl_c_during_the_writes_says_every_output_was_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = runner.write_text_atomic
    calls: list[Path] = []

    def write(path: Path, text: str) -> None:
        real(path, text)
        calls.append(path)
        if len(calls) == 2:  # the first Ctrl-C: asyncio cancels the run's task
            task = asyncio.current_task()
            assert task is not None
            task.cancel()

    monkeypatch.setattr(runner, "write_text_atomic", write)
    with pytest.raises(RunInterrupted) as caught:
        asyncio.run(runner._write_all(_files(tmp_path)))
    assert caught.value.written == [tmp_path / name for name in FILES]
    assert caught.value.exit_code == 130
    assert "every output was written" in caught.value.message


def test_second_ctrl_c_inside_the_writes_names_the_files_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = runner.write_text_atomic

    def write(path: Path, text: str) -> None:
        if path.name == "report.json":
            raise KeyboardInterrupt
        real(path, text)

    monkeypatch.setattr(runner, "write_text_atomic", write)
    with pytest.raises(RunInterrupted) as caught:
        asyncio.run(runner._write_all(_files(tmp_path)))
    assert caught.value.message == (
        "2 of 5 outputs were written (catalog.json, report.md); the others were left as "
        "they were: run `pipeline refresh` again"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog.json", "report.md"]


def test_ctrl_c_before_the_writes_writes_nothing(tmp_path: Path) -> None:
    async def go() -> None:
        task = asyncio.current_task()
        assert task is not None
        task.cancel()
        await runner._write_all(_files(tmp_path))

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(go())
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_while_modules_load_is_exit_130_without_a_traceback(tmp_path: Path) -> None:
    # SIGINT raised from inside the import of pipeline.cli, as a user's early Ctrl-C would be.
    code = (
        "import builtins, os, signal, sys\n"
        "real = builtins.__import__\n"
        "def hooked(name, *args, **kwargs):\n"
        "    if name == 'pipeline.cli':\n"
        "        os.kill(os.getpid(), signal.SIGINT)\n"
        "    return real(name, *args, **kwargs)\n"
        "builtins.__import__ = hooked\n"
        "sys.argv = ['pipeline', '--version']\n"
        "from pipeline.__main__ import main\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_ENV, timeout=60,
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 130, done.stderr
    assert done.stderr == "Interrupted: nothing was written.\n"
