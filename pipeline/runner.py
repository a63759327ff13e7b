"""The run: stages in data-flow order, what a skipped stage keeps, and the exit code.

                        ┌─► arxiv ─────┐
                        ├─► github ────┤
    parse ─► resolve ───┼─► scholarly ─┼─► archive ─► emit
                        └─► links ─────┘

The network stages (pipeline.stages.registry) run side by side over one
client, each within its hosts' limits: the API stages at once (their results
merged in stage order, see merge.py), and the link checks that no API answer
can spare start at once too. As each API stage ends, the links it could have
verified and did not are queued; repositories an API stage added (a code link
found for a paper) are checked by the GitHub stage; the links stage proper
runs when the APIs have answered, joining those checks, so the arXiv API's
3-second spacing delays nothing else. Stages that need link verdicts (the
archive lookup for dead links) run last. Optional work (the candidates stage's
citations, the scholarly stage's title matches and code lookups) runs beside
the whole phase and stops when the rest is done (beside.py), so it never makes
a run longer.

parse and resolve always run (they are cheap and everything keys on them).
A network stage that does not run this time (offline, `--skip`, or not in
`--only`) keeps the previous catalog's data for it (each stage declares what
that is), so no run replaces good data with nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import importlib
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import IntEnum
from pathlib import Path

from pipeline.beside import BesideRun, unless_stopped
from pipeline.config import Settings
from pipeline.context import RunContext
from pipeline.errors import ConfigError, RunInterrupted
from pipeline.files import run_lock, write_text_atomic
from pipeline.merge import merge_catalogs
from pipeline.model import Catalog, FetchStatus, Link, RunStats
from pipeline.net import CONNECTION_LEVEL, NetClient, host_of, open_client, reach
from pipeline.policy import policy_failures
from pipeline.progress import progress_reporter
from pipeline.stages.emit import catalog_text, read_catalog
from pipeline.stages.links import links_summary, needs_request
from pipeline.stages.parse import read_list
from pipeline.stages.registry import NETWORK_STAGES
from pipeline.stages.resolve import URL_SYNTAX
from pipeline.stages.spec import Stage
from pipeline.startup import build_catalog, stream_catalog

__all__ = ["STAGES", "ExitCode", "RunOutcome", "build_catalog", "refresh", "select_stages"]

_SPECS = {spec.name: spec for spec in NETWORK_STAGES}
_APIS = tuple(s.name for s in NETWORK_STAGES if not s.after_links and not s.beside_run)
_LATE = tuple(spec.name for spec in NETWORK_STAGES if spec.after_links)
_BESIDE = tuple(spec.name for spec in NETWORK_STAGES if spec.beside_run)  # see beside.py
STAGES = ("parse", "resolve", *_APIS, "links", *_LATE, *_BESIDE, "emit")
_NETWORK = frozenset(STAGES[2:-1])
_ALWAYS = frozenset({"parse", "resolve", "emit"})
_CANARY_LINK_HOSTS = 8  # the busiest link hosts tried before a run (with the API hosts)


def _network_stages(names: Iterable[str]) -> dict[str, Stage]:
    """The network stages of `names`, in run order, imported only when they run (the
    `arxiv` package and its dependencies alone hold 20 MB)."""
    wanted = set(names)
    stages: dict[str, Stage] = {}
    for name in STAGES:
        if name == "links" and name in wanted:
            stages[name] = importlib.import_module("pipeline.stages.links").check_links
        elif name in _SPECS and name in wanted:
            stages[name] = _SPECS[name].load()
    return stages


def _cache_lifetimes(settings: Settings) -> dict[str, float]:
    return {kind: ttl for spec in NETWORK_STAGES for kind, ttl in spec.ttls(settings).items()}


class ExitCode(IntEnum):
    """The CLI's contract with CI (DESIGN.md)."""

    OK = 0
    POLICY = 1  # the run found problems the policy (--fail-on) fails on
    USAGE = 2  # bad usage or unreadable input
    OUTAGE = 3  # the network was out: nothing judged, previous data kept
    INTERRUPTED = 130


