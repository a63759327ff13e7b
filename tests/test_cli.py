"""Every command through the real typer app: help, happy path, each error path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline import __version__
from pipeline.cli import _run, app
from pipeline.files import LOCK_NAME, run_lock
from pipeline.model import Catalog, FetchStatus

LIST = """# Papers

## Segmentation

- **`[ReferIS]`** LISA: Reasoning Segmentation via Large Language Model. CVPR'2024. [[paper](https://arxiv.org/abs/2308.00692v3)] | [[code](https://github.com/dvlab-research/LISA)]
- GSVA: Generalized Segmentation via Multimodal Large Language Models. CVPR'2024. [[paper](https://openaccess.thecvf.com/content/CVPR2024/html/Xia_GSVA.html)]
"""


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with a small list in it, as the current directory, with a clean environment."""
    monkeypatch.chdir(tmp_path)
    for name in ("GITHUB_TOKEN", "GH_TOKEN", "ARXIV_API_URL", "GITHUB_API_URL"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "awesome-list.md").write_text(LIST, encoding="utf-8")
    return tmp_path


def _invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def _one_error_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def test_version_prints_the_version() -> None:
    result = _invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"pipeline {__version__}"


@pytest.mark.parametrize("command", sorted(c.name for c in app.registered_commands))
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = _invoke(command, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.stdout


def test_init_help_names_the_list_it_finds_not_refreshs_default() -> None:
    # init looks for the list in the checkout; refresh's default path would mislead.
    result = _invoke("init", "--help")
    assert "README.md" in result.stdout
    assert "awesome-list.md" not in result.stdout


def test_refresh_offline_writes_a_catalog_marked_not_fetched(workdir: Path) -> None:
    result = _invoke("refresh", "--offline")
    assert result.exit_code == 0, result.output
    assert "not fetched" in result.stderr
    catalog = Catalog.model_validate_json((workdir / "data" / "catalog.json").read_text())
    assert [e.key for e in catalog.entries] == [
        "arxiv:2308.00692",
        "gsva-generalized-segmentation-via-multimodal-large-language-models",
    ]
    lisa = catalog.entries[0]
    assert lisa.arxiv_id == "2308.00692"
    assert lisa.arxiv_month == "2023-08"
    assert lisa.links[0].arxiv_version == 3
    assert lisa.repos == ["dvlab-research/LISA"]
    assert catalog.repos["dvlab-research/lisa"].status is FetchStatus.NOT_FETCHED
    assert lisa.arxiv is None
    assert catalog.stats.offline is True


def test_refresh_honours_input_and_output_dir(workdir: Path) -> None:
    (workdir / "other.md").write_text(LIST, encoding="utf-8")
    result = _invoke("refresh", "--offline", "--input", "other.md", "--output-dir", "out")
    assert result.exit_code == 0, result.output
    catalog = json.loads((workdir / "out" / "catalog.json").read_text())
    assert catalog["source"] == "other.md"
    assert len(catalog["entries"]) == 2


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: None, "not found"),
        (lambda p: p.mkdir(), "directory"),
        (lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "binary"),
        (
            lambda p: p.write_bytes("- caf\u00e9 [x](https://a.example)\n".encode("latin-1")),
            "UTF-8",
        ),
    ],
    ids=["missing", "directory", "binary", "not-utf8"],
)
def test_unreadable_input_is_one_line_and_exit_2(workdir: Path, make, message: str) -> None:
    target = workdir / "bad.md"
    make(target)
    result = _invoke("refresh", "--offline", "--input", str(target))
    assert result.exit_code == 2
    line = _one_error_line(result)
    assert line.startswith("Error: ")
    assert message.lower() in line.lower()
    assert not (workdir / "data" / "catalog.json").exists()


def test_unwritable_output_dir_is_one_line_and_exit_2(workdir: Path) -> None:
    (workdir / "a-file").write_text("x")
    result = _invoke("refresh", "--offline", "--output-dir", "a-file/sub")
    assert result.exit_code == 2
    assert _one_error_line(result).startswith("Error: a-file")


