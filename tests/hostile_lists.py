"""Generators of hostile Markdown lists and a subprocess runner that measures peak RSS.

Shared by tests/test_hostile_input.py and the benchmarks; nothing here touches the network.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "CliRun",
    "big_list",
    "deep_blockquote",
    "deep_list",
    "long_line",
    "many_links",
    "run_cli",
    "unbalanced_brackets",
    "wait_measured",
]

_ROOT = Path(__file__).resolve().parent.parent
_ENTRY = (
    "- **`[ReferIS]`** Example Paper Number {i}: A Title. CVPR'2024. "
    "[[paper](https://arxiv.org/abs/2305.{id:05d})] | [[code](https://github.com/o{i}/r{i})]\n"
)


def big_list(size: int) -> str:
    """A list shaped like the seed list, at least `size` characters long."""
    parts = ["# Big\n\n## Section\n\n"]
    total = 0
    i = 0
    while total < size:
        line = _ENTRY.format(i=i, id=i % 99999 + 1)
        parts.append(line)
        total += len(line)
        i += 1
    return "".join(parts)


def many_links(count: int, hosts: int = 200) -> str:
    """One entry per link, `count` links over `hosts` hosts."""
    lines = [f"- Paper {i}. [[paper](https://h{i % hosts}.example/p/{i})]\n" for i in range(count)]
    return "# Links\n\n" + "".join(lines)


def deep_list(depth: int) -> str:
    """Bullets nested `depth` levels deep, each with a link."""
    return "".join(
        "  " * i + f"- Level {i} [[paper](https://e.example/{i})]\n" for i in range(depth)
    )


def deep_blockquote(depth: int) -> str:
    """A line inside `depth` nested blockquotes, then a nested list inside quotes."""
    quote = ">" * depth + " - Deep paper. [[paper](https://e.example/q)]\n"
    return quote + "".join(">" * (i + 1) + " - L\n" for i in range(depth))


def long_line(length: int) -> str:
    """An entry whose title is `length` characters on one line."""
    return "- Title " + "a" * length + ". [[paper](https://arxiv.org/abs/2301.00001)]\n"


def unbalanced_brackets(count: int) -> str:
    """`count` opening brackets and parentheses with few closers, around real links."""
    return (
        "- " + "[" * count + "(" * count + " [[paper](https://e.example/b)\n"
        "- ok paper. [[paper](https://e.example/c)]\n" + "]" * (count // 2) + ")\n"
        "- [unclosed](https://e.example/d\n"
    )


@dataclass(frozen=True)
class CliRun:
    """What one CLI process did: exit code, output, wall seconds and peak RSS in MB."""

    code: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float


@dataclass(frozen=True)
class Reaped:
    """A finished child: its rusage (CPU), whether it was killed, and its own peak RSS in MB."""

    usage: Any
    killed: bool
    peak_mb: float


def wait_measured(proc: subprocess.Popen[bytes], deadline: float) -> Reaped:
    """Reap `proc` (killed past `deadline`, a monotonic time), measuring that one child.

    Its peak RSS is read from its own /proc status (VmHWM) while it runs: wait4's
    ru_maxrss also counts the parent's memory at the fork (Linux keeps the larger
    high-water mark across exec), so a 300 MB bench process made every child look
    300 MB. ru_maxrss is the fallback when /proc cannot be read.
    """
    status_file = Path(f"/proc/{proc.pid}/status")
    peak_kb = 0
    killed = False
    while True:
        peak_kb = max(peak_kb, _high_water_kb(status_file))
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            _, status, usage = os.wait4(proc.pid, 0)
            killed = True
            break
        time.sleep(0.01)
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped: Popen must know
    return Reaped(usage, killed, (peak_kb or usage.ru_maxrss) / 1024)


def _high_water_kb(status_file: Path) -> int:
    try:
        for line in status_file.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def run_cli(
    *args: str, cwd: Path, timeout: float = 120.0, env: dict[str, str] | None = None
) -> CliRun:
    """Run `python -m pipeline ARGS` in `cwd` and measure that one child's peak RSS (wait4)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline", *args],
            cwd=cwd,
            stdout=out,
            stderr=err,
            env={**os.environ, "PYTHONPATH": str(_ROOT), **(env or {})},
        )
        reaped = wait_measured(proc, started + timeout)
        if reaped.killed:
            raise TimeoutError(f"pipeline {' '.join(args)} took over {timeout} s")
        seconds = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        return CliRun(
            code=proc.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
            seconds=seconds,
            peak_mb=reaped.peak_mb,
        )
