"""The end-of-run line and the progress switch."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from pipeline.context import RunContext
from pipeline.model import LinkHealth, Verdict
from pipeline.progress import progress_reporter, wants_progress
from pipeline.stages.links import links_summary
from tests.links_helpers import NOW, catalog_of, fast_settings


def test_summary_counts_each_verdict_once_per_url(tmp_path: Path) -> None:
    ok, dead = LinkHealth(verdict=Verdict.OK), LinkHealth(verdict=Verdict.DEAD)
    catalog = catalog_of(
        "http://a/", "http://a/", "http://b/", health={"http://a/": ok, "http://b/": dead}
    )
    ctx = RunContext(settings=fast_settings(tmp_path), now=NOW)
    ctx.counters.update({"cache_hits": 1, "requests:links": 3})
    assert links_summary(catalog, ctx, 1.25) == (
        "links: 2 checked, 1 ok, 0 moved, 1 dead, 0 blocked, 0 unverified,"
        " 1 cache hits, 3 requests, 1.2 s"
    )


def test_summary_says_outage(tmp_path: Path) -> None:
    ctx = RunContext(settings=fast_settings(tmp_path), now=NOW, outage=True)
    assert links_summary(catalog_of(), ctx, 0).endswith("(OUTAGE: nothing judged)")


def test_no_progress_bar_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    assert not wants_progress(quiet=False)


def test_no_progress_bar_when_quiet_or_piped() -> None:
    with progress_reporter(quiet=True) as callback:
        assert callback is None
    assert not wants_progress(quiet=False, stream=io.StringIO())
