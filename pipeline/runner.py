"""The run: stages in data-flow order, what a skipped stage keeps, and the exit code.

    parse ─► resolve ─► arxiv ─► github ─► links ─► emit

parse and resolve always run (they are cheap and everything keys on them).
A network stage that does not run this time (offline, `--skip`, or not in
`--only`) keeps the previous catalog's data for it, so no run replaces good
data with nothing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import IntEnum

from pipeline.config import Settings
from pipeline.context import RunContext
from pipeline.errors import ConfigError
from pipeline.files import run_lock
from pipeline.model import Catalog, Entry, RepoRecord, RunStats, Severity, Verdict
from pipeline.net import open_client
from pipeline.outputs import write_outputs
from pipeline.progress import progress_reporter
from pipeline.stages.emit import read_catalog, write_catalog
from pipeline.stages.links import links_summary
from pipeline.stages.parse import parse_list, read_list
from pipeline.stages.resolve import resolve_entries, resolve_other_links

__all__ = ["STAGES", "ExitCode", "RunOutcome", "build_catalog", "refresh", "select_stages"]

Stage = Callable[[Catalog, RunContext], Awaitable[Catalog]]

STAGES = ("parse", "resolve", "arxiv", "github", "links", "emit")
_ALWAYS = frozenset({"parse", "resolve", "emit"})


def _network_stages() -> dict[str, Stage]:
    """The network stages by name, in run order; each module plugs in here."""
    from pipeline.stages.arxiv import fetch_arxiv
    from pipeline.stages.github import fetch_github
    from pipeline.stages.links import check_links

    return {"arxiv": fetch_arxiv, "github": fetch_github, "links": check_links}


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


def build_catalog(settings: Settings, now: datetime) -> Catalog:
    """Parse and resolve the list into a catalog with no fetched metadata."""
    parsed = parse_list(
        read_list(settings.input, settings.max_list_bytes), source=str(settings.input)
    )
    entries, duplicates = resolve_entries(parsed)
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
        findings=[*parsed.findings, *duplicates],
    )


def _carry_over(catalog: Catalog, previous: Catalog | None, stages: set[str]) -> Catalog:
    """Keep the previous run's data for each stage in `stages` (those not run now)."""
    if previous is None or not stages:
        return catalog
    old_entries = {entry.key: entry for entry in previous.entries}
    old_health = {link.url: link.health for _, link in previous.iter_links() if link.health}

    def carried(entry: Entry) -> Entry:
        old = old_entries.get(entry.key)
        if "arxiv" in stages and old is not None and old.arxiv is not None:
            return entry.model_copy(
                update={"arxiv": old.arxiv, "arxiv_id": entry.arxiv_id or old.arxiv_id}
            )
        return entry

    catalog = catalog.model_copy(update={"entries": [carried(e) for e in catalog.entries]})
    if "links" in stages:
        catalog = catalog.with_links(
            lambda link: link.model_copy(update={"health": old_health.get(link.url, link.health)})
        )
    if "github" in stages:
        repos = {key: previous.repos.get(key, record) for key, record in catalog.repos.items()}
        catalog = catalog.model_copy(update={"repos": repos})
    return catalog


async def _run_network(catalog: Catalog, ctx: RunContext, stages: list[Stage]) -> Catalog:
    """Run the network stages in order over one client, with a progress bar on a terminal."""
    if not stages:
        return catalog
    with progress_reporter(quiet=ctx.settings.quiet) as progress:
        ctx.progress = progress
        async with open_client(ctx.settings) as net:
            ctx.net = net
            for stage in stages:
                catalog = await stage(catalog, ctx)
    return catalog


def _policy_failures(catalog: Catalog, fail_on: set[str]) -> list[str]:
    failures = []
    verdicts = [link.health.verdict for _, link in catalog.iter_links() if link.health]
    for verdict in Verdict:
        count = verdicts.count(verdict)
        if verdict.value in fail_on and count:
            failures.append(f"{count} {verdict.value} link(s)")
    for severity in (Severity.ERROR, Severity.WARNING):
        count = sum(1 for f in catalog.findings if f.severity is severity)
        if severity.value in fail_on and count:
            failures.append(f"{count} finding(s) of severity {severity.value}")
    return failures


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
        previous = read_catalog(settings.catalog_path)
        catalog = build_catalog(settings, now)
        network = _network_stages()
        runnable = [] if settings.offline else [s for s in wanted if s in network]
        not_run = {s for s in STAGES if s not in _ALWAYS} - set(runnable)
        catalog = _carry_over(catalog, previous, not_run)
        ctx = RunContext(settings=settings, now=now, previous=previous)
        catalog = await _run_network(catalog, ctx, [network[name] for name in runnable])
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
            write_catalog(outcome.catalog, settings.catalog_path)
            write_outputs(outcome.catalog, previous, settings)
    failures = _policy_failures(outcome.catalog, set(fail_on))
    if failures and outcome.exit_code is ExitCode.OK:
        outcome.exit_code = ExitCode.POLICY
        outcome.messages.append("policy failed: " + "; ".join(failures))
    return outcome
