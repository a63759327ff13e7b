"""What every stage gets besides the catalog: settings, the previous run, the clock, the network."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from pipeline.config import Settings
from pipeline.model import Catalog, Link

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["EarlyStart", "RunContext"]


class EarlyStart(Protocol):
    """An API stage's first requests, sent from the links of the list's first parsed
    entries (spec.start): the stage itself takes it from `RunContext.started`."""

    url: str  # the API it asks: nothing is sent before a connection to it has opened

    def take(self, links: list[Link]) -> None:
        """The links of the entries parsed since the last call."""

    async def aclose(self) -> None:
        """Stop what is still under way (the stage did not run)."""


@dataclass
class RunContext:
    """Per-run state shared by the stages; created by the runner, never module-level.

    A network stage is written as `async def stage(catalog, ctx) -> Catalog`:
    it reads `ctx.previous` for history and last-known values, uses `ctx.net`
    (None when offline: the stage then keeps what it has and marks it not
    fetched), and adds to `ctx.counters` ("requests:arxiv", "cache_hits", ...).
    """

    settings: Settings
    now: datetime
    previous: Catalog | None = None
    net: Any = None  # pipeline.net client for this run; None when offline
    counters: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)  # one-line messages for the summary
    progress: Callable[[str, int, int], None] | None = None  # (task, done, total)
    outage: bool = False  # set by the links stage: the network was down, nothing judged
    # API hosts the pre-run check could not connect to: their stages ask nothing this run.
    unreachable: frozenset[str] = frozenset()
    # Set when a stage that runs beside the whole run (spec.beside_run) must end its optional
    # work: the rest of the run is done. None: nothing else runs, no need to stop early.
    stop: asyncio.Event | None = None
    # Stage name -> its requests started while the list was parsed, for the stage to join.
    started: dict[str, EarlyStart] = field(default_factory=dict)
    # Stage name -> what a stage that needs the links' verdicts started on those judged while
    # the rest were checked (StageSpec.while_checked); its `cancel()` is called at the end.
    while_checked: dict[str, Any] = field(default_factory=dict)

    def reachable(self, url: str) -> bool:
        """False when the pre-run check could not connect to `url`'s host."""
        from pipeline.net import host_of

        return host_of(url) not in self.unreachable

    @property
    def offline(self) -> bool:
        """True when this run must not touch the network."""
        return self.settings.offline or self.net is None
