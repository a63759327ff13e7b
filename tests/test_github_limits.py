"""Rate limits and failures: wait when short, stop when long, never dead, never a zero."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path

from pipeline.model import FetchStatus, RepoRecord
from tests.emulator import Emulator
from tests.emulator.github_api import HOST, FakeRepo, GitHubWorld, mount_github
from tests.github_support import catalog_for, codes, run_github, settings_for

URLS = ["https://github.com/Org/A", "https://github.com/Org/B", "https://github.com/Org/C"]


def _world(**switches) -> GitHubWorld:
    world = GitHubWorld(**switches)
    for index, name in enumerate("ABC"):
        world.add(FakeRepo(id=index + 1, full_name=f"Org/{name}", stars=10 * (index + 1)))
    return world


def _run(emulator: Emulator, tmp_path: Path, world: GitHubWorld, previous=None, **kw):
    mount_github(emulator, world)
    settings = settings_for(emulator, tmp_path, **kw)
    return asyncio.run(run_github(catalog_for(URLS), settings, previous))


def _previous() -> object:
    catalog = catalog_for(URLS)
    when = datetime(2026, 1, 2, tzinfo=UTC)
    repos = {
        key: RepoRecord(
            linked_as=rec.linked_as, status=FetchStatus.OK, repo_id=i + 1, stars=7, fetched_at=when
        )
        for i, (key, rec) in enumerate(catalog.repos.items())
    }
    return catalog.model_copy(update={"repos": repos})


def _assert_nothing_judged(catalog) -> None:
    assert codes(catalog) == []
    assert all(link.health is None for e in catalog.entries for link in e.links)


def test_primary_limit_with_distant_reset_stops_after_one_request(
    emulator: Emulator, tmp_path: Path
) -> None:
    world = _world(limit="primary", reset_in=3600)
    catalog, ctx = _run(emulator, tmp_path, world, token=False)
    assert len(emulator.requests_to(HOST)) == 1
    assert {r.status for r in catalog.repos.values()} == {FetchStatus.UNVERIFIED}
    _assert_nothing_judged(catalog)
    assert ctx.counters["github_rate_remaining"] == 0
    assert any("stopped calling" in note for note in ctx.notes)


def test_primary_limit_keeps_previous_values_as_stale(emulator: Emulator, tmp_path: Path) -> None:
    world = _world(limit="primary", limit_status=429)
    catalog, _ = _run(emulator, tmp_path, world, previous=_previous())
    record = catalog.repos["org/a"]
    assert (record.status, record.stars) == (FetchStatus.STALE, 7)
    assert record.fetched_at == datetime(2026, 1, 2, tzinfo=UTC)


def test_secondary_limit_without_retry_after_stops(emulator: Emulator, tmp_path: Path) -> None:
    world = _world(limit="secondary", limit_status=403)
    catalog, ctx = _run(emulator, tmp_path, world, token=False)
    assert len(emulator.requests_to(HOST)) == 1
    _assert_nothing_judged(catalog)
    assert any("rate limited" in note for note in ctx.notes)


def test_secondary_limit_with_short_retry_after_waits_and_succeeds(
    emulator: Emulator, tmp_path: Path
) -> None:
    world = _world(limit="secondary", limit_status=403, limit_retry_after="1", limit_count=1)
    started = time.monotonic()
    catalog, _ = _run(emulator, tmp_path, world, token=False)
    assert time.monotonic() - started >= 1.0
    assert {r.status for r in catalog.repos.values()} == {FetchStatus.OK}


def test_secondary_limit_with_long_retry_after_stops(emulator: Emulator, tmp_path: Path) -> None:
    world = _world(limit="secondary", limit_status=429, limit_retry_after="600")
    catalog, _ = _run(emulator, tmp_path, world)
    assert len(emulator.requests_to(HOST)) == 1
    _assert_nothing_judged(catalog)


def test_graphql_rate_limited_in_a_200_stops(emulator: Emulator, tmp_path: Path) -> None:
    world = _world(limit="graphql-rate-limited", reset_in=3600)
    catalog, ctx = _run(emulator, tmp_path, world)
    assert len(emulator.requests_to(HOST)) == 1
    assert {r.status for r in catalog.repos.values()} == {FetchStatus.UNVERIFIED}
    _assert_nothing_judged(catalog)
    assert any("RATE_LIMITED" in note for note in ctx.notes)


def test_graphql_rate_limited_with_near_reset_waits_and_retries(
    emulator: Emulator, tmp_path: Path
) -> None:
    world = _world(limit="graphql-rate-limited", reset_in=0, limit_count=1)
    catalog, _ = _run(emulator, tmp_path, world)
    assert len(emulator.requests_to(HOST)) == 2
    assert {r.status for r in catalog.repos.values()} == {FetchStatus.OK}


def test_rest_budget_running_out_mid_run_stops_there(emulator: Emulator, tmp_path: Path) -> None:
    world = _world(rest_limit=2)
    catalog, ctx = _run(emulator, tmp_path, world, token=False)
    statuses = [catalog.repos[k].status for k in ("org/a", "org/b", "org/c")]
    assert statuses == [FetchStatus.OK, FetchStatus.OK, FetchStatus.UNVERIFIED]
    # Remaining 0 with a distant reset: no third request is even sent.
    assert len(emulator.requests_to(HOST)) == 2
    assert ctx.counters["github_rate_remaining"] == 0


def test_github_failing_for_every_repo_keeps_everything(emulator: Emulator, tmp_path: Path) -> None:
    previous = _previous()
    world = _world(fail_status=502)
    catalog, ctx = _run(emulator, tmp_path, world, previous=previous)
    assert set(catalog.repos) == set(previous.repos)
    for key, record in catalog.repos.items():
        assert record.status is FetchStatus.STALE
        assert record.stars == previous.repos[key].stars
        assert record.fetched_at == previous.repos[key].fetched_at
    assert len(catalog.entries) == len(previous.entries)
    _assert_nothing_judged(catalog)
    assert not (tmp_path / "data" / "stars.csv").exists()
    assert any("3 of 3" in note for note in ctx.notes)


def test_github_unreachable_keeps_everything(emulator: Emulator, tmp_path: Path) -> None:
    previous = _previous()
    settings = settings_for(emulator, tmp_path, github_api_url="http://127.0.0.1:9")
    catalog, ctx = asyncio.run(run_github(catalog_for(URLS), settings, previous))
    assert {r.status for r in catalog.repos.values()} == {FetchStatus.STALE}
    assert not (tmp_path / "data" / "stars.csv").exists()
    # One unreachable answer stops the stage: one note, not one per repo.
    assert sum("connection-refused" in note for note in ctx.notes) == 1
