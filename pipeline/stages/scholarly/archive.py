"""The archive stage: the newest archived copy of each dead or persistently unreachable link.

It needs the links stage's verdicts, so it ends after that stage. The Wayback
Machine (wayback.py) is asked, once a link, for its newest 200 capture from
before the link's last-ok day (else the day it first failed); answers are
cached for `archive_ttl_days`. A link whose own answer says it is dead (a 404)
is looked up as soon as its check ends (`start_early`), while slower pages are
still checked; the rest once the links stage is done. When the archive cannot
tell (down, refusing), a link keeps the copy the last run found.
"""

from __future__ import annotations

import asyncio
from typing import Any

from pipeline.context import RunContext
from pipeline.model import ArchivedCopy, Catalog, Link, LinkHealth, Verdict
from pipeline.stages.links import dead_as_checked
from pipeline.stages.scholarly.cache import ARCHIVE_KIND, cached
from pipeline.stages.scholarly.wayback import Snapshot, Wayback, snapshot_url

__all__ = ["find_archived_copies", "start_early"]

_Value = (
    dict[str, Any] | None
)  # what the cache keeps of a lookup (None: the archive could not tell)


def _needs_copy(link: Link, health: LinkHealth | None) -> bool:
    if health is None or link.image or not link.url.startswith(("http://", "https://")):
        return False
    return health.verdict is Verdict.DEAD or health.persistently_unreachable


def _key(url: str, health: LinkHealth) -> str:
    """The lookup's cache key: the URL and the day its copy must predate (empty: any)."""
    bound = health.last_ok_at or health.first_failed_at
    return f"{url} {bound.isoformat() if bound else ''}"


async def _look_up(api: Wayback, ctx: RunContext, url: str, health: LinkHealth) -> _Value:
    key = _key(url, health)
    snapshot = await api.newest_before(url, health.last_ok_at or health.first_failed_at)
    if snapshot is None:
        return None
    value = {
        "timestamp": snapshot.timestamp,
        "original": snapshot.original,
        "found_by": snapshot.found_by,
    }
    ctx.net.cache.put(ARCHIVE_KIND, key, value)
    return value


class _Lookups:
    """The run's archive lookups: one API (its 429 ends them all), one budget, and those
    started while the links were still checked."""

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self.api = Wayback(ctx)
        self.budget = ctx.settings.archive_budget
        self.lookups: dict[str, asyncio.Task[_Value]] = {}

    def found(self, link: Link, health: LinkHealth) -> None:
        key = _key(link.url, health)
        if not _needs_copy(link, health) or key in self.lookups or self.budget <= 0:
            return
        if self.api.down or cached(self.ctx, ARCHIVE_KIND, key)[1]:
            return  # refused already, or fresh in the cache (the stage counts the hit)
        self.budget -= 1
        self.lookups[key] = asyncio.ensure_future(_look_up(self.api, self.ctx, link.url, health))

    def cancel(self) -> None:
        for task in self.lookups.values():
            task.cancel()


def start_early(catalog: Catalog, ctx: RunContext) -> None:
    """Look up each link the moment its check says it is dead (the links stage still runs)."""
    early = _Lookups(ctx)
    ctx.while_checked["archive"] = early
    ctx.net.on_checked(dead_as_checked(catalog, ctx, early.found))


async def find_archived_copies(catalog: Catalog, ctx: RunContext) -> Catalog:
    """Attach the newest archived copy from before it died to each dead or unreachable link."""
    old = {link.url: link.archived for _, link in ctx.previous.iter_links()} if ctx.previous else {}
    health = {
        link.url: link.health for _, link in catalog.iter_links() if _needs_copy(link, link.health)
    }
    if not health:
        return catalog
    early: _Lookups | None = ctx.while_checked.get("archive")
    if early is None and ctx.net is not None and not ctx.outage:
        early = _Lookups(ctx)
    copies: dict[str, ArchivedCopy | None] = {}
    for url, known in health.items():
        assert known is not None
        key = _key(url, known)
        if early is not None and key in early.lookups:
            copies[url] = _copy(await early.lookups[key], old.get(url), ctx)  # asked early
            continue
        value, fresh = cached(ctx, ARCHIVE_KIND, key)
        if fresh:
            ctx.counters["cache_hits"] += 1
        elif early is not None and early.budget > 0 and not early.api.down:
            early.budget -= 1
            value = await _look_up(early.api, ctx, url, known)
        copies[url] = _copy(value, old.get(url), ctx)
    if early is not None and early.api.down:
        ctx.notes.append(f"archive: {early.api.down}: no more lookups this run")
    found = sum(1 for copy in copies.values() if copy is not None)
    ctx.notes.append(
        f"archive: {ctx.counters['requests:archive']} request(s), "
        f"{found} of {len(health)} dead link(s) have an archived copy"
    )
    return catalog.with_links(
        lambda link: (
            link.model_copy(update={"archived": copies[link.url]}) if link.url in copies else link
        )
    )


def _copy(value: _Value, last: ArchivedCopy | None, ctx: RunContext) -> ArchivedCopy | None:
    if value is None:
        return last  # the archive could not tell: the last copy found
    if not value["timestamp"]:
        return None
    snap = Snapshot(value["timestamp"], value["original"], value["found_by"])
    return ArchivedCopy(
        url=snapshot_url(snap), timestamp=snap.timestamp, found_by=snap.found_by, checked_at=ctx.now
    )
