"""What a maintainer is told: venue updates, withdrawals, new versions, title mismatches."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.model import Severity
from pipeline.stages.arxiv.findings import venue_from_text
from tests.arxiv_helpers import arxiv_settings, catalog_of, entry, paper, run_arxiv, serve
from tests.emulator import Emulator
from tests.emulator.arxiv_api import ArxivWorld, mount_arxiv

URL = "https://arxiv.org/abs/2503.06520"
TITLE = "Seg-Zero: Reasoning-Chain Guided Segmentation via Cognitive Reinforcement"


@pytest.mark.parametrize(
    ("text", "venue"),
    [
        ("Accepted to CVPR 2025", "CVPR'2025"),
        ("Accepted by NeurIPS 2024 (spotlight)", "NeurIPS'2024"),
        ("ICCV 2025", "ICCV'2025"),
        ("17 pages, 5 figures. Accepted at ICLR'25", "ICLR'2025"),
        ("CVPR 2024 Workshop on Foundation Models", "CVPRW'2024"),
        ("ACM MM 2025", "MM'2025"),
        ("10 pages; to appear in AAAI-2025", "AAAI'2025"),
        ("Submitted to NeurIPS 2025", None),
        ("Under review at ICLR 2026", None),
        ("12 pages, 6 figures", None),
        (None, None),
    ],
    ids=lambda v: str(v),
)
def test_venue_is_read_from_accepted_wording_only(text: str | None, venue: str | None) -> None:
    assert venue_from_text(text) == venue


def _one(emulator: Emulator, tmp_path: Path, listed: str = TITLE, venue: str = "arXiv", **fields):
    serve(emulator, paper("2503.06520", fields.pop("title", TITLE), **fields))
    catalog, _ = run_arxiv(
        catalog_of(entry(listed, URL, line=9, venue=venue, year=2025)),
        arxiv_settings(emulator, tmp_path),
    )
    return catalog


def test_accepted_venue_in_comment_is_a_venue_update(emulator: Emulator, tmp_path: Path) -> None:
    catalog = _one(emulator, tmp_path, comment="Accepted to CVPR 2025. 17 pages")
    (finding,) = catalog.findings
    assert (finding.code, finding.severity, finding.line, finding.url) == (
        "venue-update",
        Severity.WARNING,
        9,
        URL,
    )
    assert finding.hint == "change arXiv'2025 to CVPR'2025"


def test_venue_in_journal_ref_is_a_venue_update(emulator: Emulator, tmp_path: Path) -> None:
    catalog = _one(emulator, tmp_path, journal_ref="ICCV 2025")
    assert [f.hint for f in catalog.findings] == ["change arXiv'2025 to ICCV'2025"]


def test_no_venue_update_when_the_list_already_names_a_venue(
    emulator: Emulator, tmp_path: Path
) -> None:
    catalog = _one(emulator, tmp_path, venue="CVPR", comment="Accepted to CVPR 2025")
    assert catalog.findings == []


def test_no_venue_update_when_no_venue_was_read(emulator: Emulator, tmp_path: Path) -> None:
    # The venue may be written in a form the parser did not read: nothing to compare with.
    catalog = _one(emulator, tmp_path, venue=None, comment="Accepted to CVPR 2025")
    assert catalog.findings == []


def test_no_venue_update_when_the_venue_was_only_guessed(
    emulator: Emulator, tmp_path: Path
) -> None:
    serve(emulator, paper("2503.06520", TITLE, comment="Accepted to CVPR 2025"))
    guessed = entry(TITLE, URL, line=9, venue="arXiv", year=2025, uncertain=["venue"])
    catalog, _ = run_arxiv(catalog_of(guessed), arxiv_settings(emulator, tmp_path))
    assert catalog.findings == []


def test_no_title_mismatch_for_a_title_that_was_only_guessed(
    emulator: Emulator, tmp_path: Path
) -> None:
    serve(emulator, paper("2503.06520", TITLE))
    guessed = entry("Lin et al. (Mar., 2026)", URL, line=9, uncertain=["title"])
    catalog, _ = run_arxiv(catalog_of(guessed), arxiv_settings(emulator, tmp_path))
    assert [f.code for f in catalog.findings] == []
    assert catalog.entries[0].arxiv.title == TITLE


def test_submitted_is_not_a_venue(emulator: Emulator, tmp_path: Path) -> None:
    assert _one(emulator, tmp_path, comment="Submitted to NeurIPS 2025").findings == []


def test_withdrawn_comment_is_a_withdrawn_finding(emulator: Emulator, tmp_path: Path) -> None:
    catalog = _one(emulator, tmp_path, comment="This paper has been withdrawn by the authors")
    assert [f.code for f in catalog.findings] == ["withdrawn"]
    assert catalog.entries[0].arxiv.withdrawn


def test_withdrawn_abstract_is_a_withdrawn_finding(emulator: Emulator, tmp_path: Path) -> None:
    catalog = _one(emulator, tmp_path, summary="This paper has been withdrawn due to an error.")
    assert [f.code for f in catalog.findings] == ["withdrawn"]


def test_a_different_arxiv_title_is_a_title_mismatch(emulator: Emulator, tmp_path: Path) -> None:
    catalog = _one(emulator, tmp_path, title="Seg-Zero: Reasoning-Chain Guided Segmentation")
    (finding,) = catalog.findings
    assert (finding.code, finding.line, finding.url) == ("title-mismatch", 9, URL)
    assert "Seg-Zero: Reasoning-Chain Guided Segmentation" in finding.hint


def test_case_and_dash_differences_are_no_title_mismatch(
    emulator: Emulator, tmp_path: Path
) -> None:
    listed = "SEG\u2011ZERO: reasoning\u2013chain guided segmentation via cognitive reinforcement."
    assert _one(emulator, tmp_path, listed=listed).findings == []


def test_a_new_version_since_the_last_run_is_reported(emulator: Emulator, tmp_path: Path) -> None:
    world = ArxivWorld(min_interval=0.0)
    world.add(paper("2503.06520", TITLE, versions=1))
    mount_arxiv(emulator, world)
    catalog = catalog_of(entry(TITLE, URL, line=9))
    first, _ = run_arxiv(catalog, arxiv_settings(emulator, tmp_path / "a"))
    world.papers["2503.06520"].versions = 2
    second, _ = run_arxiv(catalog, arxiv_settings(emulator, tmp_path / "b"), previous=first)
    (finding,) = second.findings
    assert (finding.code, finding.severity) == ("new-version", Severity.INFO)
    assert "v2" in finding.message and "was v1" in finding.message
