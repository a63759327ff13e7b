"""A progress bar for a terminal; silence in CI, with --quiet, or when output is piped."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

__all__ = ["ProgressCallback", "progress_reporter", "wants_progress"]

ProgressCallback = Callable[[str, int, int], None]  # (task, done, total)
_REDRAW_SECONDS = 0.1


def wants_progress(*, quiet: bool, stream: TextIO | None = None) -> bool:
    """True when a live bar helps: not quiet, not CI, and a terminal on the other end."""
    stream = stream or sys.stderr
    if quiet or os.environ.get("CI") or os.environ.get("TERM") == "dumb":
        return False
    return stream.isatty()


@contextmanager
def progress_reporter(
    *, quiet: bool, stream: TextIO | None = None
) -> Iterator[ProgressCallback | None]:
    """A `ctx.progress` callback drawing one rich bar per task, or None when silent."""
    if not wants_progress(quiet=quiet, stream=stream):
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(file=stream or sys.stderr)
    columns = (
        TextColumn("{task.description:<8}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        tasks: dict[str, int] = {}
        drawn: dict[str, float] = {}

        def update(task: str, done: int, total: int) -> None:
            if task not in tasks:
                tasks[task] = bar.add_task(task, total=total)
            # Ten updates a second are all a reader sees; 10,000 links need not cost 10,000.
            now = time.monotonic()
            if done < total and now - drawn.get(task, 0.0) < _REDRAW_SECONDS:
                return
            drawn[task] = now
            bar.update(tasks[task], completed=done, total=total)

        yield update
