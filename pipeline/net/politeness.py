"""Politeness: a global and a per-host concurrency limit, a per-host minimum interval,
and host-wide pauses when a server says `Retry-After`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

__all__ = ["HostGate", "host_of"]


def host_of(url: str) -> str:
    """The politeness key of a URL: its host and port, lower-cased."""
    try:
        return urlsplit(url).netloc.lower().rsplit("@", 1)[-1]
    except ValueError:  # a malformed URL still needs a key: it is never sent anyway
        return url.lower()


@dataclass
class _Host:
    semaphore: asyncio.Semaphore
    interval: float
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_at: float = 0.0  # monotonic time before which no request may start


class HostGate:
    """Admits requests so that no host sees more than its share, in count and in pace."""

    def __init__(self, *, concurrency: int, per_host_concurrency: int, interval: float) -> None:
        self._global = asyncio.Semaphore(concurrency)
        self._per_host = per_host_concurrency
        self._interval = interval
        self._hosts: dict[str, _Host] = {}
        self._overrides: dict[str, tuple[int, float]] = {}

    def configure(self, host: str, *, concurrency: int = 1, interval: float = 0.0) -> None:
        """Give `host` its own limits (e.g. the arXiv API: one request every 3 s)."""
        self._overrides[host] = (concurrency, interval)
        self._hosts.pop(host, None)

    def _host(self, host: str) -> _Host:
        if host not in self._hosts:
            concurrency, interval = self._overrides.get(host, (self._per_host, self._interval))
            self._hosts[host] = _Host(asyncio.Semaphore(concurrency), interval)
        return self._hosts[host]

    def defer(self, host: str, seconds: float) -> None:
        """Start no request to `host` for `seconds` (a Retry-After applies to the whole host)."""
        state = self._host(host)
        state.next_at = max(state.next_at, time.monotonic() + seconds)

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        """Hold a request slot for `host`: its semaphore, its pace, then a global slot."""
        state = self._host(host)
        async with state.semaphore:
            async with state.lock:
                # Reserve a start time under the lock so concurrent callers stay spaced out.
                now = time.monotonic()
                start = max(now, state.next_at)
                state.next_at = start + state.interval
            if start > now:
                await asyncio.sleep(start - now)
            async with self._global:
                yield