@dataclass
class RunOutcome:
    """What a run produced and how it should end."""

    catalog: Catalog
    exit_code: ExitCode = ExitCode.OK
    messages: list[str] = field(default_factory=list)
    written: bool = True  # False when an outage left the previous catalog in place


def select_stages(only: Iterable[str] = (), skip: Iterable[str] = ()) -> list[str]:
    """The network stages to run, from `--only` and `--skip` (names checked)."""
    only, skip = list(only), list(skip)
    for name in [*only, *skip]:
        if name not in STAGES:
            raise ConfigError(
                f"unknown stage {name!r}; choose from {', '.join(STAGES)}", setting="stage"
            )
        if name in _ALWAYS and name in skip:
            raise ConfigError(f"stage {name!r} always runs and cannot be skipped", setting="skip")
    wanted = [s for s in STAGES if s not in _ALWAYS]
    if only:
        wanted = [s for s in wanted if s in only]
    return [s for s in wanted if s not in skip]


def _carry_over(catalog: Catalog, previous: Catalog | None, stages: set[str]) -> Catalog:
    """Keep the previous run's data for each stage in `stages` (those not run now)."""
    if previous is None or not stages:
        return catalog
    for spec in NETWORK_STAGES:
        if spec.name in stages:
            catalog = spec.carry(catalog, previous)
    if "links" in stages:
        old_health = {link.url: link.health for _, link in previous.iter_links() if link.health}
        catalog = catalog.with_links(
            lambda link: link.model_copy(update={"health": old_health.get(link.url, link.health)})
        )
    return catalog


def _canary_urls(catalog: Catalog, settings: Settings, names: list[str]) -> list[str]:
    """URLs to try before the stages: the API hosts of the stages that run, the busiest hosts."""
    urls = [
        url
        for spec in NETWORK_STAGES
        if spec.name in names and not spec.after_links
        for url in spec.api_urls(catalog, settings)
    ]
    if "links" in names:
        first: dict[str, str] = {}
        counts: Counter[str] = Counter()
        for _, link in catalog.iter_links():
            if link.health is None or link.health.verified_by != URL_SYNTAX:
                host = host_of(link.url)
                first.setdefault(host, link.url)
                counts[host] += 1
        urls += [first[host] for host, _ in counts.most_common(_CANARY_LINK_HOSTS)]
    return urls


async def _network_down(catalog: Catalog, ctx: RunContext, names: list[str]) -> str | None:
    """Why the network is out (no host the run needs can be reached), or None.

    One TCP connection per host, about two seconds in all: without it a run with
    no network found out stage by stage, each with its retries (17 s on the seed).
    """
    reached = await reach(_canary_urls(catalog, ctx.settings, names), ctx.settings)
    ctx.unreachable = frozenset(h for h, f in reached.items() if f in CONNECTION_LEVEL)
    if not reached or any(f is None or f not in CONNECTION_LEVEL for f in reached.values()):
        return None
    return ", ".join(f"{host} {failure.value}" for host, failure in reached.items() if failure)


async def _run_network(
    text: str, ctx: RunContext, stages: dict[str, Stage], not_run: set[str]
) -> Catalog:
    """Parse the list and run the network stages side by side over one client, with a
    progress bar on a terminal; the first link checks go out while the list is parsed."""
    apis = {name: stage for name, stage in stages.items() if name in _APIS}
    with progress_reporter(quiet=ctx.settings.quiet) as progress:
        ctx.progress = progress
        async with open_client(ctx.settings, _cache_lifetimes(ctx.settings)) as net:
            ctx.net = net
            # A host's next links may still be in the part of the list not yet parsed.
            net.hold_connections("links" in stages)
            # The API stages whose first call can go out from the first parsed entries (arXiv's
            # 3 s spacing sets a real list's length); each stage joins its own.
            ctx.started = {
                name: start(ctx) for name in apis if (start := _SPECS[name].starter()) is not None
            }
            try:
                catalog = await stream_catalog(
                    text,
                    ctx.settings,
                    ctx.now,
                    net if "links" in stages else None,
                    spared=lambda link: bool(_sparing_apis(link, set(apis))),
                    starts=list(ctx.started.values()),
                )
                catalog = _carry_over(catalog, ctx.previous, not_run)
                # The catalog lives through the whole network phase: without this the
                # collector walks its ~10^6 objects every few seconds (0.3 s pauses that
                # cost a paced host its turns).
                gc.freeze()
                try:
                    catalog = await _network_phase(catalog, ctx, stages, apis, net)
                finally:
                    gc.unfreeze()
            finally:
                for early in ctx.started.values():  # left by a stage that did not run
                    await early.aclose()
        ctx.notes.extend(net.cache.warnings)  # a cache not trusted, broken or given up
    return catalog


