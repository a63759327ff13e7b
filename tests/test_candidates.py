"""Papers you may be missing, in the shipped list's emulated world with planted citing papers."""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.model import Catalog
from tests.emulator import Emulator
from tests.emulator.arxiv_api import ARXIV_HOST
from tests.emulator.scholarly_api import S2_HOST, S2Paper
from tests.emulator.seed_world import SeedWorld
from tests.world_env import serve_seed

REMOTE = ("2501.13925", "2504.09644", "2505.02829")
GENERAL = ("2312.02228", "2403.14598", "2409.13407", "2410.09855")


def _pid(key: str) -> str:
    return hashlib.sha1(key.encode()).hexdigest()


def _citing(seed: SeedWorld, name: str, cites: tuple[str, ...], **fields: object) -> S2Paper:
    paper = S2Paper(
        paper_id=_pid(name),
        title=str(fields.pop("title", f"{name}: A Paper Not On The List")),
        arxiv_id=str(fields.pop("arxiv_id", "")) or None,
        year=2025,
        references=[_pid(arxiv_id) for arxiv_id in cites],
    )
    seed.scholarly.s2.papers.append(paper)
    return paper


@pytest.fixture
def seed(emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SeedWorld:
    world = serve_seed(emulator, tmp_path, monkeypatch)
    # Each run asks arXiv again, as a weekly run does: citations are read while it waits.
    monkeypatch.setenv("PIPELINE_ARXIV_TTL_DAYS", "0")
    _citing(world, "RemoteThree", REMOTE, arxiv_id="2512.00001")
    _citing(world, "GeneralFour", GENERAL, arxiv_id="2512.00002")
    _citing(world, "OnlyTwo", REMOTE[:2], arxiv_id="2512.00003")
    # The list's own GeoPixel under another id, and a survey of the list itself.
    _citing(
        world,
        "GeoPixelAgain",
        GENERAL,
        title="GeoPixel: Pixel Grounding Large Multimodal Model in Remote Sensing",
        arxiv_id="2512.00004",
    )
    every = tuple(p.arxiv_id for p in world.scholarly.s2.papers if p.arxiv_id)[:40]
    _citing(world, "Survey", every, title="A Survey of MLLMs for Image Segmentation")
    return world


def _refresh() -> Catalog:
    return _refresh_saying()[0]


def _refresh_saying() -> tuple[Catalog, str]:
    """The catalog, and the candidates stage's line of the run's summary."""
    result = CliRunner().invoke(app, ["refresh", "--quiet", "--skip", "links"])
    assert result.exit_code == 0, result.output
    said = next(line for line in result.output.splitlines() if line.startswith("candidates:"))
    return Catalog.model_validate_json(Path("data/catalog.json").read_text()), said


def _citation_requests(emulator: Emulator) -> int:
    return sum(1 for r in emulator.requests if r.path.endswith("/citations"))


def _listed_papers(catalog: Catalog) -> int:
    return sum(1 for e in catalog.entries if e.scholarly and e.scholarly.paper_id)


def _refresh_until_every_paper_is_read() -> Catalog:
    """Runs until the rotation has read every paper's citations (each run reads what fits)."""
    for _ in range(30):
        catalog, said = _refresh_saying()
        if " 0 left for later runs" in said:
            return catalog
    raise AssertionError("the rotation never covered the list")


def test_papers_citing_k_list_papers_are_proposed_ranked_with_section_and_command(
    seed: SeedWorld, emulator: Emulator
) -> None:
    catalog = _refresh_until_every_paper_is_read()
    found = [(c.arxiv_id, len(c.cites), " > ".join(c.section)) for c in catalog.candidates]
    assert found == [
        ("2512.00002", 4, "General > Segmentation Model with LLM/MLLM"),
        ("2512.00001", 3, "Remote sensing > Segmentation Model with LLM/MLLM"),
    ]
    first = catalog.candidates[0]
    assert first.command == (
        "pipeline add 2512.00002 --section 'General > Segmentation Model with LLM/MLLM'"
    )
    report = Path("data/report.md").read_text()
    assert "### Papers you may be missing" in report
    assert "pipeline add 2512.00001 --section 'Remote sensing &gt; Segmentation" in report
    listing = Path("data/candidates.md").read_text()
    assert listing.index("2512.00002") < listing.index("2512.00001")
    assert "why: cites PixelLM: Pixel Reasoning with Large Multimodal Model" in listing
    assert "OnlyTwo" not in listing and "Survey" not in listing and "2512.00004" not in listing


def test_requests_stay_within_the_budget_and_a_warm_rerun_sends_none(
    seed: SeedWorld, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIPELINE_CITATIONS_BUDGET", "25")
    # arXiv's spacing makes each run last 1.5 s or more: time for 25 requests at S2's pace.
    monkeypatch.setenv("PIPELINE_ARXIV_INTERVAL", "1.5")
    _refresh()
    assert _citation_requests(emulator) == 25
    # The rest, next runs: a rotating slice, the papers never read first (and those the
    # list names by title only, asked by the S2 id the first run found).
    for _ in range(2):
        _, said = _refresh_saying()
    papers = int(said.split(" of ")[1].split()[0])
    assert papers > 60 and " 0 left for later runs" in said
    assert _citation_requests(emulator) == papers
    catalog = _refresh()
    assert _citation_requests(emulator) == papers  # a warm rerun sends none
    assert [c.arxiv_id for c in catalog.candidates] == ["2512.00002", "2512.00001"]


def test_the_readme_shows_candidates_md_as_written(seed: SeedWorld) -> None:
    _refresh_until_every_paper_is_read()
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    shown = readme.split("```markdown\n1. **GeneralFour")[1].split("```")[0]
    listing = Path("data/candidates.md").read_text()
    assert "1. **GeneralFour" + shown in listing


def test_citations_are_read_page_by_page_up_to_s2s_ceiling(
    seed: SeedWorld, emulator: Emulator
) -> None:
    many = tuple(f"2601.{n:05d}" for n in range(1100))
    for arxiv_id in many:
        seed.scholarly.s2.papers.append(
            S2Paper(
                paper_id=_pid(arxiv_id),
                title=f"Citing {arxiv_id}",
                arxiv_id=arxiv_id,
                references=[_pid("2501.13925")],
            )
        )
    _refresh_until_every_paper_is_read()
    pages = [
        (q["offset"], q["limit"])
        for r in emulator.requests
        if r.path.endswith("2501.13925/citations")
        for q in [r.query]
    ]
    first, second = (["0"], ["1000"]), (["1000"], ["1000"])
    # The run that read the paper read both pages in order; a run stopped between them
    # (the rest of it done) left it for the next, which starts again from the first page.
    assert pages[-2:] == [first, second]
    assert all(
        page == first or before == first for before, page in itertools.pairwise([None, *pages])
    )
    # The emulator answers as S2 documents: a 400 past the ceiling, no `next` on the last page.
    base = seed.settings["s2_api_url"]
    answer = httpx.get(
        f"{base}/paper/{_pid('2501.13925')}/citations", params={"offset": 9500, "limit": 1000}
    )
    assert answer.status_code == 400
    last = httpx.get(
        f"{base}/paper/{_pid('2501.13925')}/citations", params={"offset": 1000, "limit": 1000}
    ).json()
    assert len(last["data"]) == 102 and "next" not in last  # 1,100 + RemoteThree, OnlyTwo


def test_citations_are_read_while_arxivs_spacing_runs_not_after_the_run(
    seed: SeedWorld, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIPELINE_ARXIV_INTERVAL", "1.5")
    _refresh()
    order = [
        "arxiv" if r.host == ARXIV_HOST else "citations"
        for r in emulator.requests
        if r.host == ARXIV_HOST or r.path.endswith("/citations")
    ]
    assert order.count("arxiv") == 2
    # The citations overlap the arXiv stage's 1.5 s between its two calls.
    assert order.index("citations") < len(order) - 1 - order[::-1].index("arxiv")


def test_a_first_run_reads_only_the_citations_that_fit_in_it(
    seed: SeedWorld, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The run takes arXiv's spacing (2 s) anyway; S2 answers one request each 0.1 s, and
    # the scholarly stage's own requests go first.
    monkeypatch.setenv("PIPELINE_ARXIV_INTERVAL", "2")
    monkeypatch.setenv("PIPELINE_S2_INTERVAL", "0.1")
    catalog, said = _refresh_saying()
    s2 = sum(1 for r in emulator.requests if r.host == S2_HOST)
    read = _citation_requests(emulator)
    assert 1 <= read < _listed_papers(catalog)  # the rest are read by the next runs
    # The seconds the run takes anyway (2 s, the last call's answer), at S2's pace.
    assert s2 <= 2.5 / 0.1
    # The request in flight when the run ended is dropped: its answer is not counted.
    counted = int(said.removeprefix("candidates: ").split(" ", 1)[0])
    assert read - 1 <= counted <= read and " 0 left for later runs" not in said


def test_a_rerun_that_waits_for_no_host_sends_nothing_even_with_papers_left(
    seed: SeedWorld, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PIPELINE_ARXIV_TTL_DAYS")
    monkeypatch.setenv("PIPELINE_CITATIONS_BUDGET", "5")
    monkeypatch.setenv("PIPELINE_ARXIV_INTERVAL", "1.5")  # the first run waits for arXiv
    _refresh()
    assert _citation_requests(emulator) == 5
    before = len(emulator.requests)
    _, said = _refresh_saying()  # every other answer is in the cache: nothing to wait for
    assert len(emulator.requests) == before
    assert "left for later runs" in said and " 0 left" not in said


def test_citations_keep_s2s_pace_after_the_scholarly_stages_lookups(
    seed: SeedWorld, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIPELINE_ARXIV_INTERVAL", "2.5")
    monkeypatch.setenv("PIPELINE_S2_INTERVAL", "0.15")
    _refresh()
    times = [r.time for r in emulator.requests if r.host == S2_HOST]
    assert _citation_requests(emulator) >= 1
    # One pace for S2 however many stages ask it (a little slack for arrival jitter; the
    # first request arrives a connection late, so the gap after it is not the pace's).
    assert min(b - a for a, b in itertools.pairwise(times[1:])) > 0.12


def test_only_candidates_reads_its_whole_budget(
    seed: SeedWorld, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    _refresh()  # the scholarly stage's records, for the papers the list names by title
    monkeypatch.setenv("PIPELINE_CITATIONS_BUDGET", "10")
    before = _citation_requests(emulator)
    result = CliRunner().invoke(app, ["refresh", "--quiet", "--only", "candidates"])
    assert result.exit_code == 0, result.output
    assert _citation_requests(emulator) - before == 10  # nothing else runs: nothing to wait for
