"""File system helpers every writer shares: atomic writes and the run lock."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

from pipeline.errors import LockedError, OutputError

__all__ = ["remove_stale_temp_files", "run_lock", "write_text_atomic"]

LOCK_NAME = ".pipeline.lock"
# What write_text_atomic's mkstemp names look like: ".<name>.<8 random chars>.tmp".
_TEMP_NAME = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")


def write_text_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` so readers see the old file or the new one, never a mix."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"cannot write here: {exc.strerror}", path=path.parent) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise OutputError(f"cannot write: {exc.strerror}", path=path) from None


@contextlib.contextmanager
def run_lock(output_dir: Path) -> Iterator[None]:
    """Hold the output folder for one run; a second run at once gets LockedError."""
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        handle = open(output_dir / LOCK_NAME, "a")
    except OSError as exc:
        raise OutputError(f"cannot write here: {exc.strerror}", path=output_dir) from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockedError(
                "another refresh is running on this folder; wait for it to finish",
                path=output_dir,
            ) from None
        try:
            remove_stale_temp_files(output_dir)
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def remove_stale_temp_files(folder: Path) -> list[Path]:
    """Delete temp files a killed writer left in `folder`; call only while holding the run lock."""
    # A SIGKILL between mkstemp and os.replace leaves the temp file behind; the lock
    # guarantees no writer is using one now, so every match is an orphan.
    removed = []
    try:
        names = [p for p in folder.iterdir() if _TEMP_NAME.match(p.name) and p.is_file()]
    except OSError:
        return removed
    for path in names:
        with contextlib.suppress(OSError):
            path.unlink()
            removed.append(path)
    return removed