async def _network_phase(
    catalog: Catalog,
    ctx: RunContext,
    stages: dict[str, Stage],
    apis: dict[str, Stage],
    net: NetClient,
) -> Catalog:
    why = await _network_down(catalog, ctx, list(stages))
    if why is not None:
        # Nothing can be fetched: the API stages keep their last data, as if not run,
        # and the links stage keeps every link's last health (it sees ctx.outage).
        ctx.outage = True
        ctx.notes.append(f"network outage (nothing reachable: {why}): nothing fetched")
        catalog = _carry_over(
            catalog, ctx.previous, (set(_APIS) | set(_LATE) | set(_BESIDE)) & set(stages)
        )
        apis = {}
    elif "links" in stages:
        net.start_probes(_unaffected_by_apis(catalog, set(apis), ctx.settings.badge_hosts))
        for name in _LATE:
            start = _SPECS[name].checked_starter() if name in stages else None
            if start is not None:
                start(catalog, ctx)
    net.hold_connections(False)  # every link check the run knows of before the APIs is queued

    def probe_what_is_left(name: str, result: Catalog) -> None:
        # The links this API could have verified and did not: checked now, not
        # when the slowest API (arXiv's 3-second spacing) is done too.
        if "links" in stages and not ctx.outage:
            net.start_probes(_left_by(result, name, set(apis), ctx.settings.badge_hosts))
        beside.finished(name)

    beside = BesideRun(
        catalog,
        ctx,
        [(_SPECS[n], s) for n, s in stages.items() if n in _BESIDE and not ctx.outage]
        + [
            (_SPECS[n], _then_check_repos(part, apis))
            for n in apis
            if (part := _SPECS[n].besider()) is not None
        ],
        [_SPECS[name] for name in apis],
        others=set(stages) - set(_BESIDE),
    )
    try:
        catalog = await _side_by_side(catalog, ctx, apis, probe_what_is_left)
        catalog = await _check_added_repos(catalog, ctx, apis)
        for name in apis:
            settle = _SPECS[name].settler()
            catalog = settle(catalog) if settle is not None else catalog
        if "links" in stages:
            # Checks made while the APIs ran are the links stage's too.
            hits, sent = net.counters["probe:cache_hits"], net.counters["probe:requests"]
            catalog = await stages["links"](catalog, ctx)
            # Counted only when there were some: a run that sent nothing reports nothing.
            ctx.counters.update(+Counter({"cache_hits": hits, "requests:links": sent}))
        for name in _LATE:
            if name in stages and not ctx.outage:
                catalog = await stages[name](catalog, ctx)
    finally:
        for started in ctx.while_checked.values():
            started.cancel()  # an outage, or a Ctrl-C: what was started early is not wanted
    return await beside.join(catalog)


def _then_check_repos(part: Stage, apis: dict[str, Stage]) -> Stage:
    """An API stage's optional part (beside the run), then, if the run is still going, the
    GitHub check of the code it found: else only a later run could propose that code."""

    async def run(catalog: Catalog, ctx: RunContext) -> Catalog:
        found = await part(catalog, ctx)
        checked = await unless_stopped(_check_added_repos(found, ctx, apis), ctx.stop)
        if checked is not None:
            return checked
        # Not checked in time: left out here (an unchecked record would hide the API stages'
        # check of the same repo), proposed by a later run that reads the answer from the cache.
        return found.model_copy(
            update={"repos": {k: r for k, r in found.repos.items() if k in catalog.repos}}
        )

    return run


