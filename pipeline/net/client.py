"""The run's one HTTP client: politeness, retries, caps, the cache, and translated errors.

    async with open_client(settings) as net:
        probe = await net.probe("https://example.org/paper")      # link health (HEAD -> GET)
        page = await net.fetch("GET", api_url, params=..., kind="arxiv")   # API calls

Only http and https are fetched. Every transport exception is classified in
net/errors.py; callers get `Probe` / `Fetched` values or a `FetchError`.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import Counter
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import httpx

from pipeline.config import Settings
from pipeline.net.cache import NetCache, ttl_seconds
from pipeline.net.errors import TRANSIENT, Failure, FetchError, classify_exception
from pipeline.net.politeness import HostGate, host_of
from pipeline.net.probe import probe_url
from pipeline.net.results import Answer, Fetched, Probe
from pipeline.net.retry import RETRY_STATUSES, parse_retry_after, retrying

__all__ = ["NetClient", "open_client"]

# Answers worth keeping in the cache: final, not "try again".
_CACHEABLE = frozenset({200, 203, 204, 300, 301, 308, 404, 410})


class _Attempt:
    """One try of `fetch`: a response or a failure, and what the server asked us to wait."""

    def __init__(
        self, fetched: Fetched | None, failure: Failure | None = None, detail: str = ""
    ) -> None:
        self.fetched = fetched
        self.failure = failure
        self.detail = detail
        retry = fetched.headers.get("retry-after") if fetched else None
        self.retry_after = parse_retry_after(retry)


class NetClient:
    """One per run; not shared between runs or threads."""

    def __init__(self, settings: Settings, client: httpx.AsyncClient, cache: NetCache) -> None:
        self.settings = settings
        self.client = client
        self.cache = cache
        self.gate = HostGate(
            concurrency=settings.concurrency,
            per_host_concurrency=settings.per_host_concurrency,
            interval=settings.per_host_interval,
        )
        self.counters: Counter[str] = (
            Counter()
        )  # requests, cache_hits, revalidated, requests:<host>
        self.head_refused: set[str] = set()  # hosts that refused HEAD once: GET from then on

    def configure_host(self, url: str, *, concurrency: int = 1, interval: float = 0.0) -> None:
        """Own limits for the host of `url`, e.g. the arXiv API's one request every 3 s."""
        self.gate.configure(host_of(url), concurrency=concurrency, interval=interval)

    async def probe(self, url: str) -> Probe:
        """Check one URL (HEAD first, GET when refused), following redirects by hand."""
        return await probe_url(self, url)

    async def send(self, method: str, url: str, headers: Mapping[str, str] | None = None) -> Answer:
        """One polite request whose body is not read; HEAD becomes GET for hosts that refuse it."""
        host = host_of(url)
        async with self.gate.slot(host):
            # Decided inside the slot: an earlier request to this host may just have learned it.
            if method == "HEAD" and host in self.head_refused:
                method = "GET"
            try:
                request = self.client.build_request(method, url, headers=dict(headers or {}))
            except (httpx.InvalidURL, httpx.UnsupportedProtocol, UnicodeError, ValueError) as exc:
                # UnicodeError: httpx decodes an xn-- host with IDNA 2008 (`xn--a.com`).
                return Answer(method, None, failure=Failure.INVALID_URL, detail=str(exc))
            if _port_out_of_range(request):
                return Answer(method, None, failure=Failure.INVALID_URL, detail="port out of range")
            self._count(host)
            try:
                async with asyncio.timeout(self.settings.timeout):
                    response = await self.client.send(request, stream=True)
                    # The status and headers are all a check needs: close without reading.
                    await response.aclose()
            except (httpx.InvalidURL, UnicodeError) as exc:
                # httpx builds the next request from Location even when not following it;
                # a Location such as "javascript:..." or an `xn--` host that is not IDNA 2008
                # cannot be built (neither is an HTTPError: they would escape as a crash).
                detail = f"redirect Location cannot be followed: {exc}"
                return Answer(method, None, failure=Failure.INVALID_URL, detail=detail)
            except (httpx.HTTPError, OSError, TimeoutError) as exc:
                failure, detail = classify_exception(exc)
                return Answer(method, None, failure=failure, detail=detail)
        answer = {k.lower(): v for k, v in response.headers.items()}
        self._note_retry_after(host, response.status_code, answer)
        return Answer(method, response.status_code, answer)

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
    ) -> Fetched:
        """A polite request with retries whose body is read (up to `max_body_bytes`).

        With `kind` ("arxiv", "github", "page"), a GET (or any request given a
        `cache_key`) is answered from the cache while fresh and revalidated with
        ETag / Last-Modified when stale. Raises `FetchError` when no answer came.
        """
        full = str(httpx.URL(url, params=params)) if params else url
        key = cache_key or (full if method == "GET" else None)
        cached = self.cache.get(kind, _digest(key)) if kind and key else None
        if cached is not None and cached.fresh:
            self.counters["cache_hits"] += 1
            return Fetched(**cached.value, from_cache=True)
        extra = dict(headers or {})
        if cached is not None:
            extra.update(cached.conditional_headers())

        async def attempt() -> _Attempt:
            return await self._fetch_once(method, full, extra, json)

        result = await retrying(
            attempt,
            settings=self.settings,
            should_retry=lambda a: (
                a.failure in TRANSIENT
                or (a.fetched is not None and a.fetched.status in RETRY_STATUSES)
            ),
            retry_after=lambda a: a.retry_after,
        )
        if result.fetched is None:
            raise FetchError(result.failure or Failure.PROTOCOL, full, result.detail)
        fetched = result.fetched
        if fetched.status == 304 and cached is not None:
            self.counters["revalidated"] += 1
            fetched = Fetched(**cached.value, revalidated=True)
        if kind and key and fetched.status in _CACHEABLE:
            value = {k: getattr(fetched, k) for k in ("url", "status", "headers", "body")}
            self.cache.put(
                kind,
                _digest(key),
                value,
                etag=fetched.headers.get("etag"),
                last_modified=fetched.headers.get("last-modified"),
            )
        return fetched

    async def _fetch_once(
        self, method: str, url: str, headers: dict[str, str], json: Any
    ) -> _Attempt:
        host = host_of(url)
        limit = self.settings.max_body_bytes
        async with self.gate.slot(host):
            self._count(host)
            try:
                async with asyncio.timeout(self.settings.timeout):
                    request = self.client.build_request(method, url, headers=headers, json=json)
                    if _port_out_of_range(request):
                        return _Attempt(None, Failure.INVALID_URL, "port out of range")
                    response = await self.client.send(request, stream=True, follow_redirects=True)
                    try:
                        body = bytearray()
                        async for chunk in response.aiter_bytes():
                            body += chunk
                            if len(body) > limit:
                                return _Attempt(None, Failure.BODY_TOO_LARGE, f"over {limit} bytes")
                    finally:
                        await response.aclose()
            except httpx.TooManyRedirects as exc:
                return _Attempt(None, Failure.TOO_MANY_REDIRECTS, str(exc))
            except (httpx.InvalidURL, UnicodeError, ValueError) as exc:  # see send
                return _Attempt(None, Failure.INVALID_URL, f"URL cannot be requested: {exc}")
            except (httpx.HTTPError, OSError, TimeoutError) as exc:
                return _Attempt(None, *classify_exception(exc))
        answer = {k.lower(): v for k, v in response.headers.items()}
        self._note_retry_after(host, response.status_code, answer)
        return _Attempt(Fetched(str(response.url), response.status_code, answer, bytes(body)))

    def _count(self, host: str) -> None:
        self.counters["requests"] += 1
        self.counters[f"requests:{host}"] += 1

    def _note_retry_after(self, host: str, status: int, headers: dict[str, str]) -> None:
        # Retry-After speaks for the whole host: pause every request to it, not just this one.
        if status in (429, 503):
            wait = parse_retry_after(headers.get("retry-after"))
            if wait is not None and wait <= self.settings.max_retry_wait:
                self.gate.defer(host, wait)


