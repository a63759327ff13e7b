"""The emit stage: the catalog and its schema, written atomically, read back."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest

from pipeline.errors import CatalogError, OutputError
from pipeline.files import write_text_atomic
from pipeline.model import Catalog, Entry, Link, LinkHealth, LinkKind, Verdict
from pipeline.stages.emit import SCHEMA_PATH, read_catalog, render_schema, write_catalog

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def _catalog() -> Catalog:
    link = Link(
        label="paper",
        url="https://arxiv.org/abs/2305.11175",
        line=3,
        column=5,
        kind=LinkKind.ARXIV,
        normalized_url="https://arxiv.org/abs/2305.11175",
        arxiv_id="2305.11175",
        health=LinkHealth(verdict=Verdict.OK, checked_at=NOW, verified_by="arxiv-api"),
    )
    entry = Entry(
        key="arxiv:2305.11175",
        section=["General"],
        title="VisionLLM",
        line=3,
        arxiv_id="2305.11175",
        links=[link],
    )
    return Catalog(generated_at=NOW, source="data/awesome-list.md", entries=[entry])


def test_checked_in_schema_matches_the_models() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render_schema()


def test_written_catalog_validates_against_the_schema(tmp_path: Path) -> None:
    path = tmp_path / "catalog.json"
    write_catalog(_catalog(), path)
    jsonschema.validate(json.loads(path.read_text()), json.loads(render_schema()))


def test_catalog_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "catalog.json"
    write_catalog(_catalog(), path)
    assert read_catalog(path) == _catalog()


def test_a_lone_surrogate_escape_in_an_edited_catalog_is_mended(tmp_path: Path) -> None:
    # json.loads turns "\\ud800" into a character no UTF-8 file can hold: writing failed.
    path = tmp_path / "catalog.json"
    write_catalog(_catalog(), path)
    text = path.read_text(encoding="utf-8").replace(
        '"VisionLLM"', '"Vision\\ud800LLM \\ud83d\\ude00"'
    )
    path.write_text(text, encoding="utf-8")
    catalog = read_catalog(path)
    assert catalog is not None and catalog.entries[0].title == "Vision\ufffdLLM \U0001f600"
    write_catalog(catalog, path)
    assert read_catalog(path) == catalog


def test_no_previous_catalog_is_none(tmp_path: Path) -> None:
    assert read_catalog(tmp_path / "catalog.json") is None


def test_other_schema_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "catalog.json"
    path.write_text('{"schema_version": 99}')
    with pytest.raises(CatalogError, match="schema_version 99"):
        read_catalog(path)


def test_catalog_not_matching_the_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "catalog.json"
    path.write_text('{"schema_version": 1, "generated_at": "x", "source": "s", "entries": []}')
    with pytest.raises(CatalogError, match="generated_at"):
        read_catalog(path)


def test_atomic_write_replaces_whole_file_and_leaves_no_temp(tmp_path: Path) -> None:
    path = tmp_path / "out.txt"
    path.write_text("old")
    write_text_atomic(path, "new")
    assert path.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_failed_atomic_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "dir-in-the-way"
    target.mkdir()
    (target / "keep").write_text("x")
    with pytest.raises(OutputError):
        write_text_atomic(target, "new")
    assert (target / "keep").read_text() == "x"
    assert [p.name for p in tmp_path.iterdir()] == ["dir-in-the-way"]


# -- 12.4: corrupt previous catalogs are a clear error, the file untouched ----------------------


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("[" * 100_000 + "]" * 100_000, "is nested too deeply"),
        ('{"schema_version": 1, "x": ' + "9" * 5000 + "}", "holds a number with too many digits"),
    ],
    ids=["nested-100000-deep", "5000-digit-integer"],
)
def test_corrupt_previous_catalog_is_one_error_line_and_left_untouched(
    tmp_path: Path, text: str, why: str
) -> None:
    from typer.testing import CliRunner

    from pipeline.cli import app

    (tmp_path / "list.md").write_text("- A paper. [[paper](https://e.example/a)]\n")
    catalog = tmp_path / "out" / "catalog.json"
    catalog.parent.mkdir()
    catalog.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(
        app,
        ["refresh", "--offline", "-q", "-i", str(tmp_path / "list.md"), "-o", str(catalog.parent)],
    )
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"Error: {catalog}: the previous catalog {why}; "
        "restore it with `git checkout` or delete it to start afresh"
    ]
    assert catalog.read_text(encoding="utf-8") == text
