"""The scholarly stage's optional lookups go out beside the run: never lengthening it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.model import Catalog
from tests.emulator import Emulator, Page, Site, World, load_world
from tests.emulator.scholarly_api import S2Paper, S2World, mount_s2

_SLOW = 1.5  # seconds the one page besides the papers takes to answer
_S2_PACE = 0.2  # seconds between S2 requests: 20 title matches need 4 s, twice the run
_TITLES = [f"A Conference Paper About Segmentation Number {i}" for i in range(20)]


@pytest.fixture
def world(emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """Twenty conference-only papers (matched by title) and one slow page to check."""
    papers = [S2Paper(paper_id=f"{i:040x}", title=t, year=2024) for i, t in enumerate(_TITLES)]
    monkeypatch.setenv("S2_API_URL", mount_s2(emulator, S2World(papers=papers)))
    monkeypatch.setenv("PIPELINE_S2_INTERVAL", str(_S2_PACE))
    monkeypatch.setenv("PIPELINE_HF_BUDGET", "0")
    load_world(
        emulator,
        World(sites={"slow.example": Site(default=Page(status=200), latency=_SLOW)}),
    )
    monkeypatch.chdir(tmp_path)
    # One page for the links stage to check (slow): every entry links it, it is checked once.
    page = emulator.url("slow.example", "/paper")
    lines = [f"- **{t}**. CVPR'2024. [[paper]({page})]" for t in _TITLES]
    Path("list.md").write_text("# Papers\n\n" + "\n".join(lines) + "\n")
    return emulator


def _refresh() -> str:
    """The run's summary line about the lookups."""
    command = ["refresh", "-q", "-i", "list.md", "-o", "out", "--only", "scholarly"]
    result = CliRunner().invoke(app, [*command, "--only", "links"])
    assert result.exit_code == 0, result.output
    return next((line for line in result.output.splitlines() if "lookups beside" in line), "")


def _matches(emulator: Emulator) -> list[float]:
    return [r.time for r in emulator.requests if r.path.endswith("/search/match")]


def test_title_matches_go_out_while_links_are_checked_never_after_the_last(
    world: Emulator,
) -> None:
    said = _refresh()
    (page,) = [r.time for r in world.requests if r.host == "slow.example"]
    matches = _matches(world)
    # Sent meanwhile, at S2's pace, and none once the last link check had its answer (but
    # the one that may have left as the answer came: the run stops on reading it).
    assert 2 <= len(matches) < len(_TITLES)
    assert max(matches) < page + _SLOW + _S2_PACE
    assert f"{len(matches)} title match(es)" in said
    assert f"{len(_TITLES) - len(matches)} and 0 left for later runs" in said
    catalog = Catalog.model_validate_json(Path("out/catalog.json").read_text())
    found = [e for e in catalog.entries if e.scholarly and e.scholarly.matched_by == "title"]
    assert len(found) == len(matches)


def test_a_run_with_nothing_else_to_wait_for_sends_no_lookup_and_says_so(
    world: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIPELINE_S2_MATCH_BUDGET", "5")  # at most 5 a run, 15 left at least
    _refresh()
    asked = len(_matches(world))
    world.requests.clear()
    said = _refresh()  # the page's verdict is cached: the run waits for no host
    assert _matches(world) == []
    assert world.requests == []
    assert said.endswith("(nothing sent: the rest of the run waited for no other host)")
    assert f"{len(_TITLES) - asked} and 0 left for later runs" in said


def test_lookups_go_out_when_nothing_stays_fresh_in_the_cache(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One paper known by its arXiv id (the batch) beside the twenty matched by title: with a
    # lifetime of 0 days the batch's answer is never fresh, yet it was answered this run.
    monkeypatch.setenv("PIPELINE_S2_TTL_DAYS", "0")
    papers = [S2Paper(paper_id=f"{i:040x}", title=t, year=2024) for i, t in enumerate(_TITLES)]
    papers.append(S2Paper(paper_id="f" * 40, title="By Id", arxiv_id="2401.00001"))
    monkeypatch.setenv("S2_API_URL", mount_s2(emulator, S2World(papers=papers)))
    monkeypatch.setenv("PIPELINE_S2_INTERVAL", str(_S2_PACE))
    monkeypatch.setenv("PIPELINE_HF_BUDGET", "0")
    load_world(emulator, World(sites={"slow.example": Site(default=Page(), latency=_SLOW)}))
    monkeypatch.chdir(tmp_path)
    page = emulator.url("slow.example", "/paper")
    lines = [f"- **{t}**. CVPR'2024. [[paper]({page})]" for t in _TITLES]
    lines.append("- By Id. arXiv'2024. [[paper](https://arxiv.org/abs/2401.00001)]")
    Path("list.md").write_text("# Papers\n\n" + "\n".join(lines) + "\n")
    _refresh()
    assert len(_matches(emulator)) >= 2
