"""GitHub stage: stars and health of every linked repository, batched, within rate limits.

With a token: GraphQL, `github_batch_size` repositories per query. Without: REST,
one conditional request per repository, within 60 an hour. Fresh answers come
from the cache (`github_ttl_hours`). When GitHub cannot answer (rate limit,
outage), every repository keeps its last-known values, marked stale, and no
star-history row is written for it: a missing answer is never zero stars and
never a dead repository.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline.context import RunContext
from pipeline.model import Catalog, FetchStatus, Link, LinkHealth, RepoRecord
from pipeline.outputs.stars import append_star_rows
from pipeline.stages.github.fetch import GitHubFetcher, Outcome, RepoOutcome
from pipeline.stages.github.health import link_health, repo_findings

__all__ = ["STARS_FILE", "fetch_github"]

STARS_FILE = "stars.csv"


def _kept(current: RepoRecord, old: RepoRecord | None) -> RepoRecord:
    """The last-known values, marked stale; unverified when there are none."""
    if old is None or old.repo_id is None:
        return current.model_copy(update={"status": FetchStatus.UNVERIFIED})
    return old.model_copy(
        update={
            "status": FetchStatus.STALE,
            "linked_as": current.linked_as,
            "proposed": current.proposed,
        }
    )


def _updated(current: RepoRecord, result: RepoOutcome | None, old: RepoRecord | None) -> RepoRecord:
    if result is None:
        return _kept(current, old)
    same = {"linked_as": current.linked_as, "proposed": current.proposed}
    if result.outcome is Outcome.OK and result.record is not None:
        return result.record.model_copy(update=same)
    if result.outcome is Outcome.NOT_FOUND:
        # Keep the identity (id, name) for history; the status says it is gone.
        base = old if old is not None else current
        return base.model_copy(update={"status": FetchStatus.NOT_FOUND, **same})
    return _kept(current, old)


def _with_health(
    catalog: Catalog,
    results: dict[str, RepoOutcome],
    now: datetime,
    old: dict[str, LinkHealth],
) -> Catalog:
    def updated(link: Link) -> Link:
        result = results.get(link.repo.lower()) if link.repo and not link.image else None
        if result is None:
            return link
        # The previous run's health carries the history (failures, last ok) forward.
        health = link_health(link.url, result, now, link.health or old.get(link.url))
        return link.model_copy(update={"health": health}) if health else link

    return catalog.with_links(updated)


def _previous_health(previous: Catalog | None) -> dict[str, LinkHealth]:
    if previous is None:
        return {}
    return {link.url: link.health for _, link in previous.iter_links() if link.health}


def _budget_note(fetcher: GitHubFetcher) -> str | None:
    rate = fetcher.rate
    if rate is None or rate.remaining is None:
        return None
    limit = rate.limit if rate.limit is not None else "?"
    reset = ""
    if rate.reset is not None:
        reset = f", resets {datetime.fromtimestamp(rate.reset, UTC):%H:%M} UTC"
    if fetcher.use_token:
        return f"GitHub: {rate.remaining}/{limit} of the hourly budget left{reset}"
    return (
        f"GitHub: no token, REST budget {rate.remaining}/{limit} left this hour{reset};"
        " set GITHUB_TOKEN for 5,000 an hour and batched GraphQL"
    )


async def fetch_github(catalog: Catalog, ctx: RunContext) -> Catalog:
    """Fetch every linked repository's metadata, add findings and link health, log stars."""
    previous = ctx.previous.repos if ctx.previous else {}
    if not catalog.repos:
        return catalog
    if ctx.offline:
        repos = {key: previous.get(key, rec) for key, rec in catalog.repos.items()}
        return catalog.model_copy(update={"repos": repos})
    fetcher = GitHubFetcher(ctx)
    names = [record.linked_as for record in catalog.repos.values()]
    by_name = await fetcher.fetch_all(names)
    results = {name.lower(): result for name, result in by_name.items()}
    repos = {
        key: _updated(record, results.get(key), previous.get(key))
        for key, record in catalog.repos.items()
    }
    # Star rows only for what GitHub answered this run (not a cache hit from an earlier one).
    answered = [
        repos[key]
        for key, result in results.items()
        if key in repos
        and result.outcome is Outcome.OK
        and not result.from_cache
        and not repos[key].proposed
    ]
    append_star_rows(ctx.settings.output_dir / STARS_FILE, answered, ctx.now)
    old_health = _previous_health(ctx.previous)
    checked = _with_health(catalog, results, ctx.now, old_health)
    findings = repo_findings(checked, results, ctx.now, ctx.settings.stale_after_days)
    failed = sum(
        1 for r in repos.values() if r.status in (FetchStatus.STALE, FetchStatus.UNVERIFIED)
    )
    ctx.notes.extend(fetcher.notes)
    if failed:
        ctx.notes.append(f"GitHub: {failed} of {len(repos)} repositories not verified this run")
    note = _budget_note(fetcher)
    if note:
        ctx.notes.append(note)
    return checked.model_copy(update={"repos": repos, "findings": [*catalog.findings, *findings]})
