"""The arXiv stage against the loopback API: batching, pacing, title search, findings, health."""

from __future__ import annotations

import itertools
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from pipeline.model import FetchStatus, Verdict
from tests.arxiv_helpers import (
    INTERVAL,
    arxiv_settings,
    catalog_of,
    entry,
    paper,
    run_arxiv,
    serve,
)
from tests.emulator import Emulator
from tests.emulator.arxiv_api import ARXIV_HOST

LISA = "LISA: Reasoning Segmentation via Large Language Model"
LISA_PP = "LISA++: An Improved Baseline for Reasoning Segmentation with Large Language Model"
GSVA = "GSVA: Generalized Segmentation via Multimodal Large Language Models"


def _query(emulator: Emulator, index: int) -> dict[str, str]:
    target = emulator.requests_to(ARXIV_HOST)[index].target
    return {k: v[-1] for k, v in parse_qs(urlsplit(target).query).items()}


def _codes(catalog) -> list[str]:
    return [finding.code for finding in catalog.findings]


def test_ids_are_fetched_in_batches_of_the_batch_size(emulator: Emulator, tmp_path: Path) -> None:
    ids = [f"2401.{n:05d}" for n in range(1, 251)]
    serve(emulator, *(paper(i, f"Paper number {i}") for i in ids))
    entries = [
        entry(f"Paper number {i}", f"https://arxiv.org/abs/{i}", line=n) for n, i in enumerate(ids)
    ]
    catalog, ctx = run_arxiv(catalog_of(*entries), arxiv_settings(emulator, tmp_path))
    seen = emulator.requests_to(ARXIV_HOST)
    assert [len(_query(emulator, i)["id_list"].split(",")) for i in range(len(seen))] == [
        100,
        100,
        50,
    ]
    assert ctx.counters["requests:arxiv"] == 3
    assert all(e.arxiv is not None and e.arxiv.status is FetchStatus.OK for e in catalog.entries)


def test_requests_are_spaced_by_the_interval_at_the_server(
    emulator: Emulator, tmp_path: Path
) -> None:
    ids = [f"2402.{n:05d}" for n in range(1, 31)]
    serve(emulator, *(paper(i, f"Paper {i}") for i in ids))
    entries = [entry(f"Paper {i}", f"https://arxiv.org/abs/{i}", line=n) for n, i in enumerate(ids)]
    # Batches of 10 and a title search: four requests the emulator times on arrival.
    catalog = catalog_of(*entries, entry(LISA, "https://openreview.net/forum?id=x"))
    run_arxiv(catalog, arxiv_settings(emulator, tmp_path, arxiv_batch_size=10))
    times = [r.time for r in emulator.requests_to(ARXIV_HOST)]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(times) == 4
    assert min(gaps) >= INTERVAL


def test_entries_come_back_in_any_order_and_are_matched_by_id(
    emulator: Emulator, tmp_path: Path
) -> None:
    serve(
        emulator, paper("2305.11175", "Alpha paper", versions=3), paper("2406.08394", "Beta paper")
    )
    catalog, _ = run_arxiv(
        catalog_of(
            entry("Alpha paper", "https://arxiv.org/abs/2305.11175v2", line=1),
            entry("Beta paper", "https://arxiv.org/pdf/2406.08394", line=2),
        ),
        arxiv_settings(emulator, tmp_path),
    )
    alpha, beta = (e.arxiv for e in catalog.entries)
    assert (alpha.arxiv_id, alpha.version, alpha.title) == ("2305.11175", 3, "Alpha paper")
    assert (beta.arxiv_id, beta.version, beta.title) == ("2406.08394", 1, "Beta paper")


