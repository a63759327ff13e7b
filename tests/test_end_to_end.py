"""A full refresh of the shipped list against its emulated world: every stage, real sockets."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.model import Catalog, FetchStatus, Verdict
from tests.emulator import Emulator
from tests.emulator.seed_world import SeedWorld
from tests.world_env import serve_seed

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def seed(emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SeedWorld:
    """The shipped list in a temp folder, its world served, the pipeline pointed at it."""
    return serve_seed(emulator, tmp_path, monkeypatch)


def _refresh() -> Catalog:
    result = CliRunner().invoke(app, ["refresh", "--quiet"])
    assert result.exit_code == 0, result.output
    return Catalog.model_validate_json(Path("data/catalog.json").read_text())


def _verdicts(catalog: Catalog) -> dict[str, Verdict]:
    return {link.url: link.health.verdict for _, link in catalog.iter_links() if link.health}


def test_cold_run_enriches_every_entry(
    seed: SeedWorld, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The code Hugging Face proposes is checked on GitHub only while the run still waits for
    # other hosts: wait for arXiv as a real run does (3 s there), not the 0.2 s of most tests.
    monkeypatch.setenv("PIPELINE_ARXIV_INTERVAL", "1")
    catalog = _refresh()
    assert len(catalog.entries) == 69
    fetched = [e for e in catalog.entries if e.arxiv and e.arxiv.status is FetchStatus.OK]
    by_title = [e for e in fetched if e.arxiv and e.arxiv.resolved_by == "title-search"]
    assert len(fetched) == 69
    assert len(by_title) == 9
    # 47 repos in entries, plus the list's own repo and the related list outside them.
    linked = {k: r for k, r in catalog.repos.items() if not r.proposed}
    assert len(linked) == 49
    deleted = seed.github.roles["deleted"].lower()
    assert catalog.repos[deleted].status is FetchStatus.NOT_FOUND
    ok_repos = [r for r in linked.values() if r.status is FetchStatus.OK]
    assert len(ok_repos) == 48
    assert catalog.stats.requests["arxiv"] == 2
    # One GraphQL batch for the linked repos, one for the code Hugging Face proposed.
    assert catalog.stats.requests["github"] == 2
    assert catalog.stats.rate_limit == {"github": 4998}  # what the report shows as "left"


def test_every_planted_fault_is_found_and_nothing_else_is_dead(seed: SeedWorld) -> None:
    verdicts = _verdicts(_refresh())
    for url, expected in seed.planted.items():
        assert verdicts[url] == expected, url
    deleted = seed.github.roles["deleted"].lower()
    dead = {url for url, verdict in verdicts.items() if verdict is Verdict.DEAD}
    planted_dead = {url for url, v in seed.planted.items() if v == "dead"}
    assert {url for url in dead if deleted not in url.lower()} == planted_dead
    assert all(v is not Verdict.UNVERIFIED for v in verdicts.values())


def test_links_outside_entries_are_checked_and_counted(seed: SeedWorld) -> None:
    catalog = _refresh()
    others = {link.url: link for link in catalog.other_links}
    related = others["https://github.com/mc-lan/Awesome-MLLM-Segmentation"]
    assert related.section == ["Related Links"]
    assert related.health is not None and related.health.verdict is Verdict.OK
    assert related.health.verified_by == "github-api"
    assert others["https://likyoo.github.io/"].health.verdict is Verdict.OK
    own = [u for u, lk in others.items() if "likyoo/awesome-MLLM" in u and not lk.image]
    assert own and all(others[url].health is not None for url in own)
    badges = [link for link in catalog.other_links if "img.shields.io" in link.url]
    assert badges and all(link.image and link.health is None for link in badges)
    (count,) = [f for f in catalog.findings if f.code == "links-outside-entries"]
    assert count.message.startswith("5 of 146 links sit outside")
    report = Path("data/report.md").read_text()
    assert "outside entries" in report


def test_api_verified_links_get_no_page_request(seed: SeedWorld, emulator: Emulator) -> None:
    _refresh()
    assert emulator.requests_to("arxiv.org") == []
    # Repo links are verified by the API; only the badge's deep links into the list's own
    # repo (its commit graph, its pull requests) are pages of their own.
    paths = {r.path for r in emulator.requests_to("github.com")}
    assert paths == {
        "/likyoo/awesome-MLLM-for-image-segmentation/graphs/commit-activity",
        "/likyoo/awesome-MLLM-for-image-segmentation/pulls",
    }


def test_second_run_inside_the_ttl_makes_no_request(seed: SeedWorld, emulator: Emulator) -> None:
    _refresh()
    emulator.requests.clear()
    catalog = _refresh()
    assert emulator.requests == []
    assert catalog.stats.cache_hits > 0


def test_check_pr_checks_only_the_changed_entry_and_annotates_it(
    seed: SeedWorld, emulator: Emulator, tmp_path: Path
) -> None:
    (tmp_path / "changed.txt").write_text("54\n")  # the GROUNDHOG entry, whose page is gone
    result = CliRunner().invoke(app, ["check-pr", "--changed-lines", "changed.txt"])
    # A dead link in a changed entry is an error: annotated as one, and the check fails.
    assert result.exit_code == 1, result.output
    assert "check-pr failed: 1 finding(s) of severity error" in result.stderr
    annotations = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert any(
        a.startswith("::error ") and "line=54" in a and "dead-link" in a and "HTTP 404" in a
        for a in annotations
    )
    apis = {"export.arxiv.org", "api.github.com", "api.semanticscholar.org", "web.archive.org"}
    on_pages = [r for r in emulator.requests if not r.path.startswith("/api/papers/")]
    page_hosts = {r.host for r in on_pages} - apis  # huggingface.co serves pages too
    assert page_hosts == {"groundhog-mllm.github.io", "openaccess.thecvf.com"}  # its two pages
