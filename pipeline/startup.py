"""The run's start: the list into a catalog, with the first link checks sent while the
rest of it is still being parsed.

A 10,000-entry list takes seconds to parse and resolve, and a run that waited for
all of it sent its first request 3.5 s after it started (lychee's goes at 0.1 s).
Here the parse goes a chunk of blocks at a time (`parse_steps`), then resolve
(`resolve_steps`), and the event loop runs between chunks. After each chunk, the
links of the entries completed so far whose check no API answer of this run can
spare are queued on their hosts (`start_probes`): the runner queues the same URLs
again after the parse, which joins the checks already under way (one check per
URL a run).

What is sent early is what the runner would send anyway: entries' links as the
links stage decides them (not malformed, no arXiv id or repository that an API
stage of the run may verify), each normalized URL once, in the spelling of its
first entry (the links stage requests the first spelling, entries before other
links; those are only known at the end, and wait for it). Nothing goes out
before one TCP connection to the busiest hosts read so far has opened: with no
network, the runner's own check says "outage" before any request, as before.

An API stage whose spacing sets a real list's length (arXiv: 3 s between calls)
gets the same head start (`EarlyStart`, spec.start): the links read so far,
once a connection to its API has opened, and its first call goes out while the
list is parsed; the stage joins it when it runs.
"""

from __future__ import annotations

import asyncio
import gc
from collections import Counter
from collections.abc import Awaitable, Callable, Generator, Sequence
from datetime import datetime
from typing import TypeVar

from pipeline.config import Settings
from pipeline.context import EarlyStart
from pipeline.model import Catalog, Entry, Finding, Link, ParsedList, RawLink, RepoRecord
from pipeline.net import NetClient, host_of, reach
from pipeline.stages.parse import parse_list, read_list
from pipeline.stages.parse.stage import parse_steps
from pipeline.stages.resolve import (
    malformed_url_findings,
    resolve_entries,
    resolve_link,
    resolve_other_links,
    resolve_steps,
)

__all__ = ["build_catalog", "stream_catalog"]

_CANARIES = 8  # the busiest hosts read so far, tried before the first check goes out
_NO_FULL_COLLECTION = 1 << 30  # young-generation passes before a full one: never, here
_Y = TypeVar("_Y")
_R = TypeVar("_R")


def build_catalog(settings: Settings, now: datetime, text: str | None = None) -> Catalog:
    """Parse and resolve the list (`text`, else read from it) into a catalog with no
    fetched metadata."""
    if text is None:
        text = read_list(settings.input, settings.max_list_bytes)
    parsed = parse_list(text, source=str(settings.input))
    return _catalog(parsed, resolve_entries(parsed), settings, now)


async def stream_catalog(
    text: str,
    settings: Settings,
    now: datetime,
    net: NetClient | None,
    spared: Callable[[Link], bool],
    starts: Sequence[EarlyStart] = (),
) -> Catalog:
    """`build_catalog` of `text`, letting the event loop run between chunks; with `net`,
    the checks of links read so far that `spared` (an API answer) cannot spare start now,
    and `starts` (API stages' first requests) are handed the links read so far."""
    early = _EarlyChecks(net, settings, spared, starts) if net is not None or starts else None
    thresholds = gc.get_threshold()
    # No full collection while the list's ~10^6 objects are made (each walked them all,
    # 0.3 s in which no check went out); the young ones still go, so the garbage of the
    # checks under way meanwhile is freed. The runner keeps the catalog frozen after.
    gc.set_threshold(thresholds[0], thresholds[1], _NO_FULL_COLLECTION)
    try:
        steps = parse_steps(text, source=str(settings.input), pause_collector=False)
        parsed = await _stepped(steps, early.take if early else None)
        resolved = await _stepped(resolve_steps(parsed), None)
        catalog = _catalog(parsed, resolved, settings, now)
        gc.freeze()
        return catalog
    finally:
        if early is not None:
            early.close()
        gc.set_threshold(*thresholds)