def test_record_carries_every_field(emulator: Emulator, tmp_path: Path) -> None:
    serve(
        emulator,
        paper(
            "2305.11175",
            "Alpha paper",
            versions=2,
            authors=["Ann One", "Dirk Wübben"],
            comment="10 pages",
            journal_ref="J. Imaging 3 (2024)",
            doi="10.1109/X.2024.1",
            categories=["cs.CV", "cs.CL"],
        ),
    )
    catalog, _ = run_arxiv(
        catalog_of(entry("Alpha paper", "https://arxiv.org/abs/2305.11175")),
        arxiv_settings(emulator, tmp_path),
    )
    record = catalog.entries[0].arxiv
    assert record.authors == ["Ann One", "Dirk Wübben"]
    assert record.published < record.updated
    assert (record.primary_category, record.categories) == ("cs.CV", ["cs.CV", "cs.CL"])
    assert (record.comment, record.journal_ref, record.doi) == (
        "10 pages",
        "J. Imaging 3 (2024)",
        "10.1109/X.2024.1",
    )
    assert record.abs_url == "https://arxiv.org/abs/2305.11175v2"
    assert record.pdf_url == "https://arxiv.org/pdf/2305.11175v2"
    assert (record.resolved_by, record.match_score) == ("link", None)


def test_titles_are_searched_together_with_or(emulator: Emulator, tmp_path: Path) -> None:
    serve(
        emulator, paper("2308.00692", LISA), paper("2312.10103", GSVA), paper("2312.17240", LISA_PP)
    )
    catalog, ctx = run_arxiv(
        catalog_of(
            entry(LISA, "https://openaccess.thecvf.com/lisa", line=1),
            entry(GSVA, "https://openaccess.thecvf.com/gsva", line=2),
            entry(LISA_PP, "https://openreview.net/forum?id=NBQFAN228B", line=3),
        ),
        arxiv_settings(emulator, tmp_path),
    )
    assert ctx.counters["requests:arxiv"] == 1
    search = _query(emulator, 0)["search_query"]
    assert search == f'ti:"{LISA}" OR ti:"{GSVA}" OR ti:"{LISA_PP}"'
    assert [e.arxiv_id for e in catalog.entries] == ["2308.00692", "2312.10103", "2312.17240"]
    assert all(
        e.arxiv.resolved_by == "title-search" and e.arxiv.match_score == 100
        for e in catalog.entries
    )
    assert _codes(catalog) == ["resolved-by-title"] * 3


def test_quotes_are_stripped_from_searched_titles(emulator: Emulator, tmp_path: Path) -> None:
    title = 'Say "Cheese": Segment Anything'
    serve(emulator, paper("2401.00001", "Say Cheese: Segment Anything"))
    catalog, _ = run_arxiv(
        catalog_of(entry(title, "https://example.org/p")), arxiv_settings(emulator, tmp_path)
    )
    assert _query(emulator, 0)["search_query"] == 'ti:"Say Cheese : Segment Anything"'
    assert catalog.entries[0].arxiv_id == "2401.00001"


def test_a_sequel_is_a_suggestion_not_an_attachment(emulator: Emulator, tmp_path: Path) -> None:
    # Only the sequel exists: the search returns it, and it must not be attached.
    serve(emulator, paper("2412.99999", LISA + " and Beyond: A Survey of Reasoning Segmentation"))
    catalog, _ = run_arxiv(
        catalog_of(entry(LISA, "https://openaccess.thecvf.com/lisa", line=7)),
        arxiv_settings(emulator, tmp_path),
    )
    assert catalog.entries[0].arxiv is None and catalog.entries[0].arxiv_id is None
    (finding,) = catalog.findings
    assert (finding.code, finding.line) == ("title-match-suggestion", 7)
    assert "2412.99999" in finding.hint


def test_a_list_title_with_other_dashes_quotes_and_case_is_attached(
    emulator: Emulator, tmp_path: Path
) -> None:
    serve(
        emulator,
        paper(
            "2311.06242",
            "Florence-2: Advancing a Unified Representation for a Variety of Vision Tasks",
        ),
    )
    listed = "FLORENCE\u20112: advancing a “unified” representation for a variety of vision tasks"
    catalog, _ = run_arxiv(
        catalog_of(entry(listed, "https://example.org/f")), arxiv_settings(emulator, tmp_path)
    )
    assert catalog.entries[0].arxiv_id == "2311.06242"
    assert catalog.entries[0].arxiv.match_score == 100


