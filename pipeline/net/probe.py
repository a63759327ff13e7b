"""Checking one URL: HEAD first, GET when HEAD is refused, redirects followed by hand
(capped, http and https only), retries, and the verdict cache with revalidation.

The sending itself is sender.py's; this module only decides what to send next.
A URL is checked once per run: asking again (the links stage after an early
start, a canary that is also a link) joins the first check.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any
from urllib.parse import urljoin, urlsplit

from pipeline.net.cache import NetCache
from pipeline.net.errors import TRANSIENT, Failure
from pipeline.net.politeness import host_of
from pipeline.net.results import Hop, Probe
from pipeline.net.retry import RETRY_STATUSES, GrowingTimeout, parse_retry_after, retrying
from pipeline.net.sender import Sender

__all__ = ["HEAD_REFUSED", "Prober"]

# Answers to HEAD that often mean "not HEAD" rather than anything about the resource:
# ask again with GET (a "dead" verdict is then confirmed by a GET, never by HEAD alone).
HEAD_REFUSED = frozenset({400, 403, 404, 405, 406, 409, 410, 500, 501, 999})
# Answers that say the host never takes HEAD: use GET for it from then on.
_HEAD_UNSUPPORTED = frozenset({405, 501})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_SCHEMES = ("http", "https")


def _final(probe: Probe) -> bool:
    # Cache only what would not be retried, and not NXDOMAIN: whether that is "dead"
    # depends on the rest of the run.
    return probe.failure is None and probe.status is not None and probe.status not in RETRY_STATUSES


def _retryable(probe: Probe) -> bool:
    return probe.failure in TRANSIENT or probe.status in RETRY_STATUSES


class Prober:
    """Link checks for one run, over the run's sender and cache."""

    def __init__(self, sender: Sender, cache: NetCache) -> None:
        self.sender = sender
        self.cache = cache
        self.head_refused: set[str] = set()  # hosts that refused HEAD once: GET from then on
        self._checks: dict[str, asyncio.Future[Probe]] = {}
        self._listeners: list[Callable[[str, Probe], None]] = []

    async def probe(self, url: str) -> Probe:
        """Check `url` once per run with the cache, politeness and retries."""
        return await self.start(url)

    def start(self, url: str) -> asyncio.Future[Probe]:
        """Queue the check of `url` on its host's queue (once per run); its future result.

        The future is shared by everyone who asks for `url`: cancelling it (a waiter
        cancelled at the end of a run) cancels the check.
        """
        future = self._checks.get(url)
        if future is None:
            future = self.sender.scheduler.submit(host_of(url), lambda: self._probe(url))
            future.add_done_callback(partial(self._ended, url))
            self._checks[url] = future
        return future

    def on_checked(self, listener: Callable[[str, Probe], None]) -> None:
        """Call `listener(url, probe)` as each check ends: at once for those that already
        have, then for each as it ends (a stage that needs verdicts starts on them early)."""
        self._listeners.append(listener)
        for url, future in list(self._checks.items()):
            if future.done() and not future.cancelled() and future.exception() is None:
                listener(url, future.result())

    def _ended(self, url: str, future: asyncio.Future[Probe]) -> None:
        if future.cancelled() or future.exception() is not None:
            return
        for listener in self._listeners:
            listener(url, future.result())

    def close(self) -> None:
        """Stop the checks still queued or running and forget the rest (the run is ending)."""
        self._listeners.clear()
        for future in self._checks.values():
            future.cancel()
        self._checks.clear()

    async def _probe(self, url: str) -> Probe:
        counters = self.sender.counters
        cached = self.cache.get("link", url)
        if cached is not None and _unreadable(cached.value):
            cached = None  # the cache is not trusted: a record that does not parse is a miss
        if cached is not None and cached.fresh:
            counters["cache_hits"] += 1
            counters["probe:cache_hits"] += 1
            return Probe.from_dict(cached.value, from_cache=True)
        conditional = cached.conditional_headers() if cached is not None else {}
        attempts = 0
        timeout = GrowingTimeout(self.sender.settings.timeout)

        async def attempt() -> Probe:
            nonlocal attempts
            attempts += 1
            return await _probe_once(self, url, conditional, timeout.current)

        def again(probe: Probe) -> bool:
            if probe.failure is Failure.TIMEOUT:
                return timeout.retry_after_timeout()
            return _retryable(probe)

        def wait(probe: Probe) -> float | None:
            if probe.failure is Failure.TIMEOUT:
                return 0.0  # the timeout was the wait: try again with the longer one now
            return probe.retry_after if probe.status in (429, 503) else None

        probe = await retrying(
            attempt, settings=self.sender.settings, should_retry=again, retry_after=wait
        )
        probe = replace(probe, attempts=attempts, retry_after=None)
        if probe.status == 304 and cached is not None:
            counters["revalidated"] += 1
            probe = Probe.from_dict(cached.value, revalidated=True, attempts=attempts)
            self.cache.put(
                "link", url, cached.value, etag=cached.etag, last_modified=cached.last_modified
            )
        elif _final(probe):
            validators = not probe.redirects
            self.cache.put(
                "link",
                url,
                probe.to_dict(),
                etag=probe.etag if validators else None,
                last_modified=probe.last_modified if validators else None,
            )
        return probe


