"""The on-disk cache of responses and verdicts (diskcache under `cache/`).

Only final observations are stored, as small plain dicts, with the validators
(ETag, Last-Modified) the server sent. An entry is fresh for its kind's TTL;
a stale entry is not deleted, because its validators let the next request be
conditional. `cache/` is disposable: deleting it costs time, never data.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import diskcache

from pipeline.config import Settings

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
        directory.mkdir(parents=True, exist_ok=True)
        self._cache = diskcache.Cache(str(directory / "net"))
        self._ttls = ttls
        # Writes wait here and are stored in batches: one transaction per _BATCH entries.
        self._pending: dict[str, dict[str, Any]] = {}
        self._flushed = time.monotonic()

    def get(self, kind: str, key: str) -> CacheEntry | None:
        """The stored entry for `key`, fresh or stale, or None."""
        name = f"{kind}:{key}"
        record = self._pending.get(name)
        if record is None:
            record = self._cache.get(name)
        if not isinstance(record, dict):
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
        with self._cache.transact():
            for name, record in pending.items():
                kind = name.split(":", 1)[0]
                expire = self._ttls.get(kind, 0.0) + _KEEP_STALE
                self._cache.set(name, record, expire=expire)

    def close(self) -> None:
        """Store what is buffered and release the cache's files."""
        try:
            self.flush()
        finally:
            self._cache.close()
