"""The arXiv ids a run looks up: the cache first, then the API, `arxiv_batch_size` a call.

On a real list the API's 3 s between calls set the run's length, so its first
call should not wait for the whole list: the run hands `take` the links of
each parsed chunk (pipeline/startup.py), and once a full batch of ids the cache
cannot answer is known, that batch goes out while the rest is still parsed.
Only a full batch: a smaller one would cost a call more than batching the whole
list (3 s each). `lookup` then asks the rest, joining that first call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field

from pydantic import ValidationError

from pipeline.context import RunContext
from pipeline.model import ArxivRecord, FetchStatus, Link
from pipeline.stages.arxiv.client import ArxivApi
from pipeline.stages.arxiv.feed import record_from_result

__all__ = ["KIND", "IdLookup", "Known", "cached"]

KIND = "arxiv"  # the net cache's kind (TTL: arxiv_ttl_days)


@dataclass
class Known:
    """Everything learned this run (or from the fresh cache), before entries are rebuilt."""

    records: dict[str, ArxivRecord] = field(default_factory=dict)  # id -> OK or NOT_FOUND
    missing: dict[str, str] = field(default_factory=dict)  # id -> why it is missing
    stale: dict[str, ArxivRecord] = field(default_factory=dict)  # id -> expired cache record
    titles: dict[str, tuple[ArxivRecord | None, float]] = field(default_factory=dict)
    down: str | None = None


def cached(ctx: RunContext, key: str) -> tuple[dict | None, bool]:
    """The cached value under `key` and whether it is fresh, or (None, False)."""
    entry = ctx.net.cache.get(KIND, key) if ctx.net is not None else None
    return (entry.value, entry.fresh) if entry is not None else (None, False)


def _cached_record(ctx: RunContext, arxiv_id: str) -> tuple[ArxivRecord | None, bool]:
    value, fresh = cached(ctx, f"id:{arxiv_id}")
    try:
        return (ArxivRecord.model_validate(value), fresh) if value is not None else (None, False)
    except ValidationError:  # the cache is not trusted: a record that does not parse is a miss
        return None, False


class IdLookup:
    """One run's id lookups (and its API client, whose pacing every call shares)."""

    def __init__(self, ctx: RunContext) -> None:
        self._ctx = ctx
        self.api = ArxivApi(ctx) if ctx.net is not None else None
        self.url = ctx.settings.arxiv_api_url  # reached before `take` is first called
        self.known = Known()
        self._seen: set[str] = set()  # ids read from the cache or queued for the API
        self._wanted: list[str] = []  # ids the API is to be asked about, in list order
        self._first: asyncio.Task[None] | None = None

    def take(self, links: list[Link]) -> None:
        """The links of the list's next parsed entries: the first full batch of ids the
        cache does not answer goes out as soon as it is known."""
        if self._first is not None or self.api is None:
            return
        self._want(link.arxiv_id for link in links if link.arxiv_id)
        size = self._ctx.settings.arxiv_batch_size
        if len(self._wanted) >= size:
            batch, self._wanted = self._wanted[:size], self._wanted[size:]
            self._first = asyncio.ensure_future(self._ask(batch))

    async def lookup(self, ids: list[str]) -> None:
        """Look up every id of `ids` not looked up yet: the cache, then batches."""
        self._want(ids)
        wanted, self._wanted = self._wanted, []
        if self._first is not None:
            await self._first
        size = self._ctx.settings.arxiv_batch_size
        for start in range(0, len(wanted), size):
            await self._ask(wanted[start : start + size])

    async def aclose(self) -> None:
        """Stop the first batch if it is still under way (the stage did not run)."""
        if self._first is not None and not self._first.done():
            self._first.cancel()
            await asyncio.gather(self._first, return_exceptions=True)

    def _want(self, ids: Iterable[str]) -> None:
        ctx, known = self._ctx, self.known
        for arxiv_id in ids:
            if arxiv_id in self._seen:
                continue
            self._seen.add(arxiv_id)
            record, fresh = _cached_record(ctx, arxiv_id)
            if record is not None and fresh:
                known.records[arxiv_id] = record
                ctx.counters["cache_hits"] += 1
                continue
            if record is not None:
                known.stale[arxiv_id] = record
            self._wanted.append(arxiv_id)

    async def _ask(self, batch: list[str]) -> None:
        api, ctx, known = self.api, self._ctx, self.known
        if api is None or api.down:
            return
        answer = await api.fetch_ids(batch)
        for arxiv_id, result in answer.found.items():
            record = record_from_result(result, now=ctx.now)
            known.records[arxiv_id] = record
            ctx.net.cache.put(KIND, f"id:{arxiv_id}", record.model_dump(mode="json"))
        for arxiv_id, why in answer.missing.items():
            record = ArxivRecord(
                arxiv_id=arxiv_id, status=FetchStatus.NOT_FOUND, fetched_at=ctx.now
            )
            known.records[arxiv_id] = record
            known.missing[arxiv_id] = why
            ctx.net.cache.put(KIND, f"id:{arxiv_id}", record.model_dump(mode="json"))
