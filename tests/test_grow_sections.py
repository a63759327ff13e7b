"""`pipeline add --section`: headings with no entries yet, heading paths, ambiguous names, and
what happens with no --section and nothing to go on."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import load_settings
from pipeline.grow.add import add_papers
from pipeline.stages.parse import parse_list
from pipeline.stages.resolve import resolve_entries
from tests.emulator import Emulator
from tests.emulator.roundtrip_world import mount_roundtrip_world
from tests.emulator.seed_world import SeedWorld
from tests.test_grow_add import NEW_ID, NEW_TITLE, plant_new_paper
from tests.world_env import serve_seed

LIST = Path("data/awesome-list.md")
ENTRY = (
    f"- **`[ReasonIS]`** {NEW_TITLE}. CVPR'2025. [[paper](https://arxiv.org/abs/{NEW_ID})]"
    " | [[code](https://github.com/pixelwise/pixelwise)]"
)
FIXTURES = Path(__file__).parent / "fixtures" / "grow"


@pytest.fixture
def seed(emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SeedWorld:
    world = serve_seed(emulator, tmp_path, monkeypatch)
    plant_new_paper(world)
    return world


def _add(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["add", *args])
    return result.exit_code, result.stdout, result.stderr


def _insert_before(marker: str, text: str) -> None:
    """Put `text` in the list right before the line `marker`."""
    lines = LIST.read_text().split("\n")
    at = lines.index(marker)
    LIST.write_text("\n".join([*lines[:at], *text.split("\n"), *lines[at:]]))


def test_a_heading_with_no_entries_takes_the_paper_in_its_nearest_siblings_style(
    seed: SeedWorld,
) -> None:
    _insert_before("## Remote sensing", "### Video\n\nPapers that segment videos.\n")
    code, _, err = _add(NEW_ID, "--section", "General > Video", "--tag", "ReasonIS", "--write")
    assert code == 0, err
    lines = LIST.read_text().split("\n")
    at = lines.index("### Video")
    assert lines[at : at + 7] == [
        "### Video",
        "",
        "Papers that segment videos.",
        "",
        ENTRY,
        "",
        "## Remote sensing",
    ]
    assert f"'General > Video', line {at + 5} (first in its section)" in err
    assert (
        "'General > Video' has no entries yet: written in the style of 'General > Benchmark' "
        "(its nearest sibling's)"
    ) in err
    # The next paper goes into it like into any section (now it has an entry).
    plant_new_paper(seed, "2511.05678", "Second Paper: Grounding Without Boxes", code=None)
    code, _, err = _add("2511.05678", "--section", "Video", "--tag", "ReferIS", "--write")
    assert code == 0, err
    assert LIST.read_text().split("\n")[at + 5].startswith("- **`[ReferIS]`** Second Paper")


def test_an_anchor_before_the_next_heading_stays_with_it(seed: SeedWorld) -> None:
    _insert_before("## Remote sensing", '### Video\n\n<a name="remote"></a>\n')
    code, _, err = _add(NEW_ID, "--section", "Video", "--tag", "ReasonIS", "--write")
    assert code == 0, err
    lines = LIST.read_text().split("\n")
    at = lines.index("### Video")
    assert lines[at : at + 7] == [
        "### Video",
        "",
        ENTRY,
        "",
        '<a name="remote"></a>',
        "",
        "## Remote sensing",
    ]


def test_a_link_the_model_section_never_writes_is_written_as_the_list_writes_it(
    seed: SeedWorld,
) -> None:
    plant_new_paper(seed, project="https://pixelwise.github.io/")
    _insert_before("## Remote sensing", "### Video\n")
    code, out, err = _add(NEW_ID, "--section", "Video", "--tag", "ReasonIS")
    assert code == 0, err
    # 'General > Benchmark' links no project pages; tagged entries elsewhere do.
    assert (
        f"+- **`[ReasonIS]`** {NEW_TITLE}. CVPR'2025. [[paper](https://arxiv.org/abs/{NEW_ID})]"
        " | [[code](https://github.com/pixelwise/pixelwise)] | [[project](https://pixelwise.github.io/)]\n"
    ) in out


def test_an_empty_subsection_takes_its_parents_style(seed: SeedWorld) -> None:
    _insert_before("## Remote sensing", "#### Video benchmarks\n")
    code, out, err = _add(NEW_ID, "--section", "Video benchmarks", "--tag", "ReasonIS")
    assert code == 0, err
    assert f"+{ENTRY}\n" in out
    assert "in the style of 'General > Benchmark' (its parent's)" in err


def test_an_empty_heading_name_two_parents_share_is_refused_with_each_path(
    seed: SeedWorld,
) -> None:
    _insert_before("## Remote sensing", "### Video\n")
    _insert_before("## Contributing", "### Video\n")
    before = LIST.read_text()
    code, out, err = _add(NEW_ID, "--section", "video", "--write")
    assert (code, out) == (2, "")
    assert err == (
        "Error: --section 'video' matches 2 sections; give one of 'General > Video'; "
        "'Remote sensing > Video'\n"
    )
    assert LIST.read_text() == before
    code, _, err = _add(NEW_ID, "--section", "Remote sensing > Video")
    assert code == 0, err
    # A parent whose subsections hold the papers is not a place for one.
    code, _, err = _add(NEW_ID, "--section", "General")
    assert code == 2 and "'General' holds no papers of its own; give one of" in err
    assert "'General > Video'" in err and "'General > Benchmark'" in err
    code, _, err = _add(NEW_ID, "--section", "Nowhere")
    assert code == 2 and err.startswith("Error: no heading 'Nowhere' in the list; sections: ")


def test_without_section_when_s2_cannot_say_what_it_cites_it_names_the_sections(
    seed: SeedWorld,
) -> None:
    seed.scholarly.s2.fail_status = 503
    before = LIST.read_text()
    code, out, err = _add(NEW_ID, "--write")
    assert (code, out) == (2, "")
    assert err.startswith(
        "Error: no section given and Semantic Scholar could not say what it cites; "
        "choose one with --section: 'Survey'; 'General > MLLM with Segmentation Capability';"
    )
    assert LIST.read_text() == before


def test_an_empty_section_of_a_table_list_gets_the_tables_head(
    emulator: Emulator, tmp_path: Path
) -> None:
    text = (FIXTURES / "padded-table.md").read_text()
    entries, _ = resolve_entries(parse_list(text, "padded-table.md"))
    lines = text.split("\n")
    removed = next(i for i, line in enumerate(lines) if "2001.30004" in line)
    listed = [*lines[:removed], *lines[removed + 1 :], "## Later papers", ""]
    world = mount_roundtrip_world(emulator, entries, lines)
    settings = load_settings(
        {**world, "github_token": "t", "arxiv_interval": 0.0, "s2_interval": 0.0},
        env={},
        project_dir=tmp_path,
    )
    new, added = asyncio.run(
        add_papers(settings, "\n".join(listed), ["2001.30004"], section="Later papers")
    )
    tail = new.split("\n")[len(listed) - 1 :]
    head = next(i for i, line in enumerate(lines) if line.startswith("|"))
    assert tail[:3] == ["", lines[head], lines[head + 1]]
    assert tail[3].startswith("|") and "[Scaling Laws for Language Models](" in tail[3]
    assert added[0].order == "first in its section"
    assert new.split("\n")[added[0].line - 1] == tail[3]  # the line it names is the row
