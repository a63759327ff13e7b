"""The scholarly sources down, refusing or answering oddly: nothing judged, nothing lost."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.model import Catalog, FetchStatus
from tests.emulator import Emulator
from tests.emulator.scholarly_world import SEED_ARCHIVED
from tests.emulator.seed_world import SeedWorld
from tests.emulator.world import Page, Site, SiteHandler
from tests.world_env import serve_seed

(DEAD_PAGE,) = SEED_ARCHIVED


@pytest.fixture
def seed(emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SeedWorld:
    return serve_seed(emulator, tmp_path, monkeypatch)


def _refresh(*args: str) -> tuple[Catalog, str]:
    result = CliRunner().invoke(app, ["refresh", "--quiet", *args])
    assert result.exit_code == 0, result.output
    return Catalog.model_validate_json(Path("data/catalog.json").read_text()), result.output


def _codes(catalog: Catalog, *codes: str) -> set[tuple[str, str | None, str | None]]:
    return {(f.code, f.entry_key, f.suggestion) for f in catalog.findings if f.code in codes}


def _paths(emulator: Emulator, suffix: str) -> list[str]:
    return [r.path for r in emulator.requests if r.path.endswith(suffix)]


_SCHOLARLY_CODES = ("published", "venue-disagrees", "code-available")


def test_s2_down_keeps_last_values_and_flips_no_finding(
    seed: SeedWorld, emulator: Emulator
) -> None:
    first, _ = _refresh()
    shutil.rmtree("cache")
    emulator.requests.clear()
    seed.scholarly.s2.fail_status = 503
    second, output = _refresh()
    assert "Semantic Scholar unavailable (HTTP 503)" in output
    before = {e.key: e.scholarly for e in first.entries if e.scholarly is not None}
    for entry in second.entries:
        old, now = before.get(entry.key), entry.scholarly
        if old is None:
            assert now is None
        elif old.status is FetchStatus.OK:
            assert now == old.model_copy(update={"status": FetchStatus.STALE})
        else:  # "not found" is not a value to keep: this run could not tell
            assert now is not None and now.status is FetchStatus.UNVERIFIED
    assert _codes(second, *_SCHOLARLY_CODES) == _codes(first, *_SCHOLARLY_CODES)
    # After the batch failed, no title match was sent: an outage costs one call's retries.
    assert _paths(emulator, "/paper/search/match") == []


def test_s2_down_on_a_first_run_is_unverified_and_judges_nothing(seed: SeedWorld) -> None:
    seed.scholarly.s2.fail_status = 503
    catalog, _ = _refresh()
    records = [e.scholarly for e in catalog.entries if e.scholarly is not None]
    assert records and all(r.status is FetchStatus.UNVERIFIED for r in records)
    assert not _codes(catalog, "published", "venue-disagrees")


def test_a_429_without_retry_after_is_retried_with_backoff(
    seed: SeedWorld, emulator: Emulator
) -> None:
    seed.scholarly.s2.refuse = 2
    catalog, _ = _refresh()
    assert len(_paths(emulator, "/paper/batch")) == 3
    assert len(_codes(catalog, "published")) == 4


def test_s2_refusing_for_good_is_unverified_within_the_retry_budget(
    seed: SeedWorld, emulator: Emulator
) -> None:
    seed.scholarly.s2.refuse = 10_000
    catalog, output = _refresh()
    assert "Semantic Scholar unavailable (HTTP 429)" in output
    assert len(_paths(emulator, "/paper/batch")) == 4  # retries + 1, then no more calls
    assert _paths(emulator, "/paper/search/match") == []
    assert not _codes(catalog, "published", "venue-disagrees")


def test_the_key_is_sent_and_a_bad_one_judges_nothing(
    seed: SeedWorld, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed.scholarly.s2.key = "right-key"
    monkeypatch.setenv("S2_API_KEY", "wrong-key")
    catalog, output = _refresh()
    assert "Semantic Scholar unavailable (HTTP 403)" in output
    assert not _codes(catalog, "published")
    monkeypatch.setenv("S2_API_KEY", "right-key")
    shutil.rmtree("cache")
    catalog, _ = _refresh()
    batch = [r for r in emulator.requests if r.path.endswith("/paper/batch")][-1]
    assert batch.headers["x-api-key"] == "right-key"
    assert len(_codes(catalog, "published")) == 4


def test_huggingface_down_proposes_nothing_new_and_keeps_what_was_found(
    seed: SeedWorld,
) -> None:
    first, _ = _refresh()
    shutil.rmtree("cache")
    seed.scholarly.hf.fail_status = 503
    second, output = _refresh()
    assert "huggingface: unavailable (HTTP 503)" in output
    assert _codes(second, "code-available") == _codes(first, "code-available")


def test_an_archive_429_stops_lookups_at_once_and_keeps_the_last_copy(
    seed: SeedWorld, emulator: Emulator
) -> None:
    first, _ = _refresh()
    copy = next(link.archived for _, link in first.iter_links() if link.url == DEAD_PAGE)
    assert copy is not None
    shutil.rmtree("cache")
    emulator.requests.clear()
    seed.scholarly.archive.refuse = 100
    second, output = _refresh()
    archive = [r for r in emulator.requests if r.host in ("web.archive.org", "archive.org")]
    assert len(archive) == 1  # never a second request after a 429
    assert re.search(r"archive: \S+ refused \(HTTP 429\): no more lookups this run", output)
    kept = next(link.archived for _, link in second.iter_links() if link.url == DEAD_PAGE)
    assert kept == copy


def test_when_cdx_is_down_the_availability_api_is_asked_but_never_trusted_for_a_no(
    seed: SeedWorld,
) -> None:
    seed.scholarly.archive.cdx_status = 503
    catalog, _ = _refresh()
    # The availability API answers {} for this page: "could not tell", so no copy.
    assert all(link.archived is None for _, link in catalog.iter_links())
    seed.scholarly.archive.false_negatives.clear()
    shutil.rmtree("cache")
    catalog, _ = _refresh()
    copy = next(link.archived for _, link in catalog.iter_links() if link.url == DEAD_PAGE)
    assert copy is not None and copy.found_by == "availability"
    assert copy.timestamp <= catalog.generated_at.strftime("%Y%m%d%H%M%S")


def test_skipping_the_stages_keeps_their_data(seed: SeedWorld, emulator: Emulator) -> None:
    first, _ = _refresh()
    emulator.requests.clear()
    second, _ = _refresh("--skip", "scholarly", "--skip", "archive")
    assert not [r for r in emulator.requests if r.host == "api.semanticscholar.org"]
    assert [e.scholarly for e in second.entries] == [e.scholarly for e in first.entries]
    links = {link.url: link.archived for _, link in second.iter_links()}
    assert links[DEAD_PAGE] is not None


def test_a_dead_link_is_looked_up_in_the_archive_while_slower_pages_are_checked(
    seed: SeedWorld, emulator: Emulator
) -> None:
    # The page slowest to answer used to hold up the archive: it ran after the links stage.
    slow = next(url for url in seed.page_urls if url not in seed.planted)
    parts = urlsplit(slow)
    page = Page(latency=2.0)
    handler = SiteHandler(emulator, Site(pages={parts.path: page}))
    emulator.mount(parts.hostname or "", handler, prefix=parts.path)  # that page alone
    catalog, output = _refresh()
    slow_asked = min(r.time for r in emulator.requests if r.path == parts.path)
    lookup = next(
        r
        for r in emulator.requests
        if r.path.endswith("/cdx") and quote(DEAD_PAGE, safe="") in r.target
    )
    assert lookup.time < slow_asked + page.latency  # asked before the slow page answered
    copy = next(link.archived for _, link in catalog.iter_links() if link.url == DEAD_PAGE)
    assert copy is not None and copy.found_by == "cdx"
    assert re.search(
        r"archive: 2 request\(s\), 1 of 2 dead link\(s\) have an archived copy", output
    )
    _, again = _refresh()
    assert "archive: 0 request(s)" in again  # the early answer was cached like any other
