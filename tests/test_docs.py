"""The README and --help agree with the code."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands() -> list[str]:
    return sorted(command.name or "" for command in app.registered_commands)


def test_every_command_is_in_the_readme() -> None:
    missing = [name for name in _commands() if f"pipeline {name}" not in README]
    assert missing == []


def test_every_command_has_help() -> None:
    for name in _commands():
        result = CliRunner().invoke(app, [name, "--help"])
        assert result.exit_code == 0, name
        assert len(result.stdout.strip().splitlines()) > 3, name


def test_every_option_of_every_command_is_in_the_readme() -> None:
    for name in _commands():
        result = CliRunner().invoke(app, [name, "--help"])
        for option in set(re.findall(r"(--[a-z][a-z-]+)", result.stdout)) - {"--help"}:
            assert f"`{option}" in README, f"{name} {option} is not documented"


def test_every_setting_is_in_the_readme() -> None:
    missing = [name for name in Settings.model_fields if f"`{name}`" not in README]
    assert missing == []


def test_readme_shows_the_two_commands_and_ci_runs_the_test_one() -> None:
    assert "make refresh" in README and "make test" in README
    assert "make test" in (ROOT / ".ci" / "run").read_text()
