"""A declarative world of plain web pages: hosts, paths, and how each behaves.

A `World` maps host names to `Site`s; a `Site` maps paths to `Page`s. Load it
into a running emulator with `load_world(emulator, world)`, which mounts one
`SiteHandler` per host. Redirect targets written `//name/path` point at
another host of the world and are rewritten to its loopback URL.
"""

from __future__ import annotations

import json
import threading
import time
import tomllib
from collections import deque
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from tests.emulator.server import Emulator, Request, Response

__all__ = ["Page", "Site", "SiteHandler", "World", "load_world"]


@dataclass
class Page:
    """How one path answers."""

    status: int = 200
    latency: float = 0.0  # seconds before every answer
    redirect: str | None = None  # Location; "//host/path" names another world host
    flaky: int = 0  # the first N requests answer `flaky_status` instead
    flaky_status: int = 503
    retry_after: str | None = None  # sent with 429 and 503 answers (flaky or not)
    hang: bool = False  # never answer
    reset: bool = False  # reset the connection instead of answering
    body: str = "<html>ok</html>"
    body_bytes: int = 0  # > 0: a huge body of this many bytes, streamed
    head_status: int | None = None  # answer HEAD with this (e.g. 405: HEAD not allowed)
    etag: str | None = None  # enables If-None-Match -> 304
    last_modified: str | None = None  # enables If-Modified-Since -> 304 (exact match)
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Site:
    """One host: its pages, a default for other paths, and a rate limit."""

    pages: dict[str, Page] = field(default_factory=dict)
    default: Page | None = None  # other paths; None means 404
    rate_limit: float | None = None  # requests per second before 429 answers
    limit_retry_after: str = "1"  # the Retry-After those 429 answers carry
    latency: float = 0.0  # added to every page's latency


@dataclass
class World:
    """Host name -> site."""

    sites: dict[str, Site] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> World:
        """A world from `{"hosts": {name: {"pages": {path: {...}}, ...}}}`."""
        sites = {}
        for name, raw in data.get("hosts", {}).items():
            raw = dict(raw)
            pages = {path: _page(spec) for path, spec in raw.pop("pages", {}).items()}
            default = _page(raw.pop("default")) if raw.get("default") is not None else None
            raw.pop("default", None)
            sites[name] = Site(pages=pages, default=default, **raw)
        return cls(sites)

    @classmethod
    def from_file(cls, path: Path) -> World:
        """A world from a JSON or TOML file."""
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
        return cls.from_dict(data)


def _page(spec: dict[str, Any]) -> Page:
    known = {f.name for f in fields(Page)}
    unknown = set(spec) - known
    if unknown:
        raise ValueError(f"unknown page keys: {sorted(unknown)}")
    return Page(**spec)


class SiteHandler:
    """The handler serving one `Site` (keeps per-path counters and the rate window)."""

    def __init__(self, emulator: Emulator, site: Site) -> None:
        self.emulator = emulator
        self.site = site
        self.counts: dict[str, int] = {}
        self._window: deque[float] = deque()
        self._lock = threading.Lock()

    def forget(self) -> None:
        """Start over, as for a new visitor: flaky pages fail again, the rate window empties."""
        with self._lock:
            self.counts.clear()
            self._window.clear()

    def __call__(self, request: Request) -> Response:
        page = self.site.pages.get(request.path) or self.site.default
        if page is None:
            return Response(404, body=b"not found\n", delay=self.site.latency)
        with self._lock:
            count = self.counts.get(request.path, 0) + 1
            self.counts[request.path] = count
            limited = self._over_limit()
        delay = self.site.latency + page.latency
        if page.hang:
            return Response(fault="hang")
        if page.reset:
            return Response(fault="reset", delay=delay)
        if limited:
            headers = {"Retry-After": self.site.limit_retry_after}
            return Response(429, headers, b"slow down\n", delay=delay)
        status = page.flaky_status if count <= page.flaky else page.status
        headers = dict(page.headers)
        if status in (429, 503) and page.retry_after is not None:
            headers["Retry-After"] = page.retry_after
        if status == 200 and self._not_modified(request, page):
            return Response(304, self._validators(page), delay=delay)
        if status == 200:
            headers.update(self._validators(page))
        if page.redirect and 300 <= status < 400:
            headers["Location"] = self._location(page.redirect)
        if request.method == "HEAD" and page.head_status is not None:
            status = page.head_status
        if page.body_bytes:
            return Response(status, headers, stream_bytes=page.body_bytes, delay=delay)
        return Response(status, headers, page.body.encode(), delay=delay)

    def _over_limit(self) -> bool:
        if not self.site.rate_limit:
            return False
        now = time.monotonic()
        while self._window and now - self._window[0] > 1.0:
            self._window.popleft()
        if len(self._window) >= self.site.rate_limit:
            return True
        self._window.append(now)
        return False

    @staticmethod
    def _validators(page: Page) -> dict[str, str]:
        headers = {}
        if page.etag:
            headers["ETag"] = page.etag
        if page.last_modified:
            headers["Last-Modified"] = page.last_modified
        return headers

    @staticmethod
    def _not_modified(request: Request, page: Page) -> bool:
        if page.etag and request.headers.get("if-none-match") == page.etag:
            return True
        since = request.headers.get("if-modified-since")
        return bool(page.last_modified and since == page.last_modified)

    def _location(self, target: str) -> str:
        if target.startswith("//"):
            name, _, path = target[2:].partition("/")
            return self.emulator.url(name, "/" + path)
        return target


def load_world(emulator: Emulator, world: World) -> dict[str, SiteHandler]:
    """Mount one handler per site of `world`; returns them by host name."""
    handlers = {}
    for name, site in world.sites.items():
        handlers[name] = SiteHandler(emulator, site)
        emulator.mount(name, handlers[name])
        if emulator.tls:  # a new connection costs a round trip more (the TLS handshake)
            emulator.connect_delay[name] = site.latency
    return handlers