async def _stepped(
    steps: Generator[_Y, None, _R], each: Callable[[_Y], Awaitable[None]] | None
) -> _R:
    """Run `steps` to its end, handing each step to `each` (else the event loop a turn)."""
    try:
        while True:
            try:
                step = next(steps)
            except StopIteration as done:
                return done.value
            await (each(step) if each is not None else asyncio.sleep(0))
    finally:
        steps.close()


def _catalog(
    parsed: ParsedList,
    resolved: tuple[list[Entry], list[Finding]],
    settings: Settings,
    now: datetime,
) -> Catalog:
    entries, duplicates = resolved
    others = resolve_other_links(parsed)
    linked = [repo for entry in entries for repo in entry.repos]
    linked += [link.repo for link in others if link.repo and not link.image]
    repos = {repo.lower(): RepoRecord(linked_as=repo) for repo in linked}
    return Catalog(
        generated_at=now,
        source=str(settings.input),
        entries=entries,
        other_links=others,
        repos=repos,
        findings=[
            *parsed.findings,
            *duplicates,
            *malformed_url_findings((None, link) for link in others),
        ],
    )


class _EarlyChecks:
    """The link checks, and API stages' first requests, that start while the list is
    still being parsed."""

    def __init__(
        self,
        net: NetClient | None,
        settings: Settings,
        spared: Callable[[Link], bool],
        starts: Sequence[EarlyStart],
    ) -> None:
        self.net = net  # None: no link checks (the links stage does not run)
        self.settings = settings
        self.spared = spared
        self.starts = list(starts)
        self.ready: list[EarlyStart] = []  # the starts whose API host was reached
        self.queued: set[str] = set()  # normalized URLs sent or waiting
        self.waiting: list[str] = []
        self.links: list[Link] = []  # read, not yet handed to the starts
        self.network: bool | None = None  # None until a connection has been tried
        self.trying: asyncio.Task[None] | None = None

    async def take(self, links: list[RawLink]) -> None:
        """Queue the checks of `links`, once the network has shown it is there: the parse
        waits for that answer (the connections' threads, and the first requests, would
        wait for the parse otherwise: 0.7 s now and then)."""
        resolved = [resolve_link(link) for link in links]
        if self.net is not None:
            self.waiting += [
                url
                for raw, link in zip(links, resolved, strict=True)
                if (url := self._url(raw, link))
            ]
        if self.starts:
            self.links += resolved
        if self.network:
            self._send()
        elif self.network is None and self.trying is None and (self.waiting or self.links):
            self.trying = asyncio.ensure_future(self._try(self._canaries()))
        if self.trying is not None and not self.trying.done():
            await asyncio.wait({self.trying})
        else:
            await asyncio.sleep(0)

    def close(self) -> None:
        """Send nothing more: the runner takes over (and decides on an outage itself)."""
        self.network = False
        if self.trying is not None:
            self.trying.cancel()

    def _url(self, raw: RawLink, resolved: Link) -> str | None:
        if resolved.health is not None or self.spared(resolved):
            return None  # malformed (judged by its spelling), or an API may verify it
        if resolved.normalized_url in self.queued:
            return None
        self.queued.add(resolved.normalized_url)
        return raw.url

    def _canaries(self) -> list[str]:
        first: dict[str, str] = {}
        for url in self.waiting:
            first.setdefault(host_of(url), url)
        counts = Counter(host_of(url) for url in self.waiting)
        busiest = [first[host] for host, _ in counts.most_common(_CANARIES)]
        return busiest + [start.url for start in self.starts]

    async def _try(self, urls: list[str]) -> None:
        reached = await reach(urls, self.settings)
        if self.network is None:
            self.network = any(failure is None for failure in reached.values())
            # An API is asked early only when its own host answered (else its stage finds out).
            self.ready = [
                s
                for s in self.starts
                if host_of(s.url) in reached and reached[host_of(s.url)] is None
            ]
            if self.network:
                self._send()

    def _send(self) -> None:
        waiting, self.waiting = self.waiting, []
        if self.net is not None and waiting:
            self.net.start_probes(waiting)
        links, self.links = self.links, []
        for start in self.ready:
            start.take(links)
