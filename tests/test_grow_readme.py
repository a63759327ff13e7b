"""The README's "Adding papers" part says what `pipeline add` does: its example is the command's
real output (stdout and stderr), it names every option, and its candidates numbers are the
settings' defaults."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import Settings
from tests.emulator import Emulator
from tests.test_grow_add import NEW_ID, plant_new_paper
from tests.world_env import serve_seed

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
ADDING = README.split("## Adding papers (`pipeline add`)")[1].split("\n## ")[0]
COMMAND = "$ pipeline add 2511.01234 --section 'General > Benchmark' --tag ReasonIS\n"


def test_the_readme_example_is_what_add_prints_on_stdout_and_stderr(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = ADDING.split(COMMAND)[1].split("```")[0]
    seed = serve_seed(emulator, tmp_path, monkeypatch)
    plant_new_paper(seed)
    result = CliRunner().invoke(
        app, ["add", NEW_ID, "--section", "General > Benchmark", "--tag", "ReasonIS"]
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout + result.stderr == shown


def test_the_readme_names_every_option_of_add() -> None:
    result = CliRunner().invoke(app, ["add", "--help"])
    options = set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", result.stdout)) - {"--help"}
    assert options == {"--section", "--tag", "--input", "--write"}
    assert [o for o in sorted(options) if f"`{o}" not in ADDING] == []


@pytest.mark.parametrize("name", ["candidates_min_cites", "citations_budget", "citations_ttl_days"])
def test_the_readme_gives_the_candidates_defaults(name: str) -> None:
    default = Settings.model_fields[name].default
    shown = re.search(rf"`{name}` \(([\d.]+)\)", ADDING)
    assert shown is not None and float(shown[1]) == default
