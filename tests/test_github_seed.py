"""The seed list end to end on the emulated GitHub: request counts, cache, token hygiene."""

from __future__ import annotations

import asyncio
import logging
import math
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.config import Settings
from pipeline.model import FetchStatus, Verdict
from pipeline.runner import build_catalog
from pipeline.stages.emit import write_catalog
from tests.emulator import Emulator
from tests.emulator.github_api import HOST, mount_github, seed_world
from tests.github_support import TOKEN, run_github, settings_for

SEED = Path(__file__).resolve().parents[1] / "data" / "awesome-list.md"


def _seed_catalog():
    return build_catalog(Settings(input=SEED), datetime.now(UTC))


def test_seed_world_roles_are_repos_the_catalog_links() -> None:
    roles = seed_world(SEED).roles
    assert set(roles) == {"renamed", "deleted", "archived", "placeholder", "stale"}
    assert {name.lower() for name in roles.values()} <= set(_seed_catalog().repos)


def test_seed_with_token_is_one_graphql_request_per_50(emulator: Emulator, tmp_path: Path) -> None:
    world = seed_world(SEED)
    mount_github(emulator, world)
    catalog = _seed_catalog()
    result, ctx = asyncio.run(run_github(catalog, settings_for(emulator, tmp_path)))
    requests = emulator.requests_to(HOST)
    assert len(requests) == math.ceil(len(catalog.repos) / 50)
    assert {r.path for r in requests} == {"/graphql"}
    assert ctx.counters["requests:github"] == len(requests)
    by_code = {f.code: f for f in result.findings if f.code.startswith("repo-")}
    roles = world.roles
    assert roles["renamed"] in by_code["repo-moved"].message
    assert roles["deleted"] in by_code["repo-dead"].message
    assert roles["archived"] in by_code["repo-archived"].message
    assert roles["placeholder"] in by_code["repo-placeholder"].message
    assert roles["stale"] in by_code["repo-stale"].message
    ok = [r for r in result.repos.values() if r.status is FetchStatus.OK]
    assert len(ok) == len(catalog.repos) - 1  # all but the deleted one


def test_seed_without_token_is_one_rest_request_per_repo(
    emulator: Emulator, tmp_path: Path
) -> None:
    mount_github(emulator, seed_world(SEED))
    catalog = _seed_catalog()
    asyncio.run(run_github(catalog, settings_for(emulator, tmp_path, token=False)))
    paths = [r.path for r in emulator.requests_to(HOST)]
    repo_calls = [p for p in paths if p.startswith("/repos/")]
    assert len(repo_calls) == len(catalog.repos)
    assert len(set(p.lower() for p in repo_calls)) == len(catalog.repos)
    # The renamed repo costs one more: the 301's Location, /repositories/{id}.
    assert len(paths) == len(catalog.repos) + 1


def test_second_run_inside_the_ttl_makes_no_request(emulator: Emulator, tmp_path: Path) -> None:
    mount_github(emulator, seed_world(SEED))
    settings = settings_for(emulator, tmp_path, token=False)
    first, _ = asyncio.run(run_github(_seed_catalog(), settings))
    count = len(emulator.requests_to(HOST))
    second, ctx = asyncio.run(run_github(_seed_catalog(), settings, previous=first))
    assert len(emulator.requests_to(HOST)) == count
    assert ctx.counters["cache_hits"] == len(second.repos)
    assert second.repos == first.repos
    assert second.findings == first.findings


def test_stale_cache_revalidates_with_etag_and_304(emulator: Emulator, tmp_path: Path) -> None:
    mount_github(emulator, seed_world(SEED))
    settings = settings_for(emulator, tmp_path, token=False, github_ttl_hours=0)
    asyncio.run(run_github(_seed_catalog(), settings))
    emulator.requests.clear()
    second, _ = asyncio.run(run_github(_seed_catalog(), settings))
    first_repo = emulator.requests_to(HOST)[0]
    assert "if-none-match" in first_repo.headers
    assert second.repos[first_repo.path.removeprefix("/repos/").lower()].status is FetchStatus.OK


def test_links_of_answered_repos_need_no_page_request(emulator: Emulator, tmp_path: Path) -> None:
    mount_github(emulator, seed_world(SEED))
    result, _ = asyncio.run(run_github(_seed_catalog(), settings_for(emulator, tmp_path)))
    verdicts = {
        link.health.verdict
        for entry in result.entries
        for link in entry.links
        if link.health and link.health.verified_by == "github-api"
    }
    assert verdicts == {Verdict.OK, Verdict.MOVED, Verdict.DEAD}


@pytest.mark.parametrize("refused", [False, True], ids=["graphql", "refused-then-rest"])
def test_token_appears_in_no_output_log_or_cache(
    emulator: Emulator,
    tmp_path: Path,
    refused: bool,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    world = seed_world(SEED)
    world.limit, world.limit_count = "secondary", 1  # an error path too
    world.limit_retry_after = "0"
    if refused:  # a 401 to the token, then REST: the token is still in the settings
        world.token = "another-token"
    mount_github(emulator, world)
    settings = settings_for(emulator, tmp_path)
    result, ctx = asyncio.run(run_github(_seed_catalog(), settings))
    write_catalog(result, settings.catalog_path)
    out, err = capfd.readouterr()
    texts = [out, err, caplog.text, "\n".join(ctx.notes), repr(settings), str(settings)]
    assert all(TOKEN not in text for text in texts)
    files = [
        p for d in (tmp_path / "data", tmp_path / "cache") for p in d.rglob("*") if p.is_file()
    ]
    assert any(p.name == "stars.csv" for p in files) and any(
        p.name == "catalog.json" for p in files
    )
    for path in files:
        assert TOKEN.encode() not in path.read_bytes(), path
    sent = [r.headers.get("authorization", "") for r in emulator.requests_to(HOST)]
    assert any(TOKEN in value for value in sent)  # it was used, only on the wire
