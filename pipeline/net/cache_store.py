"""Opening `cache/net` without trusting it: a cache is restored from elsewhere (the
action's `actions/cache`, a cloned repository, a pull request that ships `cache/`).

diskcache pickles by default, and a restored pickle is code. Here keys are
strings and values bytes (JSON that cache.py writes), stored as they are; a
row in any other form (a pickle, text) is refused, never read. The database
file is checked before diskcache opens it (no triggers or views, no settings
diskcache does not write), every setting is given explicitly so a planted one
is overwritten, and file paths a row names must stay inside the cache.

A cache git tracks, or one that cannot be opened (random bytes in cache.db,
`cache` a file, `cache.db` a folder), is not used: `open_store` moves a broken
one aside or falls back to a fresh cache in a temporary folder, with a warning.
"""

from __future__ import annotations

import functools
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import diskcache
from diskcache.core import DEFAULT_SETTINGS, METADATA, MODE_BINARY, MODE_RAW, UNKNOWN

__all__ = ["STORE_ERRORS", "Store", "UntrustedEntry", "open_store"]

_DB = "cache.db"
_KNOWN_SETTINGS = frozenset(DEFAULT_SETTINGS) | frozenset(METADATA)


class UntrustedEntry(Exception):
    """A row that is not what this module writes (a pickle, text, a path outside the cache)."""


# What reading or writing a disposable cache may raise: a miss, or a cache set aside.
STORE_ERRORS = (sqlite3.Error, OSError, UntrustedEntry, diskcache.Timeout)


class _PlainDisk(diskcache.Disk):
    """String keys and bytes values, stored as they are; nothing read is unpickled."""

    def __init__(self, directory: str, **_planted: Any) -> None:
        # diskcache passes the `disk_*` settings of the database: none of them is honoured.
        super().__init__(directory, min_file_size=DEFAULT_SETTINGS["disk_min_file_size"])

    def put(self, key: Any) -> tuple[Any, bool]:
        if not isinstance(key, str):
            raise TypeError("cache keys are strings")
        return super().put(key)

    def get(self, key: Any, raw: bool) -> Any:
        if not raw:  # a pickled key: only iteration reads keys back, refused all the same
            raise UntrustedEntry("pickled key")
        return super().get(key, raw)

    def store(self, value: Any, read: bool, key: Any = UNKNOWN) -> Any:
        if not isinstance(value, bytes) or read:
            raise TypeError("cache values are bytes")
        return super().store(value, read, key=key)

    def fetch(self, mode: int, filename: str | None, value: Any, read: bool) -> bytes:
        if read:
            raise UntrustedEntry("file handles are not read")
        if mode == MODE_RAW and isinstance(value, bytes):
            return value
        if mode == MODE_BINARY and self._inside(filename):
            data = super().fetch(mode, filename, value, read)
            if isinstance(data, bytes):
                return data
        raise UntrustedEntry(f"an entry stored in mode {mode!r}, not as bytes")

    def remove(self, file_path: str) -> None:
        # Rows name the files they delete: a planted `../../x` must not delete the user's files.
        if self._inside(file_path):
            super().remove(file_path)

    def _inside(self, filename: object) -> bool:
        if not isinstance(filename, str) or not filename or os.path.isabs(filename):
            return False
        root = os.path.realpath(self._directory)
        return os.path.realpath(os.path.join(root, filename)).startswith(root + os.sep)


@dataclass
class Store:
    """An open diskcache, where it lives, and what the user should be told about it."""

    cache: diskcache.Cache
    warnings: list[str] = field(default_factory=list)
    cleanup: Callable[[], None] | None = None  # removes a temporary cache at close


def _sql(schema: list[tuple[str, str, str | None]], name: str) -> str | None:
    return next((sql for _, other, sql in schema if other == name), None)


@functools.cache
def _triggers() -> dict[str, str | None]:
    """The triggers diskcache itself creates (they keep its count and size), by name."""
    with tempfile.TemporaryDirectory(prefix="pipeline-cache-") as folder:
        diskcache.Cache(folder, disk=_PlainDisk, **DEFAULT_SETTINGS).close()
        connection = sqlite3.connect(os.path.join(folder, _DB))
        try:
            rows = connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            return dict(rows.fetchall())
        finally:
            connection.close()


def _check_database(path: Path) -> None:
    """Refuse a cache.db holding anything diskcache does not write (triggers, odd settings)."""
    if not path.exists():
        return
    if not path.is_file():
        raise OSError(f"{path} is not a file")
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        schema = connection.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
        odd = [name for kind, name, sql in schema if kind not in ("table", "index")]
        odd = [
            name
            for name in odd
            if name not in _triggers() or _triggers()[name] != _sql(schema, name)
        ]
        if odd:
            raise UntrustedEntry(f"{path} holds what diskcache never writes: {odd[0]!r}")
        if any(name == "Settings" for _, name, _ in schema):
            keys = {row[0] for row in connection.execute("SELECT key FROM Settings")}
            if keys - _KNOWN_SETTINGS:
                raise UntrustedEntry(f"{path} holds settings diskcache never writes")
    finally:
        connection.close()


def _open(directory: Path) -> diskcache.Cache:
    _check_database(directory / _DB)
    # Every setting given: planted values in the database's Settings table are overwritten.
    cache = diskcache.Cache(str(directory), disk=_PlainDisk, **DEFAULT_SETTINGS)
    try:
        cache.get("\0probe")  # reads the table: a file that only looks like SQLite fails here
    except BaseException:
        cache.close()
        raise
    return cache


def _tracked_by_git(directory: Path) -> bool:
    """Whether git tracks any file under `directory` (a cache shipped in the repository)."""
    parent = directory.absolute().parent
    if not parent.is_dir():
        return False
    try:
        done = subprocess.run(
            ["git", "-C", str(parent), "ls-files", "-z", "--", directory.absolute().name],
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and bool(done.stdout)


def _temporary(store_warning: str) -> Store:
    folder = tempfile.mkdtemp(prefix="pipeline-cache-")
    cache = _open(Path(folder))
    return Store(cache, [store_warning], lambda: shutil.rmtree(folder, ignore_errors=True))


def open_store(directory: Path) -> Store:
    """The cache in `directory/net`, or a fresh one (with a warning) if it cannot be trusted."""
    net = directory / "net"
    if _tracked_by_git(directory):
        return _temporary(
            f"warning: {directory} is tracked by git, so it is not trusted: this run uses a "
            f"fresh cache (git rm -r --cached {directory} and add it to .gitignore)"
        )
    try:
        directory.mkdir(parents=True, exist_ok=True)
        return Store(_open(net))
    except STORE_ERRORS as exc:
        why = f"{type(exc).__name__}: {exc}"
        if isinstance(exc, diskcache.Timeout) or "locked" in str(exc):
            # Another run holds it: it is not broken, and not ours to move.
            return _temporary(
                f"warning: the cache in {net} is busy ({why}): this run uses a fresh one"
            )
    aside = net.with_name(f"net.broken-{datetime.now(UTC):%Y%m%dT%H%M%S%f}")
    try:
        net.rename(aside)
        store = Store(_open(net))
    except STORE_ERRORS:
        return _temporary(
            f"warning: the cache in {directory} cannot be used ({why}): this run uses a fresh "
            f"cache; delete {directory} to start over"
        )
    store.warnings.append(
        f"warning: the cache in {net} could not be read ({why}): moved aside to {aside}, "
        "starting a fresh one"
    )
    return store
