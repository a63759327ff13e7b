"""The run's one HTTP client: what stages call, over the scheduler, sender, prober and cache.

    async with open_client(settings) as net:
        probe = await net.probe("https://example.org/paper")      # link health (HEAD -> GET)
        page = await net.fetch("GET", api_url, params=..., kind="arxiv")   # API calls

Only http and https are fetched. Sending is sender.py's, link checks probe.py's,
per-host queues and connections scheduler.py's; callers get `Probe` / `Fetched`
values or a `FetchError`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import os
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import httpx

from pipeline.config import Settings, parse_host_target
from pipeline.net.cache import NetCache, ttl_seconds
from pipeline.net.errors import TRANSIENT, Failure, FetchError
from pipeline.net.politeness import host_of
from pipeline.net.probe import Prober
from pipeline.net.proxy import Proxies, proxies_from
from pipeline.net.results import Fetched, Probe
from pipeline.net.retry import RETRY_STATUSES, GrowingTimeout, retrying
from pipeline.net.scheduler import HostRouter, Scheduler, tls_context
from pipeline.net.sender import Attempt, Sender

__all__ = ["NetClient", "open_client"]

# Answers worth keeping in the cache: final, not "try again".
_CACHEABLE = frozenset({200, 203, 204, 300, 301, 308, 404, 410})
_PACE = "pace"  # cache kind: seconds between requests a host taught us


class NetClient:
    """One per run; not shared between runs or threads."""

    def __init__(self, settings: Settings, sender: Sender, cache: NetCache) -> None:
        self.settings = settings
        self.sender = sender
        self.cache = cache
        self.prober = Prober(sender, cache)

    @property
    def counters(self) -> Counter[str]:
        """requests, requests:<host>, cache_hits, revalidated."""
        return self.sender.counters

    def configure_host(self, url: str, *, concurrency: int = 1, interval: float = 0.0) -> None:
        """Own limits for the host of `url`, e.g. the arXiv API's one request every 3 s."""
        self.sender.scheduler.configure(host_of(url), concurrency=concurrency, interval=interval)

    async def probe(self, url: str) -> Probe:
        """Check one URL (HEAD first, GET when refused), following redirects by hand."""
        return await self.prober.probe(url)

    def hold_connections(self, hold: bool) -> None:
        """Keep hosts' idle connections while more checks may come (True), or stop (False)."""
        if hold:
            self.sender.scheduler.hold()
        else:
            self.sender.scheduler.release()

    def start_probes(self, urls: list[str]) -> list[asyncio.Future[Probe]]:
        """Queue checks of `urls` now (a later `probe` of one joins its check); their futures.

        A future per URL, no coroutine or task: 10,000 links cost 10,000 small records.
        """
        return [self.prober.start(url) for url in urls]

    def on_checked(self, listener: Callable[[str, Probe], None]) -> None:
        """Call `listener(url, probe)` for every link check of the run as it ends (and at
        once for those already ended)."""
        self.prober.on_checked(listener)

    async def fetch(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        kind: str | None = None,
        cache_key: str | None = None,
        retry: bool = True,
    ) -> Fetched:
        """A polite request with retries whose body is read (up to `max_body_bytes`).

        With `kind` ("arxiv", "github", "page"), a GET (or any request given a
        `cache_key`) is answered from the cache while fresh and revalidated with
        ETag / Last-Modified when stale. Raises `FetchError` when no answer came.
        `retry=False` sends once: for hosts that punish a retry after a 429 (the archive).
        """
        full = str(httpx.URL(url, params=params)) if params else url
        key = cache_key or (full if method == "GET" else None)
        cached = self.cache.get(kind, _digest(key)) if kind and key else None
        stored = _fetched_from(cached.value) if cached is not None else None
        if cached is not None and stored is not None and cached.fresh:
            self.counters["cache_hits"] += 1
            return dataclasses.replace(stored, from_cache=True, attempts=0)
        extra = dict(headers or {})
        if cached is not None and stored is not None:
            extra.update(cached.conditional_headers())

        timeout = GrowingTimeout(self.settings.timeout)
        tries = 0

        async def attempt() -> Attempt:
            nonlocal tries
            tries += 1
            return await self.sender.fetch_once(method, full, extra, json, timeout=timeout.current)

        def again(a: Attempt) -> bool:
            if not retry:
                return False
            if a.failure is Failure.TIMEOUT:
                return timeout.retry_after_timeout()
            return a.failure in TRANSIENT or (
                a.fetched is not None and a.fetched.status in RETRY_STATUSES
            )

        async with self.sender.scheduler.queued(host_of(full)):
            result = await retrying(
                attempt,
                settings=self.settings,
                should_retry=again,
                # After a timeout, the longer try goes at once: the timeout was the wait.
                retry_after=lambda a: 0.0 if a.failure is Failure.TIMEOUT else a.retry_after,
            )
        if result.fetched is None:
            raise FetchError(result.failure or Failure.PROTOCOL, full, result.detail, tries)
        fetched = dataclasses.replace(result.fetched, attempts=tries)
        if fetched.status == 304 and cached is not None and stored is not None:
            self.counters["revalidated"] += 1
            fetched = dataclasses.replace(stored, revalidated=True)
        if kind and key and fetched.status in _CACHEABLE:
            value = {k: getattr(fetched, k) for k in ("url", "status", "headers")}
            value["body"] = fetched.body.decode("latin-1")  # JSON has no bytes: one char a byte
            self.cache.put(
                kind,
                _digest(key),
                value,
                etag=fetched.headers.get("etag"),
                last_modified=fetched.headers.get("last-modified"),
            )
        return fetched

    def remember_paces(self) -> None:
        """Store each host's learned pace for the next run (and forget recovered ones)."""
        for host, interval in self.sender.scheduler.learned_paces().items():
            self.cache.put(_PACE, host, {"interval": interval})


