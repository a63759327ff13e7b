"""When the arXiv API cannot be asked, and when it need not be: outages, 429s and the cache."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from pipeline.model import FetchStatus, Verdict
from tests.arxiv_helpers import arxiv_settings, catalog_of, entry, paper, run_arxiv, serve
from tests.emulator import Emulator
from tests.emulator.arxiv_api import ARXIV_HOST

LISA = "LISA: Reasoning Segmentation via Large Language Model"
ALPHA = "Alpha: A Paper About Segmentation"


def _catalog():
    return catalog_of(
        entry(ALPHA, "https://arxiv.org/abs/2305.11175", line=1, venue="arXiv", year=2023),
        entry("Typo paper", "https://arxiv.org/abs/2305.11157", line=2),
        entry(LISA, "https://openaccess.thecvf.com/lisa", line=3),
    )


def _papers():
    return paper("2305.11175", ALPHA, versions=2), paper("2308.00692", LISA)


def _unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("fault", ["nothing-listening", "503", "stall", "html"])
def test_unavailable_api_keeps_previous_records_and_calls_nothing_missing(
    emulator: Emulator, tmp_path: Path, fault: str
) -> None:
    serve(emulator, *_papers())
    previous, _ = run_arxiv(_catalog(), arxiv_settings(emulator, tmp_path / "first"))
    emulator.reset()
    settings = arxiv_settings(emulator, tmp_path / "second")  # a cold cache: it must ask
    if fault == "nothing-listening":
        settings = settings.model_copy(
            update={"arxiv_api_url": f"http://127.0.0.1:{_unused_port()}/api/query"}
        )
    else:
        serve(emulator, *_papers(), fault=fault, retry_after=None)
    started = time.monotonic()
    catalog, ctx = run_arxiv(_catalog(), settings, previous=previous)
    assert time.monotonic() - started < 5
    alpha, typo, lisa = catalog.entries
    assert (alpha.arxiv.status, alpha.arxiv.version) == (FetchStatus.STALE, 2)
    assert (lisa.arxiv.status, lisa.arxiv_id) == (FetchStatus.STALE, "2308.00692")
    assert typo.arxiv.status is FetchStatus.UNVERIFIED  # never "not found" without an answer
    assert all(link.health is None for e in catalog.entries for link in e.links)
    assert "nonexistent-arxiv-id" not in [f.code for f in catalog.findings]
    assert "API unavailable" in ctx.notes[-1]


def test_after_a_failed_batch_no_further_request_is_sent(
    emulator: Emulator, tmp_path: Path
) -> None:
    serve(emulator, *_papers(), fault="503", retry_after=None)
    settings = arxiv_settings(emulator, tmp_path, arxiv_batch_size=1, retries=1)
    _, ctx = run_arxiv(_catalog(), settings)
    assert len(emulator.requests_to(ARXIV_HOST)) == 2  # one batch, tried twice; then stop
    assert ctx.counters["requests:arxiv"] == 2


def test_retry_after_is_obeyed_after_a_429(emulator: Emulator, tmp_path: Path) -> None:
    serve(emulator, *_papers(), fault="429", fault_count=1, retry_after="1")
    catalog, _ = run_arxiv(_catalog(), arxiv_settings(emulator, tmp_path))
    first, second, *_ = (r.time for r in emulator.requests_to(ARXIV_HOST))
    assert second - first >= 1.0
    assert catalog.entries[0].arxiv.status is FetchStatus.OK


def test_a_warm_cache_sends_no_request(emulator: Emulator, tmp_path: Path) -> None:
    serve(emulator, *_papers())
    first, _ = run_arxiv(_catalog(), arxiv_settings(emulator, tmp_path))
    emulator.reset()
    serve(emulator, *_papers())
    second, ctx = run_arxiv(_catalog(), arxiv_settings(emulator, tmp_path), previous=first)
    assert emulator.requests_to(ARXIV_HOST) == []
    assert ctx.counters["cache_hits"] == 4  # two ids, two titles (the typo entry is searched too)
    assert [e.arxiv for e in second.entries] == [e.arxiv for e in first.entries]
    assert second.entries[1].links[0].health.verdict is Verdict.DEAD


def test_a_changed_version_shows_after_the_ttl(emulator: Emulator, tmp_path: Path) -> None:
    world = serve(emulator, *_papers())
    first, _ = run_arxiv(_catalog(), arxiv_settings(emulator, tmp_path))
    world.papers["2305.11175"].versions = 3
    world.papers["2305.11175"].comment = "Accepted to CVPR 2026"
    cached, _ = run_arxiv(_catalog(), arxiv_settings(emulator, tmp_path), previous=first)
    assert cached.entries[0].arxiv.version == 2
    expired = arxiv_settings(emulator, tmp_path, arxiv_ttl_days=0)
    fresh, _ = run_arxiv(_catalog(), expired, previous=cached)
    assert (fresh.entries[0].arxiv.version, fresh.entries[0].arxiv.comment) == (
        3,
        "Accepted to CVPR 2026",
    )
    codes = {f.code for f in fresh.findings if f.line == 1}
    assert {"new-version", "venue-update"} <= codes