async def _probe_once(
    prober: Prober, url: str, conditional: dict[str, str], timeout: float
) -> Probe:
    sender = prober.sender
    current = url
    hops: list[Hop] = []
    for _ in range(sender.settings.max_redirects + 1):
        try:
            scheme = urlsplit(current).scheme.lower()
        except ValueError as exc:  # "Invalid IPv6 URL" and friends, as written or redirected to
            return Probe(
                url,
                final_url=current,
                redirects=tuple(hops),
                failure=Failure.INVALID_URL,
                detail=f"malformed URL: {exc}",
            )
        if scheme not in _SCHEMES and not hops:
            return Probe(url, failure=Failure.INVALID_URL, detail="not an http(s) URL")
        if scheme not in _SCHEMES:
            return Probe(
                url,
                final_url=current,
                redirects=tuple(hops),
                failure=Failure.BAD_SCHEME,
                detail=f"redirected to a {scheme or 'relative'}: URL",
            )
        host = host_of(current)
        headers = conditional if not hops else {}
        answer = await sender.send(
            "HEAD", current, headers, head_refused=prober.head_refused, timeout=timeout
        )
        if answer.method == "HEAD" and answer.status in HEAD_REFUSED:
            if answer.status in _HEAD_UNSUPPORTED:
                prober.head_refused.add(host)
            answer = await sender.send("GET", current, headers, timeout=timeout)
        status, method = answer.status, answer.method
        if status is None:
            assert answer.failure is not None
            return Probe(
                url,
                final_url=current,
                redirects=tuple(hops),
                failure=answer.failure,
                detail=answer.detail,
                method=method,
            )
        location = answer.headers.get("location")
        if status in _REDIRECTS and location:
            try:
                target = urljoin(current, location)
            except ValueError as exc:
                return Probe(
                    url,
                    final_url=current,
                    redirects=tuple(hops),
                    status=status,
                    failure=Failure.INVALID_URL,
                    detail=f"redirect Location cannot be followed: {exc}",
                )
            hops.append(Hop(status, current, target))
            current = target
            continue
        # An answer later than the usual timeout (one the longer retry caught) says so: the
        # page is alive, but a reader will wait for it.
        slow = answer.seconds > sender.settings.timeout
        detail = f"slow: answered after {round(answer.seconds, 1):g} s" if slow else ""
        return Probe(
            url,
            status=status,
            final_url=current,
            redirects=tuple(hops),
            detail=detail or f"HTTP {status}",
            method=method,
            retry_after=parse_retry_after(answer.headers.get("retry-after")),
            etag=answer.headers.get("etag"),
            last_modified=answer.headers.get("last-modified"),
        )
    return Probe(
        url,
        final_url=current,
        redirects=tuple(hops),
        failure=Failure.TOO_MANY_REDIRECTS,
        detail=f"more than {sender.settings.max_redirects} redirects",
    )


def _unreadable(value: dict[str, Any]) -> bool:
    if not isinstance(value.get("url"), str) or not isinstance(value.get("status"), int | None):
        return True
    try:
        Probe.from_dict(value)
    except (TypeError, ValueError, KeyError):
        return True
    return False
