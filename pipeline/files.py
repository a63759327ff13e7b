"""File system helpers every writer shares: atomic writes and the run lock."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from pipeline.config import DEFAULT_MAX_LIST_BYTES
from pipeline.errors import InputError, LockedError, OutputError

__all__ = ["read_text_file", "remove_stale_temp_files", "run_lock", "write_text_atomic"]

LOCK_NAME = ".pipeline.lock"
# What write_text_atomic's mkstemp names look like: ".<name>.<8 random chars>.tmp".
_TEMP_NAME = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")


_CHUNK = 1 << 20  # characters encoded at a time by write_text_atomic


def write_text_atomic(path: Path, text: str | bytes) -> None:
    """Write `text` (str as UTF-8, or bytes) to `path`: readers see the old file or the new one.

    A symlink is written through (its target is replaced, the link stays), an
    existing file keeps its permission bits (a new one gets 0666 less the umask),
    and anything but a regular file (a device, a FIFO, a folder) is refused.
    """
    target = _write_target(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise OutputError(f"cannot write here: {exc.strerror}", path=target.parent) from None
    try:
        _copy_mode(fd, target)
        with os.fdopen(fd, "wb") as handle:
            if isinstance(text, bytes):
                handle.write(text)
            else:  # encoded a chunk at a time: a 20 MB text is not copied whole
                for start in range(0, len(text), _CHUNK):
                    handle.write(text[start : start + _CHUNK].encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise OutputError(f"cannot write: {exc.strerror}", path=path) from None


def _write_target(path: Path) -> Path:
    """The regular file a write to `path` must replace (symlinks followed), or OutputError."""
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        info = target.stat()
    except FileNotFoundError:
        return target
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror}", path=path) from None
    if not stat.S_ISREG(info.st_mode):
        # Replacing /dev/full or a FIFO by rename would destroy it (issue 12.8).
        raise OutputError("not a regular file; refusing to replace it", path=path)
    return target


def _copy_mode(fd: int, target: Path) -> None:
    # mkstemp creates 0600; give the new file the old one's bits (or the umask's default).
    try:
        info = target.stat()
    except FileNotFoundError:
        os.fchmod(fd, 0o666 & ~_umask())
        return
    os.fchmod(fd, stat.S_IMODE(info.st_mode))
    with contextlib.suppress(OSError):  # only root may give a file away; others keep theirs
        os.fchown(fd, info.st_uid, info.st_gid)


def _umask() -> int:
    # Linux shows the umask without changing it; elsewhere set it and put it back at once.
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


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


def read_text_file(path: Path, max_bytes: int = DEFAULT_MAX_LIST_BYTES) -> str:
    """A UTF-8 text file exactly as stored (BOM, line endings); InputError saying why not."""
    try:
        with path.open("rb") as handle:
            # Read at most one byte past the cap: /dev/zero, a pipe or a growing file has no
            # size to check beforehand, so the cap is enforced while reading (issue 12.3).
            size = os.fstat(handle.fileno()).st_size
            if path.is_file() and size > max_bytes:
                raise InputError(_too_large(size, max_bytes), path=path)
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise InputError("file not found; check the path", path=path) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a Markdown file", path=path) from None
    except PermissionError:
        raise InputError("permission denied; make the file readable", path=path) from None
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or exc})", path=path) from None
    if len(data) > max_bytes:
        raise InputError(_too_large(None, max_bytes), path=path)
    if b"\x00" in data:
        offset = data.index(b"\x00")
        raise InputError(
            f"binary data (NUL byte at offset {offset}, line {_line_at(data, offset)}); "
            "expected a Markdown text file",
            path=path,
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}, "
            f"line {_line_at(data, exc.start)}); re-save the file as UTF-8",
            path=path,
        ) from None
    return text


def _too_large(size: int | None, limit: int) -> str:
    # Parsing time and memory grow with the list; a real list is well under a megabyte.
    if size is None:  # read from a device or a pipe: it did not end within the cap
        return (
            f"more than {limit:,} bytes and not a regular file; "
            "raise max_list_bytes (PIPELINE_MAX_LIST_BYTES) if this is really one list"
        )
    return (
        f"{size:,} bytes is more than the {limit:,} a list may have; "
        "raise max_list_bytes (PIPELINE_MAX_LIST_BYTES) if this is really one list"
    )


def _line_at(data: bytes, offset: int) -> int:
    """1-based line of a byte offset, counting CRLF and lone CR as one break."""
    head = data[:offset]
    return head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1
