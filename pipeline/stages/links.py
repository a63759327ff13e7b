"""The links stage: the health of every URL the API stages did not already verify.

Each distinct normalized URL is checked once; verdicts carry history from the
previous catalog. When the network itself looks down (most hosts unreachable,
or the canary fails) the run is an outage: `ctx.outage` is set and every link
keeps exactly its previous health; nothing is judged, nothing reported dead.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from urllib.parse import urlsplit

from pipeline.context import RunContext
from pipeline.model import Catalog, Finding, Link, LinkHealth, Severity, Verdict
from pipeline.net import CONNECTION_LEVEL, Failure, NetClient, Probe, host_of, reach
from pipeline.stages.link_verdicts import is_outage, judge, merge_history
from pipeline.stages.resolve import URL_SYNTAX

__all__ = [
    "API_VERIFIERS",
    "check_links",
    "dead_as_checked",
    "is_badge",
    "links_summary",
    "needs_request",
]

API_VERIFIERS = frozenset({"arxiv-api", "github-api"})
_RECHECK_HOSTS = 3
# Judged before this stage: by an API, or by resolve from the URL's spelling (malformed).
_JUDGED_ELSEWHERE = API_VERIFIERS | {URL_SYNTAX}


def _api_verified(link: Link) -> bool:
    return link.health is not None and link.health.verified_by in _JUDGED_ELSEWHERE


def is_badge(link: Link, badge_hosts: list[str]) -> bool:
    """An image on a badge service: not requested (the service draws any path)."""
    if not link.image:
        return False
    try:
        host = (urlsplit(link.url).hostname or "").lower()
    except ValueError:  # a malformed URL is checked (and reported) like any other
        return False
    return host in badge_hosts


def _previous_health(catalog: Catalog, ctx: RunContext) -> dict[str, LinkHealth]:
    # Matched by normalized URL, else by the URL as written (normalization may have changed).
    if ctx.previous is None:
        return {}
    by_norm: dict[str, LinkHealth] = {}
    by_url: dict[str, LinkHealth] = {}
    for _, link in ctx.previous.iter_links():
        if link.health is not None:
            by_norm.setdefault(link.normalized_url, link.health)
            by_url.setdefault(link.url, link.health)
    found: dict[str, LinkHealth] = {}
    for _, link in catalog.iter_links():
        old = by_norm.get(link.normalized_url) or by_url.get(link.url)
        if old is not None:
            found.setdefault(link.normalized_url, old)
    return found


def needs_request(link: Link, badge_hosts: list[str]) -> bool:
    """Whether this stage requests `link`: not judged before it (by an API, or malformed),
    and not a badge image."""
    return not _api_verified(link) and not is_badge(link, badge_hosts)


def _targets(catalog: Catalog, badge_hosts: list[str]) -> dict[str, str]:
    # normalized URL -> the URL as first written (the one requested).
    targets: dict[str, str] = {}
    for _, link in catalog.iter_links():
        if needs_request(link, badge_hosts):
            targets.setdefault(link.normalized_url, link.url)
    return targets


def _with_health(catalog: Catalog, health: dict[str, LinkHealth]) -> Catalog:
    def updated(link: Link) -> Link:
        if _api_verified(link) or link.normalized_url not in health:
            return link
        return link.model_copy(update={"health": health[link.normalized_url]})

    return catalog.with_links(updated)


def _kept(
    targets: dict[str, str], previous: dict[str, LinkHealth], ctx: RunContext, why: str
) -> dict[str, LinkHealth]:
    placeholder = LinkHealth(verdict=Verdict.UNVERIFIED, detail=why, checked_at=ctx.now)
    return {norm: previous.get(norm, placeholder) for norm in targets}


async def _probe_all(net: NetClient, urls: list[str], ctx: RunContext) -> list[Probe]:
    done = 0
    total = len(urls)

    def advance(_: object) -> None:
        nonlocal done
        done += 1
        if ctx.progress is not None:
            ctx.progress("links", done, total)

    if ctx.progress is not None:
        ctx.progress("links", 0, total)
    # Queued on each host's queue as futures (no task per link: see net/scheduler.py).
    checks = net.start_probes(urls)
    for check in checks:
        check.add_done_callback(advance)
    return list(await asyncio.gather(*checks))


async def _recheck(net: NetClient, probes: dict[str, Probe], ctx: RunContext) -> dict[str, bool]:
    """Hosts that answered before (cached probes) tried again now, when this run has no answer.

    A warm run asks the network almost nothing: without this, whether an NXDOMAIN
    is "dead", or a few failures an "outage", would depend on what was cached.
    """
    values = probes.values()
    fresh_answer = any(p.answered and not p.from_cache for p in values)
    suspicious = any(p.failure in CONNECTION_LEVEL and not p.from_cache for p in values)
    if fresh_answer or not suspicious:
        return {}
    known = [p.url for p in values if p.from_cache and p.answered]
    hosts = list(dict.fromkeys(host_of(url) for url in known))[:_RECHECK_HOSTS]
    urls = [next(u for u in known if host_of(u) == host) for host in hosts]
    return {host: failure is None for host, failure in (await reach(urls, ctx.settings)).items()}


async def _canary_failed(net: NetClient, url: str | None) -> bool:
    if not url:
        return False
    probe = await net.probe(url)
    return probe.failure in CONNECTION_LEVEL or probe.status is None


def _scheme_findings(probes: dict[str, Probe]) -> list[Finding]:
    return [
        Finding(
            code="non-http-redirect",
            severity=Severity.WARNING,
            message=f"{probe.url} redirects to {probe.final_url}, which is not http or https",
            url=probe.url,
            hint="link the page directly, or drop the link",
        )
        for probe in probes.values()
        if probe.failure is Failure.BAD_SCHEME
    ]


# verdict -> (finding code, severity, hint); ok and unverified need no action.
_ACTION = {
    Verdict.DEAD: ("dead-link", Severity.ERROR, "remove the link or replace it with a live copy"),
    Verdict.MOVED: ("moved-link", Severity.WARNING, "link the new address: {final}"),
    Verdict.BLOCKED: ("blocked-link", Severity.INFO, "probably alive; the host refuses robots"),
}


def _health_findings(catalog: Catalog, judged: set[str]) -> list[Finding]:
    """A finding per link this stage judged dead, moved, blocked or long unreachable."""
    findings = []
    for key, link in catalog.iter_links():
        health = link.health
        if health is None or link.normalized_url not in judged or _api_verified(link):
            continue
        if health.verdict in _ACTION:
            code, severity, hint = _ACTION[health.verdict]
            detail = health.detail or health.verdict.value
        elif health.persistently_unreachable:
            code, severity = "persistently-unreachable", Severity.WARNING
            hint = f"unreachable for {health.consecutive_failures} runs; check it by hand"
            detail = health.detail
        else:
            continue
        where = f"{link.label} link" if key is not None else f"{link.label} (outside entries)"
        findings.append(
            Finding(
                code=code,
                severity=severity,
                message=f"{where}: {detail}",
                line=link.line,
                hint=hint.format(final=health.final_url or "?"),
                url=link.url,
                entry_key=key,
            )
        )
    return findings


def dead_as_checked(
    catalog: Catalog, ctx: RunContext, found: Callable[[Link, LinkHealth], None]
) -> Callable[[str, Probe], None]:
    """A listener for the run's link checks (`NetClient.on_checked`) that calls
    `found(link, health)` for each link whose own answer says it is dead (404, 410: nothing
    else in the run can change that), with the health this stage will give it, before the
    stage itself ends (the slowest page no longer holds up the work on dead links)."""
    links: dict[str, Link] = {}
    for _, link in catalog.iter_links():
        if needs_request(link, ctx.settings.badge_hosts):
            links.setdefault(link.url, link)
    previous = _previous_health(catalog, ctx)

    def checked(url: str, probe: Probe) -> None:
        link = links.get(url)
        # DNS is not trusted yet: a host that does not resolve is judged by the stage itself.
        verdict = judge(probe, dns_trusted=False, now=ctx.now)
        if link is None or verdict.verdict is not Verdict.DEAD:
            return
        health = merge_history(
            verdict,
            previous.get(link.normalized_url),
            now=ctx.now,
            persistent_after=ctx.settings.persistent_after_runs,
            same_observation=probe.from_cache,
        )
        found(link, health)

    return checked


async def check_links(catalog: Catalog, ctx: RunContext) -> Catalog:
    """Check every link not verified by an API stage; sets `ctx.outage` when the network is down."""
    targets = _targets(catalog, ctx.settings.badge_hosts)
    previous = _previous_health(catalog, ctx)
    if ctx.offline:
        return _with_health(catalog, _kept(targets, previous, ctx, "offline: not checked"))
    if ctx.outage:  # the runner found no host reachable: nothing to judge
        return _with_health(catalog, _kept(targets, previous, ctx, "network outage: not checked"))
    net: NetClient = ctx.net
    before = Counter(net.counters)
    canary_failed = await _canary_failed(net, ctx.settings.canary_url)
    urls = list(targets.values())
    probes = dict(zip(targets, await _probe_all(net, urls, ctx), strict=True))
    ctx.counters["requests:links"] += net.counters["requests"] - before["requests"]
    ctx.counters["cache_hits"] += net.counters["cache_hits"] - before["cache_hits"]
    reached = await _recheck(net, probes, ctx)
    threshold = ctx.settings.outage_threshold
    if canary_failed or is_outage(probes.values(), threshold=threshold, reached=reached):
        ctx.outage = True
        why = "canary unreachable" if canary_failed else "most hosts unreachable"
        ctx.notes.append(f"network outage ({why}): links not judged, previous health kept")
        return _with_health(catalog, _kept(targets, previous, ctx, "network outage: not checked"))
    # NXDOMAIN means "gone" only if DNS demonstrably worked for other hosts in this run:
    # an answer this run, or a host the cache knows reached again now (not the cache alone).
    dns_trusted = any(p.answered and not p.from_cache for p in probes.values()) or any(
        reached.values()
    )
    health = {
        norm: merge_history(
            judge(probe, dns_trusted=dns_trusted, now=ctx.now),
            previous.get(norm),
            now=ctx.now,
            persistent_after=ctx.settings.persistent_after_runs,
            same_observation=probe.from_cache,
        )
        for norm, probe in probes.items()
    }
    checked = _with_health(catalog, health)
    findings = [*_scheme_findings(probes), *_health_findings(checked, set(health))]
    if findings:
        checked = checked.model_copy(update={"findings": [*checked.findings, *findings]})
    return checked


def links_summary(catalog: Catalog, ctx: RunContext, seconds: float) -> str:
    """One line for the end of a run: URLs checked, each verdict, cache hits, requests, time."""
    verdicts: dict[str, Verdict] = {}
    badges: set[str] = set()
    for _, link in catalog.iter_links():
        if link.health is not None:
            verdicts.setdefault(link.normalized_url, link.health.verdict)
        elif is_badge(link, ctx.settings.badge_hosts):
            badges.add(link.normalized_url)
    counts = Counter(verdicts.values())
    parts = [f"{len(verdicts)} checked"] + [f"{counts[v]} {v.value}" for v in Verdict]
    if badges:
        parts.append(f"{len(badges)} badge images not requested (badge_hosts)")
    parts += [
        f"{ctx.counters['cache_hits']} cache hits",
        f"{ctx.counters['requests:links']} requests",
        f"{seconds:.1f} s",
    ]
    line = "links: " + ", ".join(parts)
    return line + " (OUTAGE: nothing judged)" if ctx.outage else line
