"""`pipeline add`'s inputs beyond arXiv: OpenReview and NeurIPS pages, DOIs and CVF pages of
papers with no arXiv id, and every way they fail (one `Error:` line, exit 2 or 3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from tests.emulator import Emulator
from tests.emulator.scholarly_api import S2Paper
from tests.emulator.scholarly_world import VENUES
from tests.emulator.seed_world import SeedWorld
from tests.emulator.venue_pages import NeurIPSPage, OpenReviewNote, VenueWorld, mount_venue_pages
from tests.test_grow_add import NEW_ID, NEW_TITLE, plant_new_paper
from tests.world_env import serve_seed

SECTION = ("--section", "General > Benchmark", "--tag", "ReasonIS")
NOTE = "Xy12AbCdEf"
FORUM = f"https://openreview.net/forum?id={NOTE}"
HASH = "0123456789abcdef0123456789abcdef"
ABSTRACT = f"/paper_files/paper/2023/hash/{HASH}-Abstract-Conference.html"
OFFLINE_TITLE = "Masks Without Words: Segmentation Never Posted to arXiv"


@pytest.fixture
def world(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[SeedWorld, VenueWorld]:
    seed = serve_seed(emulator, tmp_path, monkeypatch)
    venues = VenueWorld()
    api, hosts = mount_venue_pages(emulator, venues)
    monkeypatch.setenv("PIPELINE_OPENREVIEW_API_URL", api)
    monkeypatch.setenv("PIPELINE_HOST_MAP", json.dumps({**seed.settings["host_map"], **hosts}))
    return seed, venues


def _add(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["add", *args])
    return result.exit_code, result.stdout, result.stderr


def _added(out: str) -> list[str]:
    return [line[1:] for line in out.splitlines() if line.startswith("+- ")]


def _s2_only(seed: SeedWorld, title: str, venue: str | None, year: int = 2024, **ids: str) -> None:
    """A paper S2 knows with no arXiv id."""
    place = None
    if venue:
        name, kind, alternates = VENUES[venue]
        place = {"id": venue, "name": name, "type": kind, "alternate_names": alternates}
    seed.scholarly.s2.papers.append(
        S2Paper(
            paper_id="f" * 34 + "abcdef",
            title=title,
            year=year,
            venue=place["name"] if place else "",
            publication_venue=place,
            authors=["Grace Hopper"],
            **ids,
        )
    )


def _one_error_line(err: str) -> str:
    assert err.startswith("Error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize(
    "url",
    [FORUM, f"https://openreview.net/pdf?id={NOTE}", f"{FORUM}&noteId=Rev1ew0001"],
    ids=["forum", "pdf", "forum-with-note"],
)
def test_an_openreview_url_finds_the_papers_arxiv_version_through_s2(
    world: tuple[SeedWorld, VenueWorld], emulator: Emulator, url: str
) -> None:
    seed, venues = world
    plant_new_paper(seed)
    venues.add_note(OpenReviewNote(NOTE, NEW_TITLE, ["Ada Lovelace"]))
    code, out, err = _add(url, *SECTION)
    assert code == 0, err
    assert _added(out) == [
        f"- **`[ReasonIS]`** {NEW_TITLE}. CVPR'2025. [[paper](https://arxiv.org/abs/{NEW_ID})]"
        " | [[code](https://github.com/pixelwise/pixelwise)]"
    ]
    asked = [r.target for r in emulator.requests_to("api2.openreview.net")]
    assert asked == [f"/notes?id={NOTE}"]


def test_a_review_note_leads_to_its_paper(world: tuple[SeedWorld, VenueWorld]) -> None:
    seed, venues = world
    plant_new_paper(seed)
    venues.add_note(OpenReviewNote(NOTE, NEW_TITLE))
    venues.add_note(OpenReviewNote("Rev1ew0001", "Official Review of Submission 12", forum=NOTE))
    code, out, err = _add("https://openreview.net/forum?id=Rev1ew0001", *SECTION)
    assert code == 0, err
    assert f"{NEW_TITLE}. CVPR'2025. [[paper](https://arxiv.org/abs/{NEW_ID})]" in out


def test_a_paper_s2_knows_with_no_arxiv_id_is_written_from_s2_and_links_its_page(
    world: tuple[SeedWorld, VenueWorld],
) -> None:
    seed, venues = world
    _s2_only(seed, OFFLINE_TITLE, "ICLR")
    venues.add_note(OpenReviewNote(NOTE, OFFLINE_TITLE, venue="ICLR 2024 poster"))
    code, out, err = _add(FORUM, *SECTION)
    assert code == 0, err
    assert _added(out) == [f"- **`[ReasonIS]`** {OFFLINE_TITLE}. ICLR'2024. [[paper]({FORUM})]"]


def test_a_paper_s2_does_not_know_is_written_from_its_openreview_note(
    world: tuple[SeedWorld, VenueWorld],
) -> None:
    seed, venues = world
    # S2's fuzzy match finds a paper with a similar title: another paper, not used.
    _s2_only(seed, "Masks With Words: Segmentation Posted Everywhere", "CVPR")
    venues.add_note(OpenReviewNote(NOTE, OFFLINE_TITLE, venue="ICLR 2024 poster"))
    code, out, err = _add(FORUM, *SECTION)
    assert code == 0, err
    assert _added(out) == [f"- **`[ReasonIS]`** {OFFLINE_TITLE}. ICLR'2024. [[paper]({FORUM})]"]
    assert "Semantic Scholar does not know it: written from OpenReview" in err
    # A submission not (yet) accepted names no venue: a placeholder, not "arXiv'2024".
    venues.add_note(OpenReviewNote(NOTE, OFFLINE_TITLE, venue="Submitted to ICLR 2025"))
    code, out, err = _add(FORUM, *SECTION)
    assert code == 0, err
    assert _added(out) == [f"- **`[ReasonIS]`** {OFFLINE_TITLE}. TODO:venue. [[paper]({FORUM})]"]


@pytest.mark.parametrize(
    ("arrange", "url", "exit_code", "message"),
    [
        ("missing", FORUM, 2, f"Error: OpenReview has no paper '{NOTE}' (HTTP 404)"),
        ("empty", FORUM, 2, f"Error: OpenReview shows no paper '{NOTE}'"),
        ("refused", FORUM, 3, "Error: OpenReview did not answer (HTTP 429); try again later"),
        ("down", FORUM, 3, "Error: OpenReview did not answer (HTTP 503); try again later"),
        ("s2-down", FORUM, 3, "Error: Semantic Scholar did not answer (HTTP 503)"),
        ("note", "https://openreview.net/group?id=ICLR.cc/2024", 2, "Error: 'https://openreview"),
        ("note", "https://openreview.net/forum", 2, "names no paper: an OpenReview URL needs ?id="),
    ],
    ids=["404", "no-notes", "429", "503", "s2-down", "not-a-paper", "no-id"],
)
def test_openreview_failures_are_one_error_line_and_an_exit_code(
    world: tuple[SeedWorld, VenueWorld], arrange: str, url: str, exit_code: int, message: str
) -> None:
    seed, venues = world
    before = Path("data/awesome-list.md").read_text()
    if arrange != "missing":
        venues.add_note(OpenReviewNote(NOTE, OFFLINE_TITLE))
    if arrange == "empty":
        venues.empty.add(NOTE)
    venues.refuse = 100 if arrange == "refused" else 0
    venues.fail_status = 503 if arrange == "down" else None
    seed.scholarly.s2.fail_status = 503 if arrange == "s2-down" else None
    code, out, err = _add(url, *SECTION, "--write")
    assert (code, out) == (exit_code, "")
    assert message in _one_error_line(err)
    assert Path("data/awesome-list.md").read_text() == before


@pytest.mark.parametrize(
    "url",
    [
        f"https://proceedings.neurips.cc{ABSTRACT}",
        f"https://proceedings.neurips.cc/paper_files/paper/2023/file/{HASH}-Paper-Conference.pdf",
        f"https://papers.nips.cc{ABSTRACT}",
        "https://neurips.cc/virtual/2023/poster/70123",
    ],
    ids=["abstract", "pdf", "papers.nips.cc", "virtual"],
)
def test_a_neurips_page_finds_the_paper_by_the_title_it_names(
    world: tuple[SeedWorld, VenueWorld], emulator: Emulator, url: str
) -> None:
    seed, venues = world
    plant_new_paper(seed)
    for host in ("proceedings.neurips.cc", "papers.nips.cc"):
        venues.add_page(host, NeurIPSPage(ABSTRACT, NEW_TITLE, ["Ada Lovelace"]))
    venues.add_page("neurips.cc", NeurIPSPage("/virtual/2023/poster/70123", NEW_TITLE, meta=False))
    code, out, err = _add(url, *SECTION)
    assert code == 0, err
    assert f"{NEW_TITLE}. CVPR'2025. [[paper](https://arxiv.org/abs/{NEW_ID})]" in out
    pages = [
        r.path for r in emulator.requests if r.host in ("proceedings.neurips.cc", "neurips.cc")
    ]
    assert pages in ([ABSTRACT], ["/virtual/2023/poster/70123"], [])


def test_a_neurips_paper_s2_does_not_know_is_written_from_its_page(
    world: tuple[SeedWorld, VenueWorld],
) -> None:
    _, venues = world
    venues.add_page("proceedings.neurips.cc", NeurIPSPage(ABSTRACT, OFFLINE_TITLE, ["Alan Turing"]))
    pdf = f"https://proceedings.neurips.cc/paper_files/paper/2023/file/{HASH}-Paper-Conference.pdf"
    code, out, err = _add(pdf, *SECTION)
    assert code == 0, err
    assert _added(out) == [f"- **`[ReasonIS]`** {OFFLINE_TITLE}. NeurIPS'2023. [[paper]({pdf})]"]


@pytest.mark.parametrize(
    ("arrange", "url", "exit_code", "message"),
    [
        ("missing", ABSTRACT, 2, "Error: NeurIPS has no page https://proceedings.neurips.cc"),
        ("down", ABSTRACT, 3, "Error: NeurIPS's site did not answer (HTTP 503)"),
        ("refused", ABSTRACT, 3, "Error: NeurIPS's site did not answer (HTTP 429)"),
        ("page", "/paper_files/paper/2023", 2, "is not a NeurIPS paper page"),
    ],
    ids=["404", "503", "429", "not-a-paper"],
)
def test_neurips_failures_are_one_error_line_and_an_exit_code(
    world: tuple[SeedWorld, VenueWorld], arrange: str, url: str, exit_code: int, message: str
) -> None:
    _, venues = world
    venues.fail_status = 503 if arrange == "down" else None
    venues.refuse = 100 if arrange == "refused" else 0
    code, out, err = _add(f"https://proceedings.neurips.cc{url}", *SECTION)
    assert (code, out) == (exit_code, "")
    assert message in _one_error_line(err)


def test_a_doi_of_a_paper_with_no_arxiv_id_links_doi_org(
    world: tuple[SeedWorld, VenueWorld],
) -> None:
    seed, _ = world
    _s2_only(seed, OFFLINE_TITLE, "TGRS", 2025, doi="10.1109/TGRS.2025.1234567")
    code, out, err = _add("doi:10.1109/TGRS.2025.1234567", *SECTION)
    assert code == 0, err
    assert _added(out) == [
        f"- **`[ReasonIS]`** {OFFLINE_TITLE}. TGRS'2025. "
        "[[paper](https://doi.org/10.1109/TGRS.2025.1234567)]"
    ]


def test_a_cvf_page_of_a_paper_with_no_arxiv_id_links_the_page(
    world: tuple[SeedWorld, VenueWorld],
) -> None:
    seed, _ = world
    _s2_only(seed, "Masks Without Words: Segmentation Never Posted", "CVPR", 2024)
    url = (
        "https://openaccess.thecvf.com/content/CVPR2024/html/"
        "Hopper_Masks_Without_Words_Segmentation_Never_Posted_CVPR_2024_paper.html"
    )
    code, out, err = _add(url, *SECTION)
    assert code == 0, err
    assert _added(out) == [
        f"- **`[ReasonIS]`** Masks Without Words: Segmentation Never Posted. CVPR'2024. "
        f"[[paper]({url})]"
    ]
    # S2 does not know it: a CVF page has nothing else to go on.
    seed.scholarly.s2.papers.pop()
    code, out, err = _add(url, *SECTION)
    assert (code, out) == (2, "")
    assert "Semantic Scholar knows none" in _one_error_line(err)


def test_a_venue_s2_does_not_name_comes_from_the_openreview_note(
    world: tuple[SeedWorld, VenueWorld],
) -> None:
    seed, venues = world
    plant_new_paper(seed, venue=None, code=None)  # S2: a preprint
    venues.add_note(OpenReviewNote(NOTE, NEW_TITLE, venue="ICLR 2025 oral", pdate=0))
    code, out, err = _add(FORUM, *SECTION)
    assert code == 0, err
    assert _added(out) == [
        f"- **`[ReasonIS]`** {NEW_TITLE}. ICLR'2025. [[paper](https://arxiv.org/abs/{NEW_ID})]"
    ]
