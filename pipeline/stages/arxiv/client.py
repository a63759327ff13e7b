"""Talking to the arXiv API: paced, counted, parsed, and honest about when it could not.

We fetch with the run's net client (httpx: timeouts, tenacity backoff that
obeys Retry-After, the shared cache) and parse with the `arxiv` package
(`arxiv_feed.parse_feed`). The package's own `Client` is not used: it is
synchronous on `requests`, has no timeout, retries without backoff and turns
an HTML page into "no results" (API-NOTES.md §1); wrapping it would mean
patching its private session and threading its blocking generator.

Pacing: arXiv asks for one request every 3 s from all our machines and a
single connection. The net gate is configured for the API host (one at a
time, `arxiv_interval` between starts, which also spaces retries), and
`ArxivApi` adds the interval after each answer completes, so the gap the
server sees is never shorter than the setting. After the first request that
gets no usable answer the API counts as down for the rest of the run: later
batches are not sent, so an outage costs one timeout, not one per batch.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import arxiv

from pipeline.context import RunContext
from pipeline.net import FetchError, host_of
from pipeline.stages.arxiv.feed import (
    error_feed_message,
    id_query_url,
    parse_feed,
    split_version,
    title_query_urls,
)

__all__ = ["ArxivApi", "IdAnswer"]


@dataclass
class IdAnswer:
    """What the API said about a batch of ids."""

    found: dict[str, arxiv.Result] = field(default_factory=dict)  # unversioned id -> result
    missing: dict[str, str] = field(default_factory=dict)  # id -> why we call it missing
    unanswered: list[str] = field(default_factory=list)  # ids the API could not be asked about


class ArxivApi:
    """The arXiv API for one run (requests counted in ctx.counters['requests:arxiv'])."""

    def __init__(self, ctx: RunContext) -> None:
        self._ctx = ctx
        self._net = ctx.net
        self._base = ctx.settings.arxiv_api_url
        self._interval = ctx.settings.arxiv_interval
        self._host = host_of(self._base)
        self._net.configure_host(self._base, concurrency=1, interval=self._interval)
        self._lock = asyncio.Lock()
        self._next_at = 0.0  # monotonic time before which no request may start
        self.down: str | None = None  # why the API is considered down, once it is
        self.requests = 0  # sent by this client (its ctx may be the run's, not the stage's)

    async def _get(self, url: str) -> bytes | None:
        """The body of a 200 (or 400) answer, or None (and `down` set) when there was none."""
        if self.down:
            return None
        async with self._lock:
            wait = self._next_at - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            before = self._net.counters[f"requests:{self._host}"]
            try:
                fetched = await self._net.fetch("GET", url)
            except FetchError as exc:
                self.down = exc.failure.value
                return None
            finally:
                self._next_at = time.monotonic() + self._interval
                sent = self._net.counters[f"requests:{self._host}"] - before
                self._ctx.counters["requests:arxiv"] += sent
                self.requests += sent
        if fetched.status == 400:
            return fetched.body
        if fetched.status != 200:
            self.down = f"HTTP {fetched.status}"
            return None
        return fetched.body

    async def fetch_ids(self, ids: list[str]) -> IdAnswer:
        """Look up unversioned `ids` in one request (a malformed id is dropped, the rest resent)."""
        answer = IdAnswer()
        pending = list(ids)
        while pending:  # bounded: every pass either returns or removes one id
            url = id_query_url(self._base, pending)
            body = await self._get(url)
            if body is None:
                answer.unanswered.extend(pending)
                return answer
            message = error_feed_message(body)
            if message is not None:
                bad = next((i for i in pending if message.endswith(f" {i}")), None)
                if bad is None:
                    self.down = f"API error: {message}"
                    answer.unanswered.extend(pending)
                    return answer
                answer.missing[bad] = f"the API rejected it: {message}"
                pending.remove(bad)
                continue
            feed = await asyncio.to_thread(parse_feed, body)
            if feed is None or feed.total != len(feed.results):
                # Not a feed, or a feed we did not get in full: no id may be called missing.
                self.down = self.down or "answer was not a complete Atom feed"
                answer.unanswered.extend(pending)
                return answer
            for result in feed.results:
                answer.found[split_version(result.get_short_id())[0]] = result
            for arxiv_id in pending:
                if arxiv_id not in answer.found:
                    answer.missing[arxiv_id] = f"not in the API's answer ({feed.total} found)"
            return answer
        return answer

    async def search_titles(self, phrases: list[str]) -> dict[str, list[arxiv.Result]]:
        """Candidates per phrase from OR-combined title searches; unasked phrases are absent."""
        results: dict[str, list[arxiv.Result]] = {}
        for url, batch in title_query_urls(self._base, phrases):
            body = await self._get(url)
            if body is None:
                break
            if error_feed_message(body) is not None:
                continue  # the API refused this query: these titles stay unsearched
            feed = await asyncio.to_thread(parse_feed, body)
            if feed is None:
                self.down = "answer was not an Atom feed"
                break
            for phrase in batch:
                results[phrase] = feed.results
        return results