def test_arxiv_links_get_health_from_the_api(emulator: Emulator, tmp_path: Path) -> None:
    serve(emulator, paper("2305.11175", "Alpha paper"))
    catalog, _ = run_arxiv(
        catalog_of(
            entry("Alpha paper", "https://arxiv.org/abs/2305.11175", line=1),
            entry("Typo paper", "https://arxiv.org/abs/2305.11157", line=2),
        ),
        arxiv_settings(emulator, tmp_path),
    )
    ok, dead = (e.links[0].health for e in catalog.entries)
    assert (ok.verdict, ok.verified_by) == (Verdict.OK, "arxiv-api")
    assert (dead.verdict, dead.verified_by, dead.consecutive_failures) == (
        Verdict.DEAD,
        "arxiv-api",
        1,
    )
    assert catalog.entries[1].arxiv.status is FetchStatus.NOT_FOUND


def test_a_nonexistent_id_is_an_error_finding_on_its_link(
    emulator: Emulator, tmp_path: Path
) -> None:
    serve(emulator, paper("2305.11175", "Alpha paper"))
    catalog, _ = run_arxiv(
        catalog_of(entry("Typo paper", "https://arxiv.org/abs/2305.11157", line=4)),
        arxiv_settings(emulator, tmp_path),
    )
    (finding,) = catalog.findings
    assert (finding.code, finding.severity, finding.line) == ("nonexistent-arxiv-id", "error", 4)
    assert finding.url == "https://arxiv.org/abs/2305.11157"


def test_a_typo_id_whose_title_is_on_arxiv_names_the_right_id(
    emulator: Emulator, tmp_path: Path
) -> None:
    serve(emulator, paper("2305.11175", "Alpha paper about segmentation"))
    catalog, _ = run_arxiv(
        catalog_of(entry("Alpha paper about segmentation", "https://arxiv.org/abs/2305.11157")),
        arxiv_settings(emulator, tmp_path),
    )
    finding = next(f for f in catalog.findings if f.code == "nonexistent-arxiv-id")
    assert "https://arxiv.org/abs/2305.11175" in finding.hint
    assert catalog.entries[0].arxiv.arxiv_id == "2305.11175"


def test_a_malformed_id_is_dropped_and_the_batch_resent(emulator: Emulator, tmp_path: Path) -> None:
    serve(emulator, paper("2305.11175", "Alpha paper"))
    good = entry("Alpha paper", "https://arxiv.org/abs/2305.11175", line=1)
    bad = entry("Bad", "https://arxiv.org/abs/2305.11175", line=2, key="bad")
    bad_link = bad.links[0].model_copy(update={"arxiv_id": "abc"})
    bad = bad.model_copy(update={"links": [bad_link], "arxiv_id": "abc"})
    catalog, ctx = run_arxiv(catalog_of(good, bad), arxiv_settings(emulator, tmp_path))
    assert ctx.counters["requests:arxiv"] == 3  # the 400, the resend, the title search for "Bad"
    assert catalog.entries[0].arxiv.status is FetchStatus.OK
    assert "nonexistent-arxiv-id" in _codes(catalog)


def test_a_version_newer_than_the_latest_is_a_dead_link(emulator: Emulator, tmp_path: Path) -> None:
    serve(emulator, paper("2305.11175", "Alpha paper", versions=2))
    catalog, _ = run_arxiv(
        catalog_of(entry("Alpha paper", "https://arxiv.org/abs/2305.11175v5")),
        arxiv_settings(emulator, tmp_path),
    )
    health = catalog.entries[0].links[0].health
    assert health.verdict is Verdict.DEAD and "v5 does not exist" in health.detail
