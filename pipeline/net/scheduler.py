"""Work sharded by host: each host has its own queue, its own kept-alive connections and
its own pace; one global limit caps the requests in flight.

A request waits for its host's slot (per-host concurrency), its host's turn
(the pace, see politeness.py), then a global slot. A host's concurrency follows
Little's law: to keep its pace at the latency it shows, it needs about
pace x latency requests in flight, plus one (`per_host_concurrency` is where it
starts; it grows up to MOST_CONNECTIONS, within the global limit). The pace alone
decides how many requests a second go out: more connections only stop a slow
host from falling behind it.

API calls (`urgent`) go before link checks: they take the next global slot
whatever is queued, and the run's critical path is theirs (arXiv's 3-second
spacing). New connections are bounded too (FIRST_HANDSHAKES hosts' first
connections and HANDSHAKES further ones at once, the host with the most work
first): opening hundreds of TLS connections at once kept the event loop busy
for seconds, and the first API call waited behind them. A handshake slot is
held until the connection is open (the request's headers go out: `Turn.trace`,
httpcore's trace extension), not until the answer: a list whose 32 links are
on 32 hosts waited for 4 rounds of answers, then for 4 rounds of handshakes.
Each host's requests ride
that host's own connection pool (HTTP/1.1 keep-alive, HTTP/2 where offered),
so hosts never evict each other's idle connections; a host's connections are
closed as soon as nothing is queued for it any more. All pools share one TLS
context: building one loads the CA bundle, which costs milliseconds.

    scheduler = Scheduler(settings)
    future = scheduler.submit(host, check)      # a job on the host's queue (a link check)
    async with scheduler.queued(host):          # or keep the host's connections for a block
        async with scheduler.slot(host) as turn:  # one request (turn.trace: its extension)
            ...                                 # the client's transport routes by host

A host's queue holds jobs, not running coroutines: at most the host's
concurrency of them run at once, so 10,000 queued link checks cost 10,000
small records, not 10,000 suspended retry loops. When hosts wait for a global
slot, the host with the most work queued goes first: it sets the run's length
(its pace is the bound), so it must never lose a turn to hosts that will
finish early anyway.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import ssl
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from pipeline.config import Settings
from pipeline.net.politeness import Pace

__all__ = [
    "CRITICAL_SECONDS",
    "FIRST_HANDSHAKES",
    "HANDSHAKES",
    "MOST_CONNECTIONS",
    "HostRouter",
    "Scheduler",
    "Turn",
    "tls_context",
]

T = TypeVar("T")
_Job = tuple[Callable[[], Awaitable[Any]], "asyncio.Future[Any]"]

# Connections a host gets at most, whatever its latency: 16 x 250 ms keeps 60 requests a
# second going, more than any host should be asked for.
MOST_CONNECTIONS = 16
# Link requests that may be opening a connection at once (each a round trip and a TLS
# handshake's CPU), beyond hosts' first connections.
HANDSHAKES = 8
# A host's first connection has slots of its own: every host needs one whatever its
# latency turns out to be, so none is opened in vain, and a list whose links are on many
# hosts would otherwise wait a round trip for each 8 of them (amusi: 32 hosts, 4 rounds).
FIRST_HANDSHAKES = 32
# A host with at least this many seconds of checks queued (at its pace), and the most of
# any host, sets the run's length: each extra request to it makes the run longer.
CRITICAL_SECONDS = 5.0
_URGENT = 1 << 62  # the global-slot priority of an API call: before any host's queue
# Weight of the newest answer in a host's latency estimate: a few answers settle it, and
# one slow answer does not open a burst of connections.
_LATENCY_WEIGHT = 0.3


def tls_context(settings: Settings) -> ssl.SSLContext:
    """The run's one TLS context: only `ca_bundle` when it is set, else httpx's default
    (certifi's CAs, or `SSL_CERT_FILE` / `SSL_CERT_DIR` when the environment names one)."""
    if settings.ca_bundle is not None:
        return ssl.create_default_context(cafile=str(settings.ca_bundle))
    return httpx.create_ssl_context()


class _Slots:
    """A semaphore that wakes the waiter with the highest priority first (FIFO among
    equals), and whose size can change while it is held (a host's concurrency)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    async def acquire(self, priority: int = 0) -> None:
        """Take a slot; among waiters, a larger `priority` is served first."""
        if self.used < self.limit and not self._waiters:
            self.used += 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (-priority, next(self._order), future))
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release()  # handed a slot just as we were cancelled: pass it on
            raise

    def release(self) -> None:
        self.used -= 1
        self._wake()

    def resize(self, limit: int) -> None:
        """Allow `limit` holders from now on (holders above a smaller limit finish first)."""
        self.limit = limit
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self.used < self.limit:
            _, _, future = heapq.heappop(self._waiters)
            if not future.done():
                self.used += 1
                future.set_result(None)


class Turn:
    """One request's slot: whether it opens a connection, and its handshake slot's end."""

    def __init__(self, opens: bool, release: Callable[[], None] | None) -> None:
        self.opens = opens  # likely to open a new connection (its time includes a handshake)
        self._release = release
        self.sent_at: float | None = None  # when its headers went out (traced requests)

    def connected(self) -> None:
        """The connection is open: its handshake slot goes to the next (once)."""
        if self._release is not None:
            release, self._release = self._release, None
            release()

    async def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's `trace` extension: the request's headers going out (HTTP/1.1 or
        HTTP/2) mean TCP and TLS are done."""
        if event.endswith("send_request_headers.started"):
            self.sent_at = time.monotonic()
            self.connected()

    def latency(self, started: float, answered: float) -> float | None:
        """Seconds the host took to answer, a new connection's handshake left out (None:
        not known, the request was not traced)."""
        if not self.opens:
            return answered - started
        return answered - self.sent_at if self.sent_at is not None else None


@dataclass
class _Host:
    """One host's queue: its slots, its pace, its connections, and how much waits for it."""

    semaphore: _Slots
    pace: Pace
    concurrency: int
    least: int  # the configured concurrency: never fewer
    most: int  # never more (equal to `least` for a host given its own limits)
    latency: float | None = None  # seconds an answer takes, recently (None: no answer yet)
    active: int = 0  # requests past their turn (waiting for a global slot, or in flight)
    opened: int = 0  # connections the host's pool has, as far as we can tell
    pending: int = 0  # jobs and requests queued or running for this host
    pool: httpx.AsyncBaseTransport | None = None
    closing: set[asyncio.Task[None]] = field(default_factory=set)
    jobs: deque[_Job] = field(default_factory=deque)
    workers: int = 0


class Scheduler:
    """Per-host queues, connections and pace under one global limit; one per run."""

    def __init__(
        self,
        settings: Settings,
        *,
        pool_factory: Callable[[str, int], httpx.AsyncBaseTransport] | None = None,
        learned: Callable[[str], float | None] | None = None,
    ) -> None:
        self._settings = settings
        self._global = _Slots(settings.concurrency)
        self._handshakes = _Slots(HANDSHAKES)
        self._first_handshakes = _Slots(FIRST_HANDSHAKES)
        self._hosts: dict[str, _Host] = {}
        self._overrides: dict[str, tuple[int, float]] = {}
        self._learned = learned or (lambda host: None)
        self._remembered: set[str] = set()  # hosts whose pace came from an earlier run
        self._pool_factory = pool_factory
        self._workers: set[asyncio.Task[None]] = set()
        self._holding = False  # more work may come for any host: keep idle connections

    def configure(self, host: str, *, concurrency: int = 1, interval: float = 0.0) -> None:
        """Give `host` its own limits (e.g. the arXiv API: one request every 3 s)."""
        if self._overrides.get(host) == (concurrency, interval):
            return  # a second client of the same API (S2: two stages) keeps the host's pace
        self._overrides[host] = (concurrency, interval)
        old = self._hosts.get(host)
        if old is None or old.pending == 0:
            self._hosts.pop(host, None)

    def _host(self, host: str) -> _Host:
        state = self._hosts.get(host)
        if state is None:
            concurrency, interval = self._overrides.get(
                host, (self._settings.per_host_concurrency, self._settings.per_host_interval)
            )
            remembered = self._learned(host) if host not in self._overrides else None
            if remembered is not None:
                self._remembered.add(host)
            pace = Pace(floor=interval, interval=remembered or interval)
            # A host given its own limits (an API's terms) keeps them; others grow with latency.
            most = (
                concurrency
                if host in self._overrides
                else max(concurrency, min(MOST_CONNECTIONS, self._settings.concurrency))
            )
            state = self._hosts[host] = _Host(
                _Slots(concurrency), pace, concurrency, least=concurrency, most=most
            )
        return state

    def answered_after(self, host: str, seconds: float) -> None:
        """An answer from `host` took `seconds`: size its concurrency by Little's law."""
        state = self._host(host)
        previous = state.latency
        state.latency = (
            seconds if previous is None else previous + _LATENCY_WEIGHT * (seconds - previous)
        )
        if state.most == state.least or state.pace.interval <= 0:
            return  # fixed limits, or no pace to keep (requests go as fast as answers come)
        # In flight = rate x time in the system; +1 so a turn never waits for a free slot.
        wanted = math.ceil(state.latency / state.pace.interval) + 1
        concurrency = max(state.least, min(state.most, wanted))
        if concurrency == state.concurrency:
            return
        state.concurrency = concurrency
        state.semaphore.resize(concurrency)
        self._add_workers(state)

    def concurrency(self, host: str) -> int:
        """How many requests `host` may have in flight now."""
        return self._host(host).concurrency

    def critical(self, host: str) -> bool:
        """Whether `host` sets the run's length: the most work queued of any host (by its
        pace), at least CRITICAL_SECONDS of it."""
        state = self._hosts.get(host)
        if state is None or host in self._overrides:
            return False
        mine = len(state.jobs) * state.pace.interval
        if mine < CRITICAL_SECONDS:
            return False
        return all(len(other.jobs) * other.pace.interval <= mine for other in self._hosts.values())

    def pace(self, host: str) -> Pace:
        """The pace of `host` (to defer it, or to tell it about a refusal)."""
        return self._host(host).pace

    def learned_paces(self) -> dict[str, float]:
        """Seconds between requests for every host that taught us to go slower than configured,
        or that did in an earlier run (its pace may have recovered since).

        One refusal is a blip (a maintenance page), not a limit: it slows this run only.
        """
        return {
            name: h.pace.interval
            for name, h in self._hosts.items()
            if (h.pace.learned and h.pace.refusals > 1) or name in self._remembered
        }

    def submit(self, host: str, job: Callable[[], Awaitable[T]]) -> asyncio.Future[T]:
        """Queue `job` on `host`'s queue; at most the host's concurrency of its jobs run at once."""
        state = self._host(host)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        state.jobs.append((job, future))
        state.pending += 1
        self._add_workers(state)
        return future

    def _add_workers(self, state: _Host) -> None:
        # Up to the host's concurrency, and no more workers than jobs waiting for one.
        loop = asyncio.get_running_loop()
        for _ in range(min(state.concurrency - state.workers, len(state.jobs))):
            state.workers += 1
            worker = loop.create_task(self._work(state))
            self._workers.add(worker)
            worker.add_done_callback(self._workers.discard)

    async def _work(self, state: _Host) -> None:
        try:
            # A worker above a lowered concurrency stops after its job.
            while state.jobs and state.workers <= state.concurrency:
                job, future = state.jobs.popleft()
                try:
                    if future.done():  # cancelled while queued: nobody wants it any more
                        continue
                    result = await job()
                    if not future.done():
                        future.set_result(result)
                except asyncio.CancelledError:
                    future.cancel()
                    raise
                except Exception as exc:  # handed to whoever awaits the job, not swallowed
                    if not future.done():
                        future.set_exception(exc)
                finally:
                    self._done(state)
        finally:
            state.workers -= 1

    def hold(self) -> None:
        """Keep each host's connections when its queue empties, until `release`: while a
        list is still being parsed, a host's next links are on their way (closing and
        opening again cost a handshake each time)."""
        self._holding = True

    def release(self) -> None:
        """Close the connections of hosts with nothing queued, and do so from now on."""
        self._holding = False
        for state in self._hosts.values():
            if state.pending == 0:
                self._close(state)

    def _done(self, state: _Host) -> None:
        state.pending -= 1
        if state.pending == 0 and not self._holding:
            self._close(state)

    def _close(self, state: _Host) -> None:
        if state.pool is not None:
            # The host's queue is empty: close its idle connections now.
            pool, state.pool = state.pool, None
            state.opened = 0
            task = asyncio.get_running_loop().create_task(pool.aclose())
            state.closing.add(task)
            task.add_done_callback(state.closing.discard)

    @asynccontextmanager
    async def queued(self, host: str) -> AsyncIterator[None]:
        """Keep `host`'s connections open while this block runs (e.g. a fetch and its retries)."""
        state = self._host(host)
        state.pending += 1
        try:
            yield
        finally:
            self._done(state)

    @asynccontextmanager
    async def slot(self, host: str, *, urgent: bool = False) -> AsyncIterator[Turn]:
        """Hold one request slot for `host`: its semaphore, a handshake slot when it opens
        a connection (until `Turn.connected`, or the end of the block), its turn, then a
        global slot.

        `urgent` (an API call): first in line for the global slot, and not held back
        by the bound on handshakes. `Turn.opens` is True when the request is likely to
        open a new connection (its time then includes a handshake: not the host's latency).
        """
        async with self.queued(host):
            state = self._host(host)
            await state.semaphore.acquire()
            # More requests under way than the pool has connections: this one opens one.
            opens = not urgent and state.active >= state.opened
            handshakes = self._first_handshakes if state.opened == 0 else self._handshakes
            state.active += 1
            if opens:
                state.opened += 1
            try:
                if opens:
                    # Before the turn: a turn kept waiting here would go out late, right
                    # before the next one, faster than the pace.
                    await handshakes.acquire(len(state.jobs))
                turn = Turn(opens, handshakes.release if opens else None)
                try:
                    await state.pace.wait_turn()
                    await self._global.acquire(_URGENT if urgent else len(state.jobs))
                    try:
                        yield turn
                    finally:
                        self._global.release()
                finally:
                    turn.connected()  # if the request never got that far
            finally:
                state.active -= 1
                state.semaphore.release()

    def pool(self, host: str) -> httpx.AsyncBaseTransport:
        """The connection pool of `host`, opened on first use."""
        state = self._host(host)
        if state.pool is None:
            assert self._pool_factory is not None
            # Sized for the most the host may get: its concurrency may grow while the pool lives.
            state.pool = self._pool_factory(host, state.most)
        return state.pool

    async def aclose(self) -> None:
        """Stop the queued jobs and close every host's connections."""
        for worker in list(self._workers):
            worker.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        for state in self._hosts.values():
            for _, future in state.jobs:
                future.cancel()
            state.jobs.clear()
            if state.pool is not None:
                await state.pool.aclose()
                state.pool = None
            if state.closing:
                await asyncio.gather(*state.closing, return_exceptions=True)


class HostRouter(httpx.AsyncBaseTransport):
    """The client's transport: each request goes to its host's own pool in the scheduler."""

    def __init__(self, scheduler: Scheduler) -> None:
        self._scheduler = scheduler

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        port = request.url.port
        if port is not None and not 0 < port < 65536:
            # A redirect httpx follows (an API fetch) reaches here unchecked; the socket
            # layer would fail with an OverflowError inside an exception group.
            raise httpx.InvalidURL(f"port {port} out of range")
        host = request.url.netloc.decode("ascii").lower()
        return await self._scheduler.pool(host).handle_async_request(request)

    async def aclose(self) -> None:
        await self._scheduler.aclose()
