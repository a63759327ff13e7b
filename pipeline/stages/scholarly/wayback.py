"""Archived copies from the Wayback Machine: the newest 200 snapshot from before a link died.

The CDX API is the source: `?url=U&output=json&filter=statuscode:200&limit=-3`
(the last three), bounded by `to=` the link's last-ok date (else the day it
first failed), answers a header row then rows, or `[]`. The availability API
is asked only when CDX gives no answer: it is known to answer `{}` for pages
that are archived, so its "nothing" never means "no copy".

Archive hosts block an IP for an hour, and longer on repeats, when it keeps
sending after a 429: each call is sent once, at most one a second, and the
first refusal ends archive lookups for the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pipeline.context import RunContext
from pipeline.net import FetchError, host_of

__all__ = ["NO_COPY", "Snapshot", "Wayback", "snapshot_url"]


@dataclass(frozen=True)
class Snapshot:
    """One archived capture."""

    timestamp: str  # YYYYMMDDhhmmss
    original: str
    found_by: str  # "cdx" or "availability"


NO_COPY = Snapshot(timestamp="", original="", found_by="")


def snapshot_url(snapshot: Snapshot) -> str:
    """The snapshot's page: https://web.archive.org/web/<timestamp>/<url>."""
    return f"https://web.archive.org/web/{snapshot.timestamp}/{snapshot.original}"


def _stamp(when: datetime | None) -> str | None:
    return when.strftime("%Y%m%d%H%M%S") if when is not None else None


class Wayback:
    """The archive for one run (requests counted in ctx.counters['requests:archive'])."""

    def __init__(self, ctx: RunContext) -> None:
        self._ctx = ctx
        self._net = ctx.net
        self._cdx = ctx.settings.wayback_cdx_url
        self._available = ctx.settings.wayback_available_url
        for url in (self._cdx, self._available):
            self._net.configure_host(url, concurrency=1, interval=ctx.settings.archive_interval)
        self.down: str | None = None

    async def _get(self, url: str, params: dict[str, str]) -> Any:
        """Parsed JSON of a 200 answer; None when there was none (a 429 ends all lookups)."""
        if self.down:
            return None
        host = host_of(url)
        before = self._net.counters[f"requests:{host}"]
        try:
            fetched = await self._net.fetch("GET", url, params=params, retry=False)
        except FetchError as exc:
            self._ctx.notes.append(f"archive: {host} gave no answer ({exc.failure.value})")
            return None
        finally:
            self._ctx.counters["requests:archive"] += (
                self._net.counters[f"requests:{host}"] - before
            )
        if fetched.status == 429:
            self.down = f"{host} refused (HTTP 429)"
            return None
        if fetched.status != 200:
            return None
        try:
            return fetched.json()
        except ValueError:
            return None

    async def newest_before(self, url: str, before: datetime | None) -> Snapshot | None:
        """The newest 200 capture of `url` up to `before`: NO_COPY when the archive has none,
        None when it could not tell."""
        params = {"url": url, "output": "json", "filter": "statuscode:200", "limit": "-3"}
        bound = _stamp(before)
        if bound:
            params["to"] = bound
        rows = await self._get(self._cdx, params)
        if isinstance(rows, list):
            return _newest_row(rows) or NO_COPY
        if self.down:
            return None
        return await self._available_copy(url, bound)

    async def _available_copy(self, url: str, bound: str | None) -> Snapshot | None:
        params = {"url": url, **({"timestamp": bound} if bound else {})}
        answer = await self._get(self._available, params)
        closest = (
            answer.get("archived_snapshots", {}).get("closest")
            if isinstance(answer, dict) and isinstance(answer.get("archived_snapshots"), dict)
            else None
        )
        if not isinstance(closest, dict) or not closest.get("available"):
            return None  # `{}` is known to hide archived pages: not a "no"
        stamp = str(closest.get("timestamp") or "")
        if str(closest.get("status")) != "200" or not stamp.isdigit():
            return None
        if bound and stamp > bound:
            return None  # a capture from after the page died shows the error, not the page
        return Snapshot(timestamp=stamp, original=url, found_by="availability")


def _newest_row(rows: list[Any]) -> Snapshot | None:
    if not rows or not isinstance(rows[0], list):
        return None
    header = rows[0]
    try:
        at_time, at_url, at_status = (
            header.index("timestamp"),
            header.index("original"),
            header.index("statuscode"),
        )
    except ValueError:
        return None
    best: Snapshot | None = None
    for row in rows[1:]:
        if not isinstance(row, list) or len(row) != len(header):
            continue
        stamp, original = str(row[at_time]), str(row[at_url])
        if str(row[at_status]) != "200" or not stamp.isdigit():
            continue
        if best is None or stamp > best.timestamp:
            best = Snapshot(timestamp=stamp, original=original, found_by="cdx")
    return best
