"""The on-disk cache of responses and verdicts (diskcache under `cache/`).

Only final observations are stored, as small plain dicts, with the validators
(ETag, Last-Modified) the server sent. An entry is fresh for its kind's TTL;
a stale entry is not deleted, because its validators let the next request be
conditional. `cache/` is disposable: deleting it costs time, never data.

Records are stored as JSON bytes, never pickled (a restored cache must never be
code, see cache_store.py); an entry that does not parse is a miss, and a cache
that fails mid-run is given up with a warning, never a traceback.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.config import Settings
from pipeline.net.cache_store import STORE_ERRORS, open_store

__all__ = ["CacheEntry", "NetCache", "ttl_seconds"]

_KEEP_STALE = 30 * 86400  # seconds a stale entry is kept for revalidation
_PACE_DAYS = 7  # a host's learned pace is remembered this long
_BATCH = 512  # writes buffered before one transaction stores them
_BATCH_SECONDS = 0.1  # ... or this long: a killed run loses at most this much of its work


def ttl_seconds(settings: Settings) -> dict[str, float]:
    """Freshness lifetime in seconds of the net layer's own cache kinds (stages add theirs)."""
    return {
        "link": settings.link_ttl_hours * 3600,
        "page": settings.link_ttl_hours * 3600,
        "pace": _PACE_DAYS * 86400,
    }


@dataclass(frozen=True)
class CacheEntry:
    """One stored observation and whether it is still fresh."""

    value: dict[str, Any]
    etag: str | None
    last_modified: str | None
    stored_at: float
    fresh: bool

    def conditional_headers(self) -> dict[str, str]:
        """Headers that ask the server "has it changed since?"."""
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


class NetCache:
    """Keyed by kind and URL (plus anything else that changes the answer)."""

    def __init__(self, directory: Path, ttls: dict[str, float]) -> None:
        store = open_store(directory)
        self._cache = store.cache
        self._cleanup = store.cleanup
        self.warnings = store.warnings  # for the run's messages
        self._broken = False
        self._ttls = ttls
        # Writes wait here and are stored in batches: one transaction per _BATCH entries.
        self._pending: dict[str, dict[str, Any]] = {}
        self._flushed = time.monotonic()

    def get(self, kind: str, key: str) -> CacheEntry | None:
        """The stored entry for `key`, fresh or stale, or None."""
        name = f"{kind}:{key}"
        record = self._pending.get(name)
        if record is None:
            record = self._read(name)
        if record is None:
            return None
        ttl = self._ttls.get(kind, 0.0)
        age = time.time() - record["stored_at"]
        return CacheEntry(
            value=record["value"],
            etag=record.get("etag"),
            last_modified=record.get("last_modified"),
            stored_at=record["stored_at"],
            fresh=ttl > 0 and age < ttl,
        )

    def _read(self, name: str) -> dict[str, Any] | None:
        if self._broken:
            return None
        try:
            data = self._cache.get(name)
            record = json.loads(data) if isinstance(data, bytes) else None
        except (*STORE_ERRORS, ValueError):  # ValueError: not JSON, or not UTF-8
            return None
        return record if _well_formed(record) else None

    def put(
        self,
        kind: str,
        key: str,
        value: dict[str, Any],
        *,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> None:
        """Store a final observation, fresh from now."""
        record = {
            "value": value,
            "etag": etag,
            "last_modified": last_modified,
            "stored_at": time.time(),
        }
        self._pending[f"{kind}:{key}"] = record
        if len(self._pending) >= _BATCH or time.monotonic() - self._flushed >= _BATCH_SECONDS:
            self.flush()

    def flush(self) -> None:
        """Store the buffered writes in one transaction (one fsync, not one per entry)."""
        self._flushed = time.monotonic()
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        if self._broken:
            return
        try:
            with self._cache.transact():
                for name, record in pending.items():
                    kind = name.split(":", 1)[0]
                    expire = self._ttls.get(kind, 0.0) + _KEEP_STALE
                    data = json.dumps(record, separators=(",", ":")).encode("utf-8")
                    self._cache.set(name, data, expire=expire)
        except STORE_ERRORS as exc:
            # A cache is disposable: the run goes on without one rather than fail.
            self._broken = True
            self.warnings.append(
                f"warning: the cache stopped working ({type(exc).__name__}: {exc}): "
                "this run stores nothing more in it"
            )

    def close(self) -> None:
        """Store what is buffered and release the cache's files."""
        try:
            self.flush()
        finally:
            self._cache.close()
            if self._cleanup is not None:
                self._cleanup()


def _well_formed(record: Any) -> bool:
    """Whether a record read back has the shape `put` writes (anything else is a miss)."""
    return (
        isinstance(record, dict)
        and isinstance(record.get("value"), dict)
        and isinstance(record.get("stored_at"), int | float)
        and math.isfinite(record["stored_at"])
        and isinstance(record.get("etag"), str | None)
        and isinstance(record.get("last_modified"), str | None)
    )
