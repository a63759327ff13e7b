"""Stages beside the whole network phase: optional work that never lengthens a run.

A `beside_run` stage (the candidates stage: Semantic Scholar citations at one
request a second), or an API stage's optional part (`StageSpec.beside`: the
scholarly stage's title matches and Hugging Face lookups) starts with the run,
but sends nothing until the API stages that share a host with it are done:
their requests are on the run's critical path (the links stage waits for
them), its own are not, and on a host paced at one request a second every
request it sent first would delay theirs by a second. It then works while the
rest of the run goes on, and is told to stop (`ctx.stop`) when the rest is
done; a request still in flight then is abandoned, its paper asked again by a
later run. When nothing else runs (`--only candidates`, or `--only scholarly`
for its optional part) it is never told to stop.

It gets the catalog as parse and resolve made it; its changes are merged into
the run's result, then settled (its settle function sees every stage's data).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections import Counter
from collections.abc import Awaitable, Iterable
from typing import TypeVar

from pipeline.context import RunContext
from pipeline.merge import merge_catalogs
from pipeline.model import Catalog
from pipeline.net import host_of
from pipeline.stages.spec import Stage, StageSpec

__all__ = ["BesideRun", "requests_elsewhere", "run_waits", "unless_stopped"]

T = TypeVar("T")


@dataclasses.dataclass
class _Running:
    spec: StageSpec
    ctx: RunContext
    task: asyncio.Task[Catalog]


class BesideRun:
    """The run's beside stages, started at once; `finished(api)` as each API stage ends,
    `join(catalog)` when everything else is done."""

    def __init__(
        self,
        catalog: Catalog,
        ctx: RunContext,
        stages: Iterable[tuple[StageSpec, Stage]],
        apis: Iterable[StageSpec],
        *,
        others: set[str],
    ) -> None:
        """`apis`: the API stages running now; `others`: the run's network stages that are not
        beside stages. A beside stage with none but its own API stage to wait for (`--only
        candidates`, `--only scholarly`) is never told to stop: its work is the run's."""
        self._base = catalog
        self._ctx = ctx
        apis = list(apis)
        self._done = {api.name: asyncio.Event() for api in apis}
        self._stop = asyncio.Event()
        self._running: list[_Running] = []
        for spec, stage in stages:
            stop = self._stop if others - {spec.name} else None
            sub = dataclasses.replace(ctx, counters=Counter(), notes=[], stop=stop)
            mine = _hosts(spec, catalog, ctx)
            waits = [self._done[api.name] for api in apis if mine & _hosts(api, catalog, ctx)]
            task = asyncio.get_running_loop().create_task(self._run(stage, sub, waits))
            self._running.append(_Running(spec, sub, task))

    async def _run(self, stage: Stage, sub: RunContext, waits: list[asyncio.Event]) -> Catalog:
        for event in waits:
            await event.wait()
        return await stage(self._base, sub)

    def finished(self, api: str) -> None:
        """The API stage `api` is done: a beside stage sharing its hosts may start."""
        if api in self._done:
            self._done[api].set()

    async def join(self, catalog: Catalog) -> Catalog:
        """`catalog` (the rest of the run's result) with the beside stages' work, settled."""
        if not self._running:
            return catalog
        for event in self._done.values():
            event.set()  # an API stage that did not say so (an outage) is done all the same
        self._stop.set()
        results = await asyncio.gather(*(running.task for running in self._running))
        for running in self._running:
            for key, value in running.ctx.counters.items():
                if key.endswith("_remaining"):  # a reading (rate limit left): the lowest seen
                    self._ctx.counters[key] = min(self._ctx.counters.get(key, value), value)
                else:
                    self._ctx.counters[key] += value
            self._ctx.notes.extend(running.ctx.notes)
        catalog = merge_catalogs(self._base, [catalog, *results])
        for running in self._running:
            settle = running.spec.settler()
            catalog = settle(catalog) if settle is not None else catalog
        return catalog


def _hosts(spec: StageSpec, catalog: Catalog, ctx: RunContext) -> set[str]:
    return {host_of(url) for url in spec.api_urls(catalog, ctx.settings)}


async def unless_stopped(work: Awaitable[T], stop: asyncio.Event | None) -> T | None:
    """`work`'s result, or None when `stop` is set first (the work is then abandoned)."""
    if stop is None:
        return await work
    task = asyncio.ensure_future(work)
    stopped = asyncio.ensure_future(stop.wait())
    await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return None


def requests_elsewhere(ctx: RunContext, own: Iterable[str]) -> int:
    """Requests the run sent so far to other hosts than the URLs in `own`."""
    sent = ctx.net.counters
    return sent["requests"] - sum(sent[f"requests:{host}"] for host in {host_of(u) for u in own})


def run_waits(ctx: RunContext, own: Iterable[str]) -> bool:
    """True while optional work on the services at `own` (URLs) costs the run no time: the
    rest of it is not done, and it sent requests to other hosts (a run whose other answers
    all came from the cache sent none, and waits for nothing). With nothing else running
    (`--only`), the optional work is the run."""
    if ctx.stop is None:
        return True
    return not ctx.stop.is_set() and requests_elsewhere(ctx, own) > 0
