"""The archive stage: the newest archived copy of each dead or persistently unreachable link.

It runs after the links stage, which says which links died. The Wayback
Machine (wayback.py) is asked, once a link, for its newest 200 capture from
before the link's last-ok day (else the day it first failed); answers are
cached for `archive_ttl_days`. When the archive cannot tell (down, refusing),
a link keeps the copy the last run found.
"""

from __future__ import annotations

from pipeline.context import RunContext
from pipeline.model import ArchivedCopy, Catalog, Link, Verdict
from pipeline.stages.scholarly.cache import ARCHIVE_KIND, cached
from pipeline.stages.scholarly.wayback import Snapshot, Wayback, snapshot_url

__all__ = ["find_archived_copies"]


def _needs_copy(link: Link) -> bool:
    health = link.health
    if health is None or link.image or not link.url.startswith(("http://", "https://")):
        return False
    return health.verdict is Verdict.DEAD or health.persistently_unreachable


async def find_archived_copies(catalog: Catalog, ctx: RunContext) -> Catalog:
    """Attach the newest archived copy from before it died to each dead or unreachable link."""
    old = {link.url: link.archived for _, link in ctx.previous.iter_links()} if ctx.previous else {}
    wanted = list(dict.fromkeys(link.url for _, link in catalog.iter_links() if _needs_copy(link)))
    if not wanted:
        return catalog
    api = Wayback(ctx) if ctx.net is not None and not ctx.outage else None
    budget = ctx.settings.archive_budget
    copies: dict[str, ArchivedCopy | None] = {}
    bounds = {link.url: link.health for _, link in catalog.iter_links() if link.url in wanted}
    for url in wanted:
        health = bounds[url]
        bound = (health.last_ok_at or health.first_failed_at) if health else None
        key = f"{url} {bound.isoformat() if bound else ''}"
        value, fresh = cached(ctx, ARCHIVE_KIND, key)
        if fresh:
            ctx.counters["cache_hits"] += 1
        elif api is not None and budget > 0:
            budget -= 1
            snapshot = await api.newest_before(url, bound)
            value = None
            if snapshot is not None:
                value = {
                    "timestamp": snapshot.timestamp,
                    "original": snapshot.original,
                    "found_by": snapshot.found_by,
                }
                ctx.net.cache.put(ARCHIVE_KIND, key, value)
        if value is None:
            copies[url] = old.get(url)  # the archive could not tell: the last copy found
        elif not value["timestamp"]:
            copies[url] = None
        else:
            snap = Snapshot(value["timestamp"], value["original"], value["found_by"])
            copies[url] = ArchivedCopy(
                url=snapshot_url(snap),
                timestamp=snap.timestamp,
                found_by=snap.found_by,
                checked_at=ctx.now,
            )
    if api is not None and api.down:
        ctx.notes.append(f"archive: {api.down}: no more lookups this run")
    found = sum(1 for copy in copies.values() if copy is not None)
    ctx.notes.append(
        f"archive: {ctx.counters['requests:archive']} request(s), "
        f"{found} of {len(wanted)} dead link(s) have an archived copy"
    )
    return catalog.with_links(
        lambda link: (
            link.model_copy(update={"archived": copies[link.url]}) if link.url in copies else link
        )
    )
