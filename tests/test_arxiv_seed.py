"""The seed list end to end through the arXiv stage, on the emulator's seed world."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.model import Catalog, FetchStatus, LinkKind, Verdict
from pipeline.runner import build_catalog
from tests.arxiv_helpers import arxiv_settings, run_arxiv
from tests.emulator import Emulator
from tests.emulator.arxiv_api import ARXIV_HOST, mount_arxiv
from tests.emulator.arxiv_world import (
    SEED_BY_TITLE,
    SEED_NOT_A_VENUE,
    SEED_VENUE_UPDATES,
    SEED_WITHDRAWN,
    seed_arxiv_world,
)

SEED = Path(__file__).resolve().parents[1] / "data" / "awesome-list.md"


@pytest.fixture
def seed_run(emulator: Emulator, tmp_path: Path) -> Iterator[tuple[Catalog, Catalog, int]]:
    """(catalog before, catalog after the arXiv stage, requests the API received)."""
    world = seed_arxiv_world(SEED)
    world.min_interval = 0.2
    mount_arxiv(emulator, world)
    settings = arxiv_settings(emulator, tmp_path, input=SEED)
    before = build_catalog(settings, datetime(2026, 5, 1, tzinfo=UTC))
    after, _ = run_arxiv(before, settings)
    yield before, after, len(emulator.requests_to(ARXIV_HOST))


def _new_findings(seed_run: tuple[Catalog, Catalog, int], code: str) -> list:
    before, after, _ = seed_run
    return [f for f in after.findings[len(before.findings) :] if f.code == code]


def test_cold_run_of_the_seed_list_makes_two_requests(seed_run) -> None:
    # All 60 linked ids fit one batch; the 9 titles fit one OR-combined search.
    assert seed_run[2] == 2


def test_every_arxiv_link_is_verified_by_the_api(seed_run) -> None:
    links = [link for e in seed_run[1].entries for link in e.links if link.kind is LinkKind.ARXIV]
    assert len(links) >= 60
    assert {(link.health.verdict, link.health.verified_by) for link in links} == {
        (Verdict.OK, "arxiv-api")
    }


def test_every_linked_entry_has_a_fresh_record(seed_run) -> None:
    linked = [e for e in seed_run[1].entries if e.links and e.key.startswith("arxiv:")]
    assert all(e.arxiv.status is FetchStatus.OK and e.arxiv.title for e in linked)


def test_conference_only_entries_are_resolved_by_title(seed_run) -> None:
    resolved = {
        e.title.split(":")[0]: e.arxiv_id
        for e in seed_run[1].entries
        if e.arxiv and e.arxiv.resolved_by == "title-search"
    }
    assert resolved == SEED_BY_TITLE
    assert len(_new_findings(seed_run, "resolved-by-title")) == len(SEED_BY_TITLE)


def test_seed_venue_updates_name_the_venue(seed_run) -> None:
    hints = {f.url.rsplit("/", 1)[-1]: f.hint for f in _new_findings(seed_run, "venue-update")}
    assert hints == {i: f"change arXiv'2025 to {v[2]}" for i, v in SEED_VENUE_UPDATES.items()}
    assert not set(hints) & set(SEED_NOT_A_VENUE)


def test_the_withdrawn_seed_paper_is_reported(seed_run) -> None:
    urls = {f.url.rsplit("/", 1)[-1] for f in _new_findings(seed_run, "withdrawn")}
    assert urls == SEED_WITHDRAWN


def test_seed_run_reports_no_false_alarms(seed_run) -> None:
    for code in ("title-mismatch", "nonexistent-arxiv-id", "title-match-suggestion"):
        assert _new_findings(seed_run, code) == []
