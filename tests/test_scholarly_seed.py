"""Where each paper stands now, on the shipped list in its emulated world with planted truth."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.model import Catalog, FetchStatus, Finding
from tests.emulator import Emulator
from tests.emulator.scholarly_world import (
    SEED_ARCHIVED,
    SEED_CODE,
    SEED_DISAGREES,
    SEED_MATCH_DECOY,
    SEED_PUBLISHED,
    SEED_RENAMED_TO,
    SEED_S2_UNKNOWN,
    citations_of,
)
from tests.emulator.seed_world import SeedWorld
from tests.world_env import serve_seed


@pytest.fixture
def seed(emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SeedWorld:
    return serve_seed(emulator, tmp_path, monkeypatch)


def _refresh(*args: str) -> Catalog:
    result = CliRunner().invoke(app, ["refresh", "--quiet", *args])
    assert result.exit_code == 0, result.output
    return Catalog.model_validate_json(Path("data/catalog.json").read_text())


def _by_code(catalog: Catalog, code: str) -> dict[str, Finding]:
    return {f.entry_key or "": f for f in catalog.findings if f.code == code}


def _scholarly_requests(emulator: Emulator) -> dict[str, int]:
    counts = {"s2:batch": 0, "s2:match": 0, "hf": 0, "archive": 0}
    for request in emulator.requests:
        if request.path.endswith("/paper/batch"):
            counts["s2:batch"] += 1
        elif request.path.endswith("/paper/search/match"):
            counts["s2:match"] += 1
        elif request.path.startswith("/api/papers/"):
            counts["hf"] += 1
        elif request.host in ("web.archive.org", "archive.org"):
            counts["archive"] += 1
    return counts


def test_every_published_paper_is_found_in_the_lists_venue_style(seed: SeedWorld) -> None:
    catalog = _refresh()
    published = _by_code(catalog, "published")
    assert {key.removeprefix("arxiv:") for key in published} == set(SEED_PUBLISHED)
    for arxiv_id, (_, _, written) in SEED_PUBLISHED.items():
        finding = published[f"arxiv:{arxiv_id}"]
        assert finding.suggestion == written
        assert f"now published at {written.replace(chr(39), ' ')}" in finding.message
        assert finding.evidence["source"] == "semantic-scholar"
        assert finding.evidence["paper_id"]
    # A workshop stays a workshop.
    assert published["arxiv:2505.22596"].suggestion == "CVPRW'2025"
    # Where arXiv's own record names the venue, its venue-update stands alone.
    assert {f.entry_key for f in catalog.findings if f.code == "venue-update"}.isdisjoint(published)


def test_only_real_disagreements_are_reported(seed: SeedWorld) -> None:
    catalog = _refresh()
    disagrees = _by_code(catalog, "venue-disagrees")
    assert set(disagrees) == {f"arxiv:{arxiv_id}" for arxiv_id in SEED_DISAGREES}
    finding = disagrees["arxiv:2409.10542"]
    assert finding.message == "the list says ECCV'2024; Semantic Scholar says NeurIPS 2024"
    assert finding.suggestion is None  # no automatic fix


def test_citations_are_exactly_what_the_api_served(seed: SeedWorld) -> None:
    catalog = _refresh()
    counted = 0
    for entry in catalog.entries:
        record = entry.scholarly
        if entry.arxiv_id in SEED_S2_UNKNOWN:
            assert record is not None and record.status is FetchStatus.NOT_FOUND
            continue
        if record is None or record.status is not FetchStatus.OK:
            continue
        # The world derives each paper's counts from its arXiv id (else its title).
        expected = citations_of(record.arxiv_id or entry.title)
        assert (record.citation_count, record.influential_citation_count) == expected, entry.key
        assert record.citations_read_at == catalog.generated_at
        counted += 1
    assert counted == 67  # 69 entries, less the unknown id and the decoy


def test_conference_only_papers_are_matched_by_title_and_the_decoy_is_not(seed: SeedWorld) -> None:
    catalog = _refresh()
    by_title = [e for e in catalog.entries if e.scholarly and e.scholarly.matched_by == "title"]
    assert len(by_title) == 8  # the nine conference-only entries, less the decoy's
    assert all(e.scholarly and (e.scholarly.match_score or 0) >= 90 for e in by_title)
    decoy = next(e for e in catalog.entries if e.title.startswith(SEED_MATCH_DECOY[0]))
    assert decoy.scholarly is None
    lisa = next(e for e in by_title if e.title.startswith("LISA:"))
    assert lisa.scholarly and lisa.scholarly.venue_short == "CVPR"
    # Found by title and published where the list says: nothing to report.
    assert lisa.key not in _by_code(catalog, "published")
    assert lisa.key not in _by_code(catalog, "venue-disagrees")


def test_code_is_proposed_when_github_confirms_it_never_for_a_deleted_repo(
    seed: SeedWorld,
) -> None:
    catalog = _refresh()
    proposed = {f.suggestion for f in catalog.findings if f.code == "code-available"}
    ok = {url for url, fate in SEED_CODE.values() if fate == "ok"}
    assert proposed == ok | {f"https://github.com/{SEED_RENAMED_TO}"}
    deleted = next(url for url, fate in SEED_CODE.values() if fate == "deleted")
    assert catalog.repos[deleted.removeprefix("https://github.com/").lower()].status is (
        FetchStatus.NOT_FOUND
    )
    # Proposed repos are not the list's: they count in no star total.
    assert all(record.proposed for key, record in catalog.repos.items() if "hf-found" in key)
    stars = Path("data/stars.csv").read_text()
    assert "hf-found" not in stars and "PRIMA" not in stars


def test_dead_links_get_the_newest_ok_snapshot_from_before_they_died(seed: SeedWorld) -> None:
    catalog = _refresh()
    links = {link.url: link for _, link in catalog.iter_links()}
    (url,) = SEED_ARCHIVED
    archived = links[url].archived
    assert archived is not None
    # The availability API answers {} for this page: only CDX finds it.
    assert archived.found_by == "cdx"
    assert archived.url == f"https://web.archive.org/web/20240302120000/{url}"
    deleted = next(
        link
        for link in links.values()
        if link.health and link.health.verdict == "dead" and link.url != url
    )
    assert deleted.archived is None  # no snapshot: nothing proposed
    report = Path("data/report.md").read_text()
    assert "web.archive.org/web/20240302120000" in report


def test_fix_writes_venues_code_links_and_archived_copies_in_the_lists_style(
    seed: SeedWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Code found on Hugging Face is checked on GitHub only while the run waits for other
    # hosts: wait for arXiv as a real run does, not the 0.2 s of most tests.
    monkeypatch.setenv("PIPELINE_ARXIV_INTERVAL", "1")
    _refresh()
    result = CliRunner().invoke(app, ["fix", "--write"])
    assert result.exit_code == 0, result.output
    text = Path("data/awesome-list.md").read_text()
    assert "Remote Sensing. TGRS'2025. [[paper](https://arxiv.org/abs/2501.06828)]" in text
    assert "Reinforcement Learning. CVPRW'2025 [[paper]" in text
    survey = next(line for line in text.splitlines() if "Images and Videos: A Survey" in line)
    assert survey.endswith(
        "[[paper](https://arxiv.org/abs/2505.18816)] | "
        "[[code](https://github.com/hf-found/reasoning-seg-survey)]"
    )
    assert "[[project](https://web.archive.org/web/20240302120000/https://groundhog-mllm" in text
    assert "think-before-segment" not in text  # the deleted repo


def test_cost_one_batch_a_match_per_conference_paper_and_a_warm_rerun_sends_none(
    seed: SeedWorld, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIPELINE_ARXIV_INTERVAL", "1")  # time for every optional lookup
    catalog = _refresh()
    sent = _scholarly_requests(emulator)
    no_code = sum(
        1
        for e in catalog.entries
        # Hugging Face is asked by an arXiv id the list links or Semantic Scholar gave.
        if (e.key.startswith("arxiv:") or (e.scholarly and e.scholarly.arxiv_id))
        and not any(link.kind == "github" or link.label == "code" for link in e.links)
    )
    assert sent == {"s2:batch": 1, "s2:match": 9, "hf": no_code, "archive": 2}
    assert catalog.stats.requests["s2"] == 10
    emulator.requests.clear()
    again = _refresh()
    assert _scholarly_requests(emulator) == {"s2:batch": 0, "s2:match": 0, "hf": 0, "archive": 0}
    assert _by_code(again, "published").keys() == _by_code(catalog, "published").keys()
