"""Issue 12.2: the gate compares with the previous catalog; a list that lost its entries fails."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.gate import check_gate, likely_cause
from pipeline.model import RunStats
from tests.emulator import Emulator, World, load_world
from tests.sample_catalog import sample_catalog


@pytest.fixture
def refreshed(emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A list of three papers on emulated hosts, refreshed online (links) into tmp/out."""
    load_world(emulator, World.from_dict({"hosts": {"site": {"default": {}}}}))
    lines = [
        f"- Paper number {i}. CVPR'2024. [[paper]({emulator.url('site', f'/p{i}')})]"
        for i in range(3)
    ]
    (tmp_path / "list.md").write_text("# Papers\n\n" + "\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PIPELINE_CACHE_DIR", str(tmp_path / "cache"))
    assert _refresh().exit_code == 0
    return tmp_path


def _refresh():
    return CliRunner().invoke(
        app, ["refresh", "-q", "--only", "links", "-i", "list.md", "-o", "out"]
    )


def _gate(*extra: str):
    return CliRunner().invoke(app, ["gate", "-i", "list.md", "-o", "out", *extra])


def test_gate_passes_a_second_healthy_run(refreshed: Path) -> None:
    assert _refresh().exit_code == 0
    result = _gate()
    assert result.exit_code == 0, result.stderr


def test_unclosed_comment_at_the_top_fails_the_gate_and_names_it(refreshed: Path) -> None:
    listing = refreshed / "list.md"
    listing.write_text("<!--\n" + listing.read_text(encoding="utf-8"), encoding="utf-8")
    refresh = _refresh()
    assert refresh.exit_code == 0  # the run itself is fine: it is the gate's call
    assert "0 entries" in refresh.stderr
    result = _gate()
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "gate: no pull request: the catalog has no entries, so nothing to propose: is list.md "
        "the paper list? (an unclosed HTML comment at line 1?)",
        "gate: no pull request: the list now has 0 entries; the last run had 3 "
        "(100% fewer, more than 20%): an unclosed HTML comment at line 1?",
        "gate: no pull request: the list now has 0 links; the last run had 3 "
        "(100% fewer, more than 20%): an unclosed HTML comment at line 1?",
    ]


def test_an_emptied_list_fails_the_gate(refreshed: Path) -> None:
    (refreshed / "list.md").write_text("", encoding="utf-8")
    assert _refresh().exit_code == 0
    result = _gate()
    assert result.exit_code == 1
    assert "the list file is empty" in result.stderr


def test_a_drop_within_the_threshold_passes_and_max_drop_tunes_it(refreshed: Path) -> None:
    listing = refreshed / "list.md"
    kept = listing.read_text(encoding="utf-8").splitlines()[:-1]  # 3 papers -> 2: 33% fewer
    listing.write_text("\n".join(kept) + "\n", encoding="utf-8")
    assert _refresh().exit_code == 0
    assert _gate("--max-drop", "0.5").exit_code == 0
    assert _gate().exit_code == 1


def test_previous_option_compares_with_a_given_catalog(refreshed: Path) -> None:
    (refreshed / "old.json").write_bytes((refreshed / "out" / "catalog.json").read_bytes())
    (refreshed / "list.md").write_text("# Papers\n", encoding="utf-8")
    assert _refresh().exit_code == 0
    assert _refresh().exit_code == 0  # the replaced catalog now has 0 entries too
    plain = _gate()  # fails on the empty catalog alone: no drop since the last run
    assert plain.exit_code == 1 and "the last run had" not in plain.stderr
    result = _gate("--previous", "old.json")
    assert result.exit_code == 1
    assert "the last run had 3" in result.stderr


def test_gate_on_a_first_run_has_nothing_to_compare() -> None:
    catalog = sample_catalog().model_copy(update={"stats": RunStats()})
    assert check_gate(catalog, 1.0).ok


@pytest.mark.parametrize(
    ("text", "cause"),
    [
        ("", "the list file is empty"),
        ("# L\n\n<!-- old -->\n<!--\n- a\n", "an unclosed HTML comment at line 4?"),
        ("# L\n<!-- closed -->\n", "were entries deleted, or did the list's format change?"),
    ],
    ids=["empty", "unclosed-after-closed", "no-comment"],
)
def test_likely_cause(text: str, cause: str) -> None:
    assert likely_cause(text) == cause


# Issue 19.18: a catalog with no entries never passes -----------------------------------------


def test_a_first_run_on_a_file_with_no_entries_fails_the_gate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `list: ../../../etc/hostname`: a first run, nothing to compare with, 0 of 0 lost.
    (tmp_path / "hostname").write_text("build-host-7\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PIPELINE_CACHE_DIR", str(tmp_path / "cache"))
    refresh = CliRunner().invoke(
        app, ["refresh", "-q", "--only", "links", "-i", "hostname", "-o", "out"]
    )
    assert refresh.exit_code == 0, refresh.stderr
    result = CliRunner().invoke(app, ["gate", "-i", "hostname", "-o", "out"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "gate: no pull request: the catalog has no entries, so nothing to propose: is hostname "
        "the paper list? (were entries deleted, or did the list's format change?)"
    ]


def test_check_gate_refuses_an_empty_catalog_even_with_no_history() -> None:
    catalog = sample_catalog().model_copy(update={"entries": [], "stats": RunStats()})
    result = check_gate(catalog, 1.0)
    assert not result.ok and result.reasons[0].startswith("the catalog has no entries")