async def _check_added_repos(catalog: Catalog, ctx: RunContext, apis: dict[str, Stage]) -> Catalog:
    """Let the GitHub stage check the repositories another API stage added (found code),
    so that none is proposed before GitHub has said it exists and under which name."""
    added = {
        key: record
        for key, record in catalog.repos.items()
        if record.proposed and record.fetched_at is None
    }
    if "github" not in apis or not added or ctx.outage:
        return catalog
    # Its notes would repeat the first pass's (budget left); its counters are the run's.
    quiet = dataclasses.replace(ctx, notes=[])
    checked = await apis["github"](catalog.model_copy(update={"repos": added}), quiet)
    repos = {**catalog.repos, **{key: checked.repos.get(key, added[key]) for key in added}}
    found = sum(1 for key in added if repos[key].status is FetchStatus.OK)
    ctx.notes.append(f"GitHub: {found} of {len(added)} proposed code repositories exist")
    return catalog.model_copy(update={"repos": repos})


def _link_count(catalog: Catalog) -> int:
    return sum(1 for _ in catalog.iter_links())


async def _side_by_side(
    catalog: Catalog,
    ctx: RunContext,
    stages: dict[str, Stage],
    finished: Callable[[str, Catalog], None],
) -> Catalog:
    """Run `stages` at once on the same catalog; merge results, notes and counters in order.

    `finished(name, result)` is called as each stage ends, before the others have.
    """
    if len(stages) <= 1:
        for name, stage in stages.items():
            catalog = await stage(catalog, ctx)
            finished(name, catalog)
        return catalog
    own = [dataclasses.replace(ctx, counters=Counter(), notes=[]) for _ in stages]

    async def run(name: str, sub: RunContext) -> Catalog:
        result = await stages[name](catalog, sub)
        finished(name, result)
        return result

    results = await asyncio.gather(*(run(name, sub) for name, sub in zip(stages, own, strict=True)))
    for sub in own:
        ctx.counters.update(sub.counters)
        ctx.notes.extend(sub.notes)
        ctx.outage = ctx.outage or sub.outage
    return merge_catalogs(catalog, results)


def _sparing_apis(link: Link, apis: set[str]) -> set[str]:
    """The API stages (of `apis`) whose answer may verify `link`, sparing it a request."""
    return {name for name in apis if _SPECS[name].verifies(link)}


def _unaffected_by_apis(catalog: Catalog, apis: set[str], badge_hosts: list[str]) -> list[str]:
    """The URLs the links stage will request whatever the API stages answer (as it writes them)."""
    wanted: dict[str, str] = {}
    spared: set[str] = set()  # normalized URLs an API answer may verify
    for _, link in catalog.iter_links():
        if _sparing_apis(link, apis):
            spared.add(link.normalized_url)
        elif needs_request(link, badge_hosts):
            wanted.setdefault(link.normalized_url, link.url)
    return [url for norm, url in wanted.items() if norm not in spared]


def _left_by(result: Catalog, api: str, apis: set[str], badge_hosts: list[str]) -> list[str]:
    """The URLs only `api` could have spared, which its `result` left for the links stage."""
    left: dict[str, str] = {}
    for _, link in result.iter_links():
        if _sparing_apis(link, apis) == {api} and needs_request(link, badge_hosts):
            left.setdefault(link.normalized_url, link.url)
    return list(left.values())