def _fetched_from(value: dict[str, Any]) -> Fetched | None:
    """The response a cache record describes, or None when it is not one (a miss)."""
    url, status, headers, body = (value.get(k) for k in ("url", "status", "headers", "body"))
    if not (
        isinstance(url, str)
        and type(status) is int
        and isinstance(headers, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items())
        and isinstance(body, str)
    ):
        return None
    try:
        return Fetched(url, status, headers, body.encode("latin-1"))
    except UnicodeEncodeError:
        return None


def _digest(key: str) -> str:
    # Keys may contain query strings of any length: hash them to a fixed size.
    return hashlib.sha256(key.encode()).hexdigest()


class _HostMap(httpx.AsyncBaseTransport):
    """Send requests for one mapped host to another address, like curl's --resolve.

    The request keeps its URL and Host header, so everything above the
    transport (politeness, verdicts, the cache) sees the real URL; only the
    socket goes elsewhere: over plain HTTP for an `address:port` target, over
    TLS for `https://address:port` (the certificate checked for the real name).
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, target: str) -> None:
        self._inner = inner
        self._scheme, self._address, self._port = parse_host_target(target)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        headers = request.headers.copy()
        headers["Host"] = request.url.netloc.decode("ascii")
        extensions = dict(request.extensions)
        if self._scheme == "https":
            extensions["sni_hostname"] = request.url.host
        url = request.url.copy_with(scheme=self._scheme, host=self._address, port=self._port)
        moved = httpx.Request(
            request.method, url, headers=headers, stream=request.stream, extensions=extensions
        )
        return await self._inner.handle_async_request(moved)

    async def aclose(self) -> None:
        await self._inner.aclose()


class _Http2Offered(httpx.AsyncBaseTransport):
    """A host's pool offers HTTP/2 until the host's first answer says it speaks HTTP/1.1.

    While HTTP/2 is offered, httpcore hands a waiting request to a connection still in
    its handshake (it may turn out HTTP/2, and carry them all): on an HTTP/1.1 host each
    connection a busy host adds then opens a round trip late, behind another's handshake.
    httpx has no public switch for a live pool; where the private one is missing (another
    httpx), HTTP/2 stays offered and only that round trip is lost.
    """

    def __init__(self, inner: httpx.AsyncHTTPTransport) -> None:
        self._inner = inner
        self._offered = True

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        if self._offered and response.extensions.get("http_version") == b"HTTP/1.1":
            self._offered = False
            pool = getattr(self._inner, "_pool", None)
            if isinstance(getattr(pool, "_http2", None), bool):
                pool._http2 = False  # type: ignore[union-attr]
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


class _ByScheme(httpx.AsyncBaseTransport):
    """A host's pool when proxies are set: one transport per scheme (the proxy may differ)."""

    def __init__(self, make: Callable[[str], httpx.AsyncBaseTransport]) -> None:
        self._make = make
        self._transports: dict[str, httpx.AsyncBaseTransport] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        scheme = request.url.scheme
        if scheme not in self._transports:
            self._transports[scheme] = self._make(scheme)
        return await self._transports[scheme].handle_async_request(request)

    async def aclose(self) -> None:
        for transport in self._transports.values():
            await transport.aclose()


