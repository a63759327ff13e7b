"""The README and --help agree with the code."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import typer
import typer.main
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import Settings
from pipeline.policy import FAIL_ON_KINDS

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


# Issue 19.10: the README's option tables say what the CLI does, not only its names ---------

_COMMANDS = typer.main.get_command(app).commands  # type: ignore[attr-defined]
_ROW = re.compile(r"^\| (`[^|]*`) \|(.*)\|$", re.MULTILINE)


def _options_of(cell: str) -> list[str]:
    return re.findall(r"`(--?[a-z][a-z-]*)", cell)


def _params(command: str) -> dict[str, Any]:
    return {opt: param for param in _COMMANDS[command].params for opt in param.opts}


def _option_rows() -> list[tuple[list[str], list[str], str]]:
    """(options, commands, meaning) of every option row in the README's option tables."""
    rows = []
    for table in re.split(r"\n\n", README):
        header = table.splitlines()[0] if table.startswith("| option |") else ""
        for cells, rest in _ROW.findall(table) if header else []:
            parts = [part.strip() for part in rest.split("|")]
            if header.startswith("| option | command |"):
                commands = [c.strip() for c in parts[0].split(",")]
                meaning = parts[1]
            elif header.startswith("| option | meaning | default |"):
                # "Options shared by the commands that read the list or write outputs".
                first = _options_of(cells)[0]
                # init looks for the list in the checkout: its paragraph gives its own default.
                commands = [n for n in _COMMANDS if first in _params(n) and n != "init"]
                assert len(commands) >= 4, cells
                meaning = f"{parts[0]} (default {parts[1]})"
            else:  # "`refresh` also takes:"
                commands, meaning = ["refresh"], parts[0]
            rows.append((_options_of(cells), commands, meaning))
    return rows


def test_every_option_row_names_real_options_of_its_commands() -> None:
    rows = _option_rows()
    assert len(rows) >= 15
    for options, commands, _ in rows:
        for command in commands:
            missing = [opt for opt in options if opt not in _params(command)]
            assert missing == [], f"README documents {missing} for `{command}`"


def _default_text(value: object) -> str:
    return str(value).rstrip("/") if value is not None else ""


def test_inits_input_default_in_the_readme_is_its_helps() -> None:
    stated = re.search(r"`init` takes `--input` \(default: ([^;]+);", README)
    assert stated is not None
    found = re.search(r"\[default: ([^\]]+)\]", _params("init")["--input"].help)
    assert found is not None
    assert " ".join(stated[1].split()).replace("`", "") == found[1]


def test_every_default_the_readme_gives_is_the_clis() -> None:
    checked = 0
    for options, commands, meaning in _option_rows():
        stated = re.search(r"\(default `?([^`)]+?)`?\)", meaning)
        if stated is None:
            continue
        for command in commands:
            param = _params(command)[options[0]]
            default = param.default
            if default is None:  # the help names the default from config.py: [default: X]
                found = re.search(r"\[default: ([^\]]+)\]", getattr(param, "help", "") or "")
                default = found[1] if found else None
            assert _default_text(default) == stated[1].rstrip("/"), (command, options[0])
            checked += 1
    assert checked >= 4


def test_every_fail_on_row_lists_exactly_the_policys_kinds() -> None:
    rows = [meaning for options, _, meaning in _option_rows() if options == ["--fail-on"]]
    assert len(rows) == 2  # refresh and check-pr
    for meaning in rows:
        assert set(re.findall(r"`([a-z]+)`", meaning)) >= set(FAIL_ON_KINDS), meaning
    for name in ("refresh", "check-pr"):
        help_text = _params(name)["--fail-on"].help or ""
        assert all(kind in help_text for kind in FAIL_ON_KINDS), name


def test_every_commands_help_example_parses_with_its_options() -> None:
    for name, command in _COMMANDS.items():
        (example,) = re.findall(r"Example: (.+)", command.help or "")
        # `<(git show ...)` is a file to the command; pipes and && join other programs.
        example = re.sub(r"<\([^)]*\)", "/dev/fd/63", example)
        calls = [part.strip() for part in re.split(r"&&|\|", example)]
        ours = [shlex.split(call)[1:] for call in calls if call.startswith("pipeline ")]
        assert ours and all(args[0] == name for args in ours), example
        for args in ours:
            command.make_context(name, args[1:])  # raises on an unknown option or a bad value