def test_unknown_stage_is_a_usage_error(workdir: Path) -> None:
    result = _invoke("refresh", "--offline", "--only", "pdfs")
    assert result.exit_code == 2
    assert "unknown stage 'pdfs'" in _one_error_line(result)


def test_skipping_an_always_stage_is_refused(workdir: Path) -> None:
    result = _invoke("refresh", "--skip", "parse")
    assert result.exit_code == 2
    assert "always runs" in _one_error_line(result)


def test_fail_on_warning_exits_1_and_still_writes(workdir: Path) -> None:
    (workdir / "data" / "awesome-list.md").write_text(
        LIST + LIST.split("\n", 4)[4], encoding="utf-8"
    )
    result = _invoke("refresh", "--offline", "--fail-on", "warning")
    assert result.exit_code == 1, result.output
    assert "policy failed" in result.stderr
    assert (workdir / "data" / "catalog.json").exists()


def test_corrupt_previous_catalog_is_kept_and_reported(workdir: Path) -> None:
    catalog = workdir / "data" / "catalog.json"
    catalog.write_text('{"schema_version": 1, "entries": [', encoding="utf-8")
    result = _invoke("refresh", "--offline")
    assert result.exit_code == 2
    assert "not valid JSON" in _one_error_line(result)
    assert catalog.read_text() == '{"schema_version": 1, "entries": ['


def test_second_refresh_on_the_same_folder_says_one_is_running(workdir: Path) -> None:
    with run_lock(workdir / "data"):
        result = _invoke("refresh", "--offline")
    assert result.exit_code == 2
    assert "another refresh is running" in _one_error_line(result)
    assert (workdir / "data" / LOCK_NAME).exists()


def test_parse_prints_a_table_and_findings(workdir: Path) -> None:
    result = _invoke("parse")
    assert result.exit_code == 0, result.output
    assert "LISA" in result.stdout
    assert "2 entries" in result.stdout


def test_parse_json_has_ids_as_fields(workdir: Path) -> None:
    result = _invoke("parse", "data/awesome-list.md", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    first = payload["entries"][0]
    assert first["arxiv_id"] == "2308.00692"
    assert first["links"][0]["arxiv_version"] == 3
    assert first["repos"] == ["dvlab-research/LISA"]
    assert first["section"] == ["Segmentation"]  # the H1 is the list's title
    assert first["tags"] == ["ReferIS"]
    assert (first["venue"], first["year"]) == ("CVPR", 2024)


def test_parse_binary_file_exits_2_with_one_line(workdir: Path) -> None:
    (workdir / "blob.bin").write_bytes(bytes(range(256)))
    result = _invoke("parse", "blob.bin")
    assert result.exit_code == 2
    assert _one_error_line(result).startswith("Error: blob.bin")


def test_schema_check_passes_for_the_checked_in_schema() -> None:
    root = Path(__file__).resolve().parents[1]
    result = _invoke("schema", "--check", str(root / "schema" / "catalog.schema.json"))
    assert result.exit_code == 0, result.output


def test_schema_check_fails_on_a_stale_file(tmp_path: Path) -> None:
    stale = tmp_path / "schema.json"
    stale.write_text("{}\n")
    result = _invoke("schema", "--check", str(stale))
    assert result.exit_code == 1
    assert "out of date" in result.stderr


def test_list_over_the_size_cap_is_refused_in_one_line(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIPELINE_MAX_LIST_BYTES", "2048")
    (workdir / "data" / "awesome-list.md").write_text(LIST * 10, encoding="utf-8")
    result = _invoke("refresh", "--offline")
    assert result.exit_code == 2
    assert "max_list_bytes" in _one_error_line(result)


def test_a_commands_result_is_handed_over_unformatted() -> None:
    # asyncio's runner formats the main task (its result included) when it ends: for a
    # 10,000-entry catalog that took half a second after the run was over.
    formatted = []

    class Catalogish:
        def __repr__(self) -> str:
            formatted.append(self)
            return "catalog"

    async def command() -> Catalogish:
        return Catalogish()

    assert isinstance(_run(command()), Catalogish)
    assert formatted == []
