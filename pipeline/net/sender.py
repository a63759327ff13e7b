"""Sending one request: through the scheduler's host slot, within the timeout and caps,
with every transport exception translated (net/errors.py) and every refusal taught to
the host's pace. No retries here (client.py and probe.py decide those).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Container, Mapping
from typing import Any

import httpx

from pipeline.config import Settings
from pipeline.net.errors import Failure, classify_exception
from pipeline.net.politeness import host_of
from pipeline.net.results import Answer, Fetched
from pipeline.net.retry import parse_retry_after
from pipeline.net.scheduler import Scheduler

__all__ = ["Attempt", "Sender"]

# A GET's body is read (and the connection kept) when it announces at most this much.
_SMALL_BODY = 16 * 1024


class Attempt:
    """One try of a body-reading request: a response or a failure, and the asked wait."""

    __slots__ = ("detail", "failure", "fetched", "retry_after")

    def __init__(
        self, fetched: Fetched | None, failure: Failure | None = None, detail: str = ""
    ) -> None:
        self.fetched = fetched
        self.failure = failure
        self.detail = detail
        retry = fetched.headers.get("retry-after") if fetched else None
        self.retry_after = parse_retry_after(retry)


class Sender:
    """Sends requests for the run; counts them per host; one per run."""

    def __init__(self, settings: Settings, client: httpx.AsyncClient, scheduler: Scheduler) -> None:
        self.settings = settings
        self.client = client
        self.scheduler = scheduler
        self.counters: Counter[str] = Counter()  # requests, requests:<host>, cache_hits, ...

    async def send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None = None,
        *,
        head_refused: Container[str] = (),
        timeout: float | None = None,
    ) -> Answer:
        """One polite request whose body is not kept; HEAD becomes GET for `head_refused` hosts
        and for the host that sets the run's length (one GET a link, where a 404 to HEAD
        costs a second request to confirm it: every request to that host makes the run longer).

        `timeout`: seconds for this request (a retry after a timeout gets longer), else the
        setting's. The answer says how long it took (`seconds`).
        """
        host = host_of(url)
        timeout = timeout or self.settings.timeout
        async with self.scheduler.slot(host) as turn:
            # Decided inside the slot: an earlier request to this host may just have learned it.
            if method == "HEAD" and (host in head_refused or self.scheduler.critical(host)):
                method = "GET"
            try:
                # Traced only when it opens a connection: to free its handshake slot once open.
                extensions = {"trace": turn.trace} if turn.opens else None
                request = self.client.build_request(
                    method, url, headers=headers, timeout=timeout, extensions=extensions
                )
            except (httpx.InvalidURL, httpx.UnsupportedProtocol, UnicodeError, ValueError) as exc:
                # UnicodeError: httpx decodes an xn-- host with IDNA 2008 (`xn--a.com`).
                return Answer(method, None, failure=Failure.INVALID_URL, detail=str(exc))
            if _port_out_of_range(request):
                return Answer(method, None, failure=Failure.INVALID_URL, detail="port out of range")
            self._count(host)
            self.counters["probe:requests"] += 1
            self.counters[f"timeout:{timeout:g}"] += 1
            started = time.monotonic()
            try:
                async with asyncio.timeout(timeout):
                    response = await self.client.send(request, stream=True)
                    seconds = time.monotonic() - started
                    try:
                        await _drain_small(response)
                    finally:
                        await response.aclose()
            except (httpx.InvalidURL, UnicodeError) as exc:
                # httpx builds the next request from Location even when not following it;
                # a Location such as "javascript:..." or an `xn--` host that is not IDNA 2008
                # cannot be built (neither is an HTTPError: they would escape as a crash).
                detail = f"redirect Location cannot be followed: {exc}"
                return Answer(method, None, failure=Failure.INVALID_URL, detail=detail)
            except (httpx.HTTPError, OSError, TimeoutError) as exc:
                failure, detail = self._classify(exc, timeout)
                return Answer(method, None, failure=failure, detail=detail)
        answer = dict(response.headers.items())
        # A new connection's handshake is no part of the host's latency (it is paid once),
        # but its answer is: a host's first answers size its connections at once.
        self._teach(host, response.status_code, answer, turn.latency(started, started + seconds))
        return Answer(method, response.status_code, answer, seconds=seconds)

    async def fetch_once(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        json: Any,
        *,
        timeout: float | None = None,
    ) -> Attempt:
        """One polite request whose body is read, up to `max_body_bytes`, redirects followed."""
        host = host_of(url)
        limit = self.settings.max_body_bytes
        timeout = timeout or self.settings.timeout
        # API calls are the run's critical path: they go before queued link checks.
        async with self.scheduler.slot(host, urgent=True):
            self._count(host)
            self.counters[f"timeout:{timeout:g}"] += 1
            try:
                async with asyncio.timeout(timeout):
                    request = self.client.build_request(
                        method, url, headers=headers, json=json, timeout=timeout
                    )
                    if _port_out_of_range(request):
                        return Attempt(None, Failure.INVALID_URL, "port out of range")
                    response = await self.client.send(request, stream=True, follow_redirects=True)
                    try:
                        body = bytearray()
                        async for chunk in response.aiter_bytes():
                            body += chunk
                            if len(body) > limit:
                                return Attempt(None, Failure.BODY_TOO_LARGE, f"over {limit} bytes")
                    finally:
                        await response.aclose()
            except httpx.TooManyRedirects as exc:
                return Attempt(None, Failure.TOO_MANY_REDIRECTS, str(exc))
            except (httpx.InvalidURL, UnicodeError, ValueError) as exc:  # see send
                return Attempt(None, Failure.INVALID_URL, f"URL cannot be requested: {exc}")
            except (httpx.HTTPError, OSError, TimeoutError) as exc:
                return Attempt(None, *self._classify(exc, timeout))
        answer = dict(response.headers.items())
        # An API's host keeps the concurrency it was given (its terms, GitHub's "one at a
        # time" advice): its latency sizes nothing.
        self._teach(host, response.status_code, answer, None)
        return Attempt(Fetched(str(response.url), response.status_code, answer, bytes(body)))

    def _classify(self, exc: BaseException, timeout: float) -> tuple[Failure, str]:
        failure, detail = classify_exception(exc)
        if failure is Failure.TIMEOUT:
            # Whatever layer noticed (a TLS read, httpx, our own deadline): it was the clock.
            return failure, f"timeout after {timeout:g} s"
        return failure, detail

    def _count(self, host: str) -> None:
        self.counters["requests"] += 1
        self.counters[f"requests:{host}"] += 1

    def _teach(
        self, host: str, status: int, headers: dict[str, str], seconds: float | None
    ) -> None:
        # How long the host takes sizes its connections; Retry-After speaks for the whole
        # host: pause every request to it, not just this one.
        if seconds is not None:
            self.scheduler.answered_after(host, seconds)
        pace = self.scheduler.pace(host)
        wait = parse_retry_after(headers.get("retry-after")) if status in (429, 503) else None
        if status == 429 or (wait is not None and wait > 0):  # "Retry-After: 0" asks no pause
            pace.refused()
        elif status < 500:
            pace.answered()
        if wait is not None and wait <= self.settings.max_retry_wait:
            pace.defer(wait)


def _port_out_of_range(request: httpx.Request) -> bool:
    # httpx builds `http://h:99999/`; the socket layer then fails with an OverflowError
    # inside an exception group, which no classification can read.
    port = request.url.port
    return port is not None and not 0 < port < 65536


async def _drain_small(response: httpx.Response) -> None:
    # The end of the message must be read for the connection to go back to the host's pool:
    # HEAD has none to read, a small announced body is read; anything else (unknown length,
    # huge, endless) is left unread and the connection closed.
    length = response.headers.get("content-length", "")
    if response.request.method == "HEAD" or (length.isdigit() and int(length) <= _SMALL_BODY):
        async for _ in response.aiter_raw():
            pass