@contextlib.contextmanager
def _interruptible() -> Iterator[None]:
    """Let Ctrl-C stop long synchronous work (reading, parsing) at once.

    asyncio.run turns SIGINT into a task cancellation, which lands only at the
    next await: a 5 MB list would be parsed to the end first. Nothing has been
    written yet, so the plain KeyboardInterrupt is safe here.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, handler)


async def _write_all(files: list[tuple[Path, str]]) -> None:
    """Write every output (each atomically); a Ctrl-C meanwhile is reported with what was written.

    The writes have no await, so a first Ctrl-C (a task cancellation) lands after the
    last one; a second one raises KeyboardInterrupt between or inside writes.
    """
    await asyncio.sleep(0)  # a Ctrl-C while rendering lands here: nothing written yet
    written: list[Path] = []
    try:
        for path, text in files:
            write_text_atomic(path, text)
            written.append(path)
    except KeyboardInterrupt:
        raise RunInterrupted(written, len(files)) from None
    try:
        await asyncio.sleep(0)
    except asyncio.CancelledError:
        raise RunInterrupted(written, len(files)) from None


async def refresh(
    settings: Settings,
    *,
    stages: Iterable[str] | None = None,
    fail_on: Iterable[str] = (),
) -> RunOutcome:
    """Run the stages over the list and write the catalog; never raises for a dead link."""
    started = time.monotonic()
    now = datetime.now(UTC).replace(microsecond=0)
    wanted = list(stages) if stages is not None else select_stages()
    with run_lock(settings.output_dir):
        with _interruptible():
            previous = read_catalog(settings.catalog_path)
            text = read_list(settings.input, settings.max_list_bytes)
        runnable = [] if settings.offline else [s for s in wanted if s in _NETWORK]
        not_run = {s for s in STAGES if s not in _ALWAYS} - set(runnable)
        ctx = RunContext(settings=settings, now=now, previous=previous)
        network = _network_stages(runnable)
        if network:
            # Parsed in chunks with the event loop running between them (Ctrl-C lands at
            # the next chunk); the first link checks go out meanwhile.
            catalog = await _run_network(text, ctx, network, not_run)
        else:
            with _interruptible():
                catalog = _carry_over(build_catalog(settings, now, text), previous, not_run)
        outcome = RunOutcome(catalog=catalog)
        if settings.offline:
            outcome.messages.append("offline: metadata and link health were not fetched")
        elif "links" in runnable:
            outcome.messages.append(links_summary(catalog, ctx, time.monotonic() - started))
        outcome.messages.extend(ctx.notes)
        if ctx.outage:
            outcome.exit_code = ExitCode.OUTAGE
        stats = RunStats(
            started_at=now,
            seconds=round(time.monotonic() - started, 3),
            requests={
                k.removeprefix("requests:"): v
                for k, v in ctx.counters.items()
                if k.startswith("requests:")
            },
            cache_hits=ctx.counters.get("cache_hits", 0),
            offline=settings.offline,
            outage=ctx.outage,
            stages=["parse", "resolve", *runnable, "emit"],
            rate_limit=(
                {"github": ctx.counters["github_rate_remaining"]}
                if "github_rate_remaining" in ctx.counters
                else {}
            ),
            # What the gate compares with: a list that lost most entries must not ship.
            previous_entries=len(previous.entries) if previous is not None else None,
            previous_links=_link_count(previous) if previous is not None else None,
        )
        outcome.catalog = catalog.model_copy(update={"stats": stats})
        # An offline run has no await before this point: let a pending Ctrl-C land first,
        # so "interrupted" really leaves the outputs as they were.
        await asyncio.sleep(0)
        if ctx.outage and previous is not None:
            # Nothing was judged: the committed catalog stays exactly as it was.
            outcome.catalog = previous
            outcome.written = False
            outcome.messages.append(f"{settings.catalog_path} left unchanged")
        else:
            # Imported only now: the report's modules are no part of the run's start-up.
            from pipeline.outputs import render_outputs

            files = [
                (settings.catalog_path, catalog_text(outcome.catalog)),
                *render_outputs(outcome.catalog, previous, settings),
            ]
            await _write_all(files)
    catalog = outcome.catalog
    verdicts = (link.health.verdict for _, link in catalog.iter_links() if link.health)
    failures = policy_failures(catalog.findings, verdicts, fail_on)
    if failures and outcome.exit_code is ExitCode.OK:
        outcome.exit_code = ExitCode.POLICY
        outcome.messages.append("policy failed: " + "; ".join(failures))
    return outcome
