"""The GitHub stage against the emulated API: records, findings, link health."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from pipeline.model import FetchStatus, Severity, Verdict
from tests.emulator import Emulator
from tests.emulator.github_api import HOST, FakeRepo, GitHubWorld, mount_github
from tests.github_support import catalog_for, codes, run_github, settings_for


def _world(*repos: FakeRepo) -> GitHubWorld:
    world = GitHubWorld()
    for repo in repos:
        world.add(repo)
    return world


def _run(emulator: Emulator, tmp_path: Path, world: GitHubWorld, urls: list[str], **kw):
    api = mount_github(emulator, world)
    settings = settings_for(emulator, tmp_path, **kw)
    catalog, ctx = asyncio.run(run_github(catalog_for(urls), settings))
    return catalog, ctx, api


def test_graphql_fills_the_record(emulator: Emulator, tmp_path: Path) -> None:
    world = _world(FakeRepo(id=7, full_name="Org/Tool", stars=321, forks=9, topics=["seg"]))
    catalog, _, _ = _run(emulator, tmp_path, world, ["https://github.com/Org/Tool"])
    record = catalog.repos["org/tool"]
    assert record.status is FetchStatus.OK
    assert (record.repo_id, record.full_name, record.stars, record.forks) == (7, "Org/Tool", 321, 9)
    assert record.topics == ["seg"] and record.license == "MIT" and record.language == "Python"
    assert record.last_commit_at is not None and record.fetched_at is not None
    assert codes(catalog) == []


def test_rest_fills_the_record_without_last_commit(emulator: Emulator, tmp_path: Path) -> None:
    world = _world(FakeRepo(id=7, full_name="Org/Tool", stars=321))
    catalog, _, _ = _run(emulator, tmp_path, world, ["https://github.com/Org/Tool"], token=False)
    record = catalog.repos["org/tool"]
    assert (record.status, record.repo_id, record.stars) == (FetchStatus.OK, 7, 321)
    assert record.last_commit_at is None


def test_plain_repo_link_gets_api_health(emulator: Emulator, tmp_path: Path) -> None:
    world = _world(FakeRepo(id=7, full_name="Org/Tool"))
    catalog, _, _ = _run(emulator, tmp_path, world, ["https://github.com/Org/Tool/?tab=readme"])
    health = catalog.entries[0].links[0].health
    assert health is not None
    assert (health.verdict, health.verified_by) == (Verdict.OK, "github-api")


def test_tree_link_in_live_repo_is_left_to_the_links_stage(
    emulator: Emulator, tmp_path: Path
) -> None:
    world = _world(FakeRepo(id=7, full_name="Org/Tool"))
    catalog, _, _ = _run(emulator, tmp_path, world, ["https://github.com/Org/Tool/tree/main/x"])
    assert catalog.entries[0].links[0].health is None


def test_renamed_repo_is_moved_with_new_url_graphql(emulator: Emulator, tmp_path: Path) -> None:
    world = _world(FakeRepo(id=7, full_name="NewOrg/Tool2"))
    world.renamed["org/tool"] = 7
    catalog, _, _ = _run(emulator, tmp_path, world, ["https://github.com/Org/Tool"])
    finding = catalog.findings[0]
    assert (finding.code, finding.severity) == ("repo-moved", Severity.WARNING)
    assert "https://github.com/NewOrg/Tool2" in finding.hint
    assert (finding.line, finding.entry_key) == (1, "e0")
    health = catalog.entries[0].links[0].health
    assert health is not None and health.verdict is Verdict.MOVED
    assert health.final_url == "https://github.com/NewOrg/Tool2"


def test_renamed_repo_rest_follows_301_to_repositories_id(
    emulator: Emulator, tmp_path: Path
) -> None:
    world = _world(FakeRepo(id=7, full_name="NewOrg/Tool2"))
    world.renamed["org/tool"] = 7
    catalog, _, _ = _run(emulator, tmp_path, world, ["https://github.com/Org/Tool"], token=False)
    paths = [r.path for r in emulator.requests_to(HOST)]
    assert paths == ["/repos/Org/Tool", "/repositories/7"]
    assert codes(catalog) == ["repo-moved"]
    assert catalog.repos["org/tool"].full_name == "NewOrg/Tool2"


def test_case_only_difference_is_not_a_move(emulator: Emulator, tmp_path: Path) -> None:
    world = _world(FakeRepo(id=7, full_name="Org/Tool"))
    catalog, _, _ = _run(emulator, tmp_path, world, ["https://github.com/org/tool"])
    assert codes(catalog) == []


def test_deleted_repo_is_dead_graphql(emulator: Emulator, tmp_path: Path) -> None:
    world = _world(FakeRepo(id=7, full_name="Org/Live"))
    urls = ["https://github.com/Org/Live", "https://github.com/Org/Gone"]
    catalog, _, _ = _run(emulator, tmp_path, world, urls)
    assert codes(catalog) == ["repo-dead"]
    assert catalog.findings[0].severity is Severity.ERROR
    assert catalog.repos["org/gone"].status is FetchStatus.NOT_FOUND
    health = catalog.entries[1].links[0].health
    assert health is not None and (health.verdict, health.verified_by) == (
        Verdict.DEAD,
        "github-api",
    )


def test_deleted_repo_is_dead_rest(emulator: Emulator, tmp_path: Path) -> None:
    catalog, _, _ = _run(emulator, tmp_path, _world(), ["https://github.com/Org/Gone"], token=False)
    assert codes(catalog) == ["repo-dead"]


def test_tree_link_in_deleted_repo_is_dead(emulator: Emulator, tmp_path: Path) -> None:
    catalog, _, _ = _run(emulator, tmp_path, _world(), ["https://github.com/Org/Gone/tree/main"])
    health = catalog.entries[0].links[0].health
    assert health is not None and health.verdict is Verdict.DEAD


def test_dmca_blocked_repo_rest(emulator: Emulator, tmp_path: Path) -> None:
    world = _world()
    world.blocked.add("org/taken")
    catalog, _, _ = _run(emulator, tmp_path, world, ["https://github.com/Org/Taken"], token=False)
    assert codes(catalog) == ["repo-blocked"]
    health = catalog.entries[0].links[0].health
    assert health is not None and health.verdict is Verdict.BLOCKED
    assert catalog.repos["org/taken"].status is FetchStatus.UNVERIFIED


def test_blocked_repo_graphql(emulator: Emulator, tmp_path: Path) -> None:
    world = _world()
    world.blocked.add("org/taken")
    catalog, _, _ = _run(emulator, tmp_path, world, ["https://github.com/Org/Taken"])
    assert codes(catalog) == ["repo-blocked"]


def test_archived_repo(emulator: Emulator, tmp_path: Path) -> None:
    world = _world(
        FakeRepo(id=7, full_name="Org/Old", archived=True, pushed_at="2020-01-01T00:00:00Z")
    )
    catalog, _, _ = _run(emulator, tmp_path, world, ["https://github.com/Org/Old"])
    assert codes(catalog) == ["repo-archived"]  # archived, so not also "stale"


def test_disabled_repo(emulator: Emulator, tmp_path: Path) -> None:
    world = _world(FakeRepo(id=7, full_name="Org/Off", disabled=True))
    catalog, _, _ = _run(emulator, tmp_path, world, ["https://github.com/Org/Off"])
    assert codes(catalog) == ["repo-disabled"]


def test_empty_repo_is_a_placeholder(emulator: Emulator, tmp_path: Path) -> None:
    world = _world(FakeRepo(id=7, full_name="Org/Soon", default_branch=None))
    catalog, _, _ = _run(emulator, tmp_path, world, ["https://github.com/Org/Soon"])
    assert codes(catalog) == ["repo-placeholder"]


def test_coming_soon_readme_only_repo_is_a_placeholder_rest(
    emulator: Emulator, tmp_path: Path
) -> None:
    repo = FakeRepo(id=7, full_name="Org/Soon", description="Code coming soon!", size_kb=6)
    catalog, _, _ = _run(
        emulator, tmp_path, _world(repo), ["https://github.com/Org/Soon"], token=False
    )
    assert codes(catalog) == ["repo-placeholder"]


def test_stale_repo(emulator: Emulator, tmp_path: Path) -> None:
    world = _world(FakeRepo(id=7, full_name="Org/Quiet", pushed_at="2021-01-01T00:00:00Z"))
    catalog, _, _ = _run(emulator, tmp_path, world, ["https://github.com/Org/Quiet"])
    assert codes(catalog) == ["repo-stale"]
    assert "2021-01-01" in catalog.findings[0].message


def test_enterprise_base_uses_api_graphql(emulator: Emulator, tmp_path: Path) -> None:
    world = _world(FakeRepo(id=7, full_name="Org/Tool"))
    api_url = emulator.base_url(HOST) + "/api/v3"
    catalog, _, _ = _run(
        emulator, tmp_path, world, ["https://github.com/Org/Tool"], github_api_url=api_url
    )
    assert [r.path for r in emulator.requests_to(HOST)] == ["/api/graphql"]
    assert catalog.repos["org/tool"].status is FetchStatus.OK


def test_enterprise_base_rest_path(emulator: Emulator, tmp_path: Path) -> None:
    world = _world(FakeRepo(id=7, full_name="Org/Tool"))
    api_url = emulator.base_url(HOST) + "/api/v3"
    _run(
        emulator,
        tmp_path,
        world,
        ["https://github.com/Org/Tool"],
        token=False,
        github_api_url=api_url,
    )
    assert [r.path for r in emulator.requests_to(HOST)] == ["/api/v3/repos/Org/Tool"]


def test_refused_token_falls_back_to_rest(emulator: Emulator, tmp_path: Path) -> None:
    world = _world(FakeRepo(id=7, full_name="Org/Tool"))
    world.token = "some-other-token"
    catalog, ctx, _ = _run(emulator, tmp_path, world, ["https://github.com/Org/Tool"])
    assert [r.path for r in emulator.requests_to(HOST)] == ["/graphql", "/repos/Org/Tool"]
    assert catalog.repos["org/tool"].status is FetchStatus.OK
    assert any("401" in note for note in ctx.notes)


def test_no_token_note_gives_the_rest_budget(emulator: Emulator, tmp_path: Path) -> None:
    world = _world(FakeRepo(id=7, full_name="Org/Tool"))
    _, ctx, _ = _run(emulator, tmp_path, world, ["https://github.com/Org/Tool"], token=False)
    assert any("59/60" in note and "GITHUB_TOKEN" in note for note in ctx.notes)
    assert ctx.counters["github_rate_remaining"] == 59


def test_rest_sends_the_api_version_and_accept_headers(emulator: Emulator, tmp_path: Path) -> None:
    _run(emulator, tmp_path, _world(), ["https://github.com/Org/Gone"], token=False)
    headers = emulator.requests_to(HOST)[0].headers
    assert headers["x-github-api-version"] == "2022-11-28"
    assert headers["accept"] == "application/vnd.github+json"
    assert "authorization" not in headers


def test_star_rows_for_fetched_repos_only(emulator: Emulator, tmp_path: Path) -> None:
    world = _world(FakeRepo(id=7, full_name="Org/Tool", stars=5))
    urls = ["https://github.com/Org/Tool", "https://github.com/Org/Gone"]
    _run(emulator, tmp_path, world, urls)
    lines = (tmp_path / "data" / "stars.csv").read_text().splitlines()
    assert lines[0] == "date,repo_id,full_name,stars"
    assert [line.split(",")[1:] for line in lines[1:]] == [["7", "Org/Tool", "5"]]


def test_graphql_query_batches_and_asks_rate_limit(emulator: Emulator, tmp_path: Path) -> None:
    world = _world(*[FakeRepo(id=i, full_name=f"Org/R{i}") for i in range(5)])
    urls = [f"https://github.com/Org/R{i}" for i in range(5)]
    _run(emulator, tmp_path, world, urls, github_batch_size=2)
    requests = emulator.requests_to(HOST)
    assert len(requests) == 3
    query = json.loads(requests[0].body)["query"]
    assert "rateLimit" in query and 'r1: repository(owner: "Org", name: "R1")' in query
