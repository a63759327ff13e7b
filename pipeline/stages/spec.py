"""What a network stage declares about itself, so the runner stays a loop over stages.

A stage is one package and one line in `pipeline.stages.registry`: its
package's `STAGE` says which API hosts it needs (tried before the run, to
tell an outage), which links an answer of it verifies (the links stage then
sends them no request), its cache lifetimes, what a run that skips it keeps
from the previous catalog, and
when it runs: beside the other API stages, after the links stage when it
needs link verdicts, or beside the whole run when its work is optional (it
then stops when the rest of the run is done, see pipeline/beside.py); an API
stage may leave its optional part to run beside the whole run (`beside`).
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from pipeline.config import Settings
from pipeline.context import EarlyStart, RunContext
from pipeline.model import Catalog, Link

__all__ = ["Stage", "StageSpec"]

Stage = Callable[[Catalog, RunContext], Awaitable[Catalog]]


def _no_urls(catalog: Catalog, settings: Settings) -> list[str]:
    return []


def _verifies_nothing(link: Link) -> bool:
    return False


def _no_ttls(settings: Settings) -> dict[str, float]:
    return {}


def _keeps_nothing(catalog: Catalog, previous: Catalog) -> Catalog:
    return catalog


@dataclass(frozen=True)
class StageSpec:
    """A network stage: its name, its function, and what the runner needs to know of it."""

    name: str
    run: str  # "module:function", an `async (catalog, ctx) -> catalog`, imported when it runs
    after_links: bool = False  # needs the links stage's verdicts
    # "module:function" `(catalog, ctx) -> None`: an after_links stage's start on the links
    # judged while the rest are still checked (its state in ctx.while_checked[name]).
    while_checked: str | None = None
    # Optional work that must never lengthen a run: starts once the API stages that share
    # its hosts are done, ends when the rest of the run is (ctx.stop).
    beside_run: bool = False
    settle: str | None = None  # "module:function" `(catalog) -> catalog`, once every API is done
    # "module:function", a Stage: an API stage's optional part, run beside the whole run (as
    # a beside_run stage) once the stage itself is done; settled with it.
    beside: str | None = None
    # "module:function" `(ctx) -> EarlyStart`: the stage's first requests, from the links of
    # the list's first parsed entries (its call then joins them), where its spacing sets the
    # run's length (arXiv's 3 s).
    start: str | None = None
    api_urls: Callable[[Catalog, Settings], list[str]] = _no_urls
    verifies: Callable[[Link], bool] = _verifies_nothing
    ttls: Callable[[Settings], dict[str, float]] = _no_ttls
    carry: Callable[[Catalog, Catalog], Catalog] = _keeps_nothing

    def load(self) -> Stage:
        """The stage function (its modules are imported only now: some are heavy)."""
        return _resolve(self.run)

    def besider(self) -> Stage | None:
        """The optional part run beside the whole run, if the stage has one."""
        return _resolve(self.beside) if self.beside else None

    def starter(self) -> Callable[[RunContext], EarlyStart] | None:
        """The function that starts the stage's first requests early, if it has one."""
        return _resolve(self.start) if self.start else None

    def checked_starter(self) -> Callable[[Catalog, RunContext], None] | None:
        """The start on links judged while the rest are checked, if the stage has one."""
        return _resolve(self.while_checked) if self.while_checked else None

    def settler(self) -> Callable[[Catalog], Catalog] | None:
        """The settle function, if the stage has one."""
        return _resolve(self.settle) if self.settle else None


def _resolve(target: str):  # type: ignore[no-untyped-def]
    module, _, function = target.partition(":")
    return getattr(importlib.import_module(module), function)
