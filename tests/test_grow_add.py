"""`pipeline add` on the shipped list, in its emulated world: style, placement, refusals."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from tests.emulator import Emulator
from tests.emulator.arxiv_api import Paper
from tests.emulator.github_api import FakeRepo
from tests.emulator.scholarly_api import S2Paper
from tests.emulator.scholarly_world import VENUES
from tests.emulator.seed_world import SeedWorld
from tests.world_env import serve_seed

LIST = Path("data/awesome-list.md")
NEW_ID = "2511.01234"
NEW_TITLE = "PixelWise: Segmenting Anything a Language Model Can Name"


def _s2_id(key: str) -> str:
    return hashlib.sha1(key.encode()).hexdigest()[:40]


def plant_new_paper(
    seed: SeedWorld,
    arxiv_id: str = NEW_ID,
    title: str = NEW_TITLE,
    *,
    venue: str | None = "CVPR",
    year: int = 2025,
    code: str | None = "https://github.com/pixelwise/pixelwise",
    project: str | None = None,
    cites: tuple[str, ...] = (),
) -> None:
    """A paper not on the list, known to arXiv, S2 (citing `cites`), HF and GitHub."""
    published = datetime(2000 + int(arxiv_id[:2]), int(arxiv_id[2:4]), 3, tzinfo=UTC)
    seed.arxiv.add(
        Paper(arxiv_id=arxiv_id, title=title, published=published, authors=["Ada Lovelace"])
    )
    place = None
    if venue:
        name, kind, alternates = VENUES[venue]
        place = {"id": venue, "name": name, "type": kind, "alternate_names": alternates}
    seed.scholarly.s2.papers.append(
        S2Paper(
            paper_id=_s2_id(arxiv_id),
            title=title,
            arxiv_id=arxiv_id,
            year=year,
            venue=place["name"] if place else "arXiv.org",
            publication_venue=place,
            references=[_s2_id(cited) for cited in cites],
        )
    )
    if code or project:
        seed.scholarly.hf.papers[arxiv_id] = {"githubRepo": code, "projectPage": project}
    if code:
        name = code.removeprefix("https://github.com/")
        seed.github.add(FakeRepo(id=990_001 + len(seed.github.repos), full_name=name))


@pytest.fixture
def seed(emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SeedWorld:
    return serve_seed(emulator, tmp_path, monkeypatch)


def _add(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["add", *args])
    return result.exit_code, result.stdout, result.stderr


def test_add_writes_the_sections_style_at_its_bottom(seed: SeedWorld) -> None:
    plant_new_paper(seed)
    before = LIST.read_text()
    code, out, err = _add(NEW_ID, "--section", "General > Benchmark", "--tag", "ReasonIS")
    assert code == 0, err
    expected = (
        f"- **`[ReasonIS]`** {NEW_TITLE}. CVPR'2025. [[paper](https://arxiv.org/abs/{NEW_ID})]"
        " | [[code](https://github.com/pixelwise/pixelwise)]"
    )
    assert f"+{expected}\n" in out
    assert LIST.read_text() == before  # a diff only
    code, _, err = _add(NEW_ID, "--section", "General > Benchmark", "--tag", "ReasonIS", "--write")
    assert code == 0, err
    lines = LIST.read_text().split("\n")
    at = lines.index(expected)
    assert lines[at - 1].startswith("- **`[ReferIS][GRES]`** GroundingSuite")
    assert lines[at + 1] == ""
    assert "line" in err and "General > Benchmark" in err


def test_no_tag_is_a_marked_placeholder_and_missing_links_are_left_out(seed: SeedWorld) -> None:
    plant_new_paper(seed, venue=None, code=None)
    code, out, err = _add(NEW_ID, "--section", "General > Benchmark")
    assert code == 0, err
    added = [line for line in out.splitlines() if line.startswith("+- ")]
    assert added == [
        f"+- **`[TODO:tags]`** {NEW_TITLE}. arXiv'2025. [[paper](https://arxiv.org/abs/{NEW_ID})]"
    ]


def test_a_paper_already_listed_is_refused_with_its_line(seed: SeedWorld) -> None:
    code, _, err = _add("https://arxiv.org/abs/2305.11175v2", "--section", "Survey")
    assert code == 2
    assert err.startswith("Error: ") and "already listed at line 38" in err
    # The same paper under another id: by its title.
    plant_new_paper(
        seed,
        title="VisionLLM: Large Language Model is also an Open-Ended "
        "Decoder for Vision-Centric Tasks",
    )
    code, _, err = _add(NEW_ID, "--section", "Survey")
    assert code == 2 and "already listed at line 38 (same title)" in err


def test_an_ambiguous_section_is_refused_with_the_paths_it_could_mean(seed: SeedWorld) -> None:
    before = LIST.read_text()
    code, _, err = _add(NEW_ID, "--section", "Benchmark")
    assert code == 2
    assert "'General > Benchmark'" in err and "'Remote sensing > Benchmark'" in err
    assert LIST.read_text() == before
    code, _, err = _add(NEW_ID, "--section", "Survey", "--tag", "NotATag")
    assert code == 2 and "unknown tag(s) NotATag" in err
    code, _, err = _add(NEW_ID, "--section", "remote  SENSING")
    assert code == 2 and "holds no papers of its own" in err
    assert "'Remote sensing > Benchmark'" in err and "'General > Benchmark'" not in err


def test_without_section_the_one_whose_papers_it_cites_most(seed: SeedWorld) -> None:
    plant_new_paper(seed, cites=("2501.13925", "2504.09644", "2305.11175"))
    code, _, err = _add(NEW_ID, "--tag", "ReferIS", "--write")
    assert code == 0, err
    assert "'Remote sensing > Segmentation Model with LLM/MLLM'" in err
    lines = LIST.read_text().split("\n")
    at = next(i for i, line in enumerate(lines) if NEW_ID in line)
    assert lines[at - 1].startswith("- **`[ReferIS][ReasonIS]`** Geo-R1")
    assert lines[at].startswith("- **`[ReferIS]`** PixelWise")


def test_without_section_and_no_citation_it_names_the_sections_and_writes_nothing(
    seed: SeedWorld,
) -> None:
    plant_new_paper(seed)
    before = LIST.read_text()
    code, out, err = _add(NEW_ID, "--write")
    assert code == 2 and out == ""
    assert "cites none of the list's papers" in err
    assert "'General > Benchmark'" in err and "'Survey'" in err
    assert LIST.read_text() == before


def test_a_renamed_repo_is_written_under_its_new_name_and_a_deleted_one_left_out(
    seed: SeedWorld,
) -> None:
    plant_new_paper(seed, code="https://github.com/old-pixel/pixelwise")
    repo = seed.github.find("old-pixel/pixelwise")
    assert repo is not None
    repo.full_name = "new-pixel/PixelWise"
    seed.github.renamed["old-pixel/pixelwise"] = repo.id
    code, out, err = _add(NEW_ID, "--section", "General > Benchmark", "--tag", "ReferIS")
    assert code == 0, err
    assert "[[code](https://github.com/new-pixel/PixelWise)]" in out
    del seed.github.repos[repo.id]
    seed.github.renamed.clear()
    seed.github.deleted.add("old-pixel/pixelwise")
    code, out, err = _add(NEW_ID, "--section", "General > Benchmark", "--tag", "ReferIS")
    assert code == 0, err
    assert "[[code]" not in "".join(line for line in out.splitlines() if line.startswith("+"))


def test_the_readme_shows_the_diff_add_prints(seed: SeedWorld) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    shown = readme.split("$ pipeline add 2511.01234 --section 'General > Benchmark' --tag ")[1]
    diff = shown.split("\n", 1)[1].split(f"\n{NEW_ID}: ")[0] + "\n"
    plant_new_paper(seed)
    code, out, err = _add(NEW_ID, "--section", "General > Benchmark", "--tag", "ReasonIS")
    assert code == 0, err
    assert out == diff


def test_sources_down_arxiv_stops_with_exit_3_and_s2_leaves_the_venue_marked(
    seed: SeedWorld,
) -> None:
    plant_new_paper(seed)
    before = LIST.read_text()
    seed.scholarly.s2.fail_status = 503
    code, out, err = _add(NEW_ID, "--section", "General > Benchmark", "--tag", "ReferIS")
    assert code == 0, err
    assert f"+- **`[ReferIS]`** {NEW_TITLE}. TODO:venue. [[paper]" in out
    assert "Semantic Scholar did not answer" in err
    seed.arxiv.fault = "503"
    code, out, err = _add(NEW_ID, "--section", "General > Benchmark", "--write")
    assert code == 3 and out == ""
    assert err.startswith("Error: arXiv did not answer")
    assert LIST.read_text() == before


def test_a_doi_finds_the_paper_through_s2_and_several_papers_are_added_in_turn(
    seed: SeedWorld,
) -> None:
    plant_new_paper(seed)
    seed.scholarly.s2.papers[-1].doi = "10.1109/CVPR.2025.01234"
    plant_new_paper(seed, "2511.05678", "Second Paper: Grounding Without Boxes", venue=None)
    code, _, err = _add(
        "https://doi.org/10.1109/CVPR.2025.01234",
        "2511.05678",
        "--section",
        "Survey",
        "--write",
    )
    assert code == 0, err
    lines = LIST.read_text().split("\n")
    first = next(i for i, line in enumerate(lines) if NEW_ID in line)
    # The Survey section links its one repository as "project": so does the new entry.
    assert lines[first] == (
        f"- {NEW_TITLE}. CVPR'2025. [[paper](https://arxiv.org/abs/{NEW_ID})]"
        " | [[project](https://github.com/pixelwise/pixelwise)]"
    )
    assert lines[first + 1].startswith("- Second Paper: Grounding Without Boxes. arXiv'2025.")
    code, _, err = _add("doi:10.1109/cvpr.2025.01234", "--section", "Survey")
    assert code == 2 and "already listed" in err