def _pools(settings: Settings, proxies: Proxies) -> Callable[[str, int], httpx.AsyncBaseTransport]:
    """The scheduler's pool factory: one kept-alive pool per host, one TLS context for all."""
    context = tls_context(settings)
    host_map = {host.lower(): target for host, target in settings.host_map.items()}
    # Pools are made on a host's first request; making one imports httpcore and h2, the first
    # connection anyio's streams: import them now, or the run's first request leaves ~0.1 s
    # after its paced turn (and the next one too soon after it).
    import anyio.streams.tls  # noqa: F401
    import h2.connection  # noqa: F401
    import httpcore  # noqa: F401
    from anyio import connect_tcp  # noqa: F401  (loads anyio's socket layer)

    def pool(host: str, concurrency: int) -> httpx.AsyncBaseTransport:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

        def transport(proxy: str | None = None) -> httpx.AsyncBaseTransport:
            inner = httpx.AsyncHTTPTransport(verify=context, http2=True, limits=limits, proxy=proxy)
            return _Http2Offered(inner)

        target = host_map.get(host) or host_map.get(host.rsplit(":", 1)[0])
        if target:  # a mapped host is connected to where the map says, never through a proxy
            return _HostMap(transport(), target)
        if not proxies:
            return transport()
        url = httpx.URL(f"http://{host}/")
        return _ByScheme(lambda scheme: transport(proxies.proxy_for(scheme, url.host, url.port)))

    return pool


@asynccontextmanager
async def open_client(
    settings: Settings, ttls: Mapping[str, float] | None = None
) -> AsyncIterator[NetClient]:
    """The run's client: per-host pools, HTTP/2 where offered, the User-Agent, caps, the cache.

    `ttls`: the cache lifetime of each kind the stages store (each stage declares its own).
    """
    proxies = proxies_from(settings, os.environ)  # first: a bad proxy URL stops the run here
    cache = NetCache(settings.cache_dir, {**ttl_seconds(settings), **(ttls or {})})

    def learned(host: str) -> float | None:
        entry = cache.get(_PACE, host)
        interval = entry.value.get("interval") if entry is not None and entry.fresh else None
        return float(interval) if isinstance(interval, int | float) and interval >= 0 else None

    scheduler = Scheduler(settings, pool_factory=_pools(settings, proxies), learned=learned)
    client = httpx.AsyncClient(
        transport=HostRouter(scheduler),
        timeout=httpx.Timeout(settings.timeout),
        max_redirects=settings.max_redirects,
        headers={"User-Agent": settings.user_agent},
        follow_redirects=False,
    )
    net = NetClient(settings, Sender(settings, client, scheduler), cache)
    try:
        yield net
    finally:
        net.prober.close()
        try:
            net.remember_paces()
        finally:
            await client.aclose()
            cache.close()