def _port_out_of_range(request: httpx.Request) -> bool:
    # httpx builds `http://h:99999/`; the socket layer then fails with an OverflowError
    # inside an exception group, which no classification can read.
    port = request.url.port
    return port is not None and not 0 < port < 65536


def _digest(key: str) -> str:
    # Keys may contain query strings of any length: hash them to a fixed size.
    return hashlib.sha256(key.encode()).hexdigest()


class _HostMap(httpx.AsyncBaseTransport):
    """Send requests for mapped hosts to another address, like curl's --resolve.

    The request keeps its URL and Host header, so everything above the
    transport (politeness, verdicts, the cache) sees the real URL; only the
    socket goes elsewhere, over plain HTTP (the emulator speaks no TLS).
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, host_map: Mapping[str, str]) -> None:
        self._inner = inner
        self._map = {host.lower(): target for host, target in host_map.items()}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        target = self._map.get(request.url.host)
        if target is None:
            return await self._inner.handle_async_request(request)
        address, _, port = target.rpartition(":")
        headers = request.headers.copy()
        headers["Host"] = request.url.netloc.decode("ascii")
        url = request.url.copy_with(scheme="http", host=address, port=int(port))
        moved = httpx.Request(
            request.method,
            url,
            headers=headers,
            stream=request.stream,
            extensions=request.extensions,
        )
        return await self._inner.handle_async_request(moved)

    async def aclose(self) -> None:
        await self._inner.aclose()


@asynccontextmanager
async def open_client(settings: Settings) -> AsyncIterator[NetClient]:
    """The run's client: HTTP/2 where offered, the User-Agent, caps, and the disk cache."""
    limits = httpx.Limits(
        max_connections=settings.concurrency, max_keepalive_connections=settings.concurrency
    )
    cache = NetCache(settings.cache_dir, ttl_seconds(settings))
    transport: httpx.AsyncBaseTransport = httpx.AsyncHTTPTransport(http2=True, limits=limits)
    if settings.host_map:
        transport = _HostMap(transport, settings.host_map)
    client = httpx.AsyncClient(
        transport=transport,
        timeout=httpx.Timeout(settings.timeout),
        max_redirects=settings.max_redirects,
        headers={"User-Agent": settings.user_agent},
        follow_redirects=False,
    )
    try:
        yield NetClient(settings, client, cache)
    finally:
        await client.aclose()
        cache.close()
