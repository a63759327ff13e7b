"""`pipeline check-pr`: changed lines as ranges, option injection, failing on errors, duplicates."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.prcheck import LineRanges, changed_entries, parse_changed_lines
from tests.git_support import git
from tests.sample_catalog import sample_catalog

LIST = """# Papers

## Segmentation

- LISA: Reasoning Segmentation. CVPR'2024. [[paper](https://arxiv.org/abs/2308.00692)] | [[code](https://github.com/dvlab-research/LISA)]
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repo whose one commit holds data/awesome-list.md (LIST); cwd is the repo."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "awesome-list.md").write_text(LIST, encoding="utf-8")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "base")
    return tmp_path


# -- 12.10: ranges stay ranges --------------------------------------------------------------


def test_a_hundred_million_line_range_is_one_pair() -> None:
    ranges = parse_changed_lines("1-100000000\n")
    assert ranges.spans == ((1, 100_000_000),)
    assert 99_999_999 in ranges and 100_000_001 not in ranges


def test_overlapping_and_adjacent_ranges_merge() -> None:
    assert LineRanges([(5, 9), (1, 3), (4, 4), (20, 30), (25, 26)]).spans == ((1, 9), (20, 30))


def test_changed_entries_from_a_huge_range() -> None:
    entries = changed_entries(sample_catalog().entries, parse_changed_lines("7-100000000"))
    assert entries and all(e.line >= 7 or max(link.line for link in e.links) >= 7 for e in entries)


def test_check_pr_with_a_huge_range_checks_every_entry(repo: Path) -> None:
    lines = repo / "lines.txt"
    lines.write_text("1-100000000\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["check-pr", "--offline", "--changed-lines", str(lines)])
    assert result.exit_code == 0, result.output
    assert "Checked 1 changed entries" in result.stderr


# -- 12.9: no option injection through --base -------------------------------------------------


def test_base_that_is_an_option_is_refused_and_git_writes_nothing(repo: Path) -> None:
    result = CliRunner().invoke(
        app, ["check-pr", "--offline", "--base=--output=../pwned"], catch_exceptions=False
    )
    assert result.exit_code == 2
    assert result.stderr.strip() == "Error: --base: '--output=../pwned' is not a git revision"
    assert not (repo.parent / "pwned").exists()


# -- 12.15: error findings fail the check ----------------------------------------------------

BROKEN = "- Broken Port Paper. CVPR'2024. [[paper](http://a.b:99999/x)]\n"
DUPLICATE = (
    "- LISA again: Reasoning Segmentation. CVPR'2024. [[paper](https://arxiv.org/abs/2308.00692)]\n"
)


def _change(repo: Path, text: str) -> None:
    path = repo / "data" / "awesome-list.md"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "## Segmentation\n\n", "## Segmentation\n\n" + text
        ),
        encoding="utf-8",
    )


def _check(*extra: str):
    return CliRunner().invoke(app, ["check-pr", "--offline", "--base", "HEAD", *extra])


def test_an_error_in_a_changed_entry_is_an_error_annotation_and_exit_1(repo: Path) -> None:
    _change(repo, BROKEN)
    result = _check()
    assert result.exit_code == 1
    (error,) = [line for line in result.stdout.splitlines() if line.startswith("::error ")]
    assert error.startswith("::error file=data/awesome-list.md,line=5,col=")
    assert "title=error%3A malformed-url::paper link: Port out of range" in error
    assert result.stderr.splitlines()[-1] == "check-pr failed: 1 finding(s) of severity error"


def test_fail_on_none_makes_the_check_advice_only(repo: Path) -> None:
    _change(repo, BROKEN)
    result = _check("--fail-on", "none")
    assert result.exit_code == 0
    assert any(line.startswith("::error ") for line in result.stdout.splitlines())


def test_warnings_pass_by_default_and_fail_with_fail_on_warning(repo: Path) -> None:
    _change(repo, DUPLICATE)
    assert _check().exit_code == 0
    result = _check("--fail-on", "warning")
    assert result.exit_code == 1
    assert "finding(s) of severity warning" in result.stderr


def test_unknown_fail_on_kind_is_a_usage_error(repo: Path) -> None:
    result = _check("--fail-on", "fatal")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --fail-on: unknown kind 'fatal'")


# -- 12.16: a duplicate submission is reported on the changed entry ----------------------------


def test_duplicate_added_above_the_existing_entry_is_annotated_on_the_new_line(repo: Path) -> None:
    _change(repo, DUPLICATE)  # the new entry is line 5; the existing LISA moves to line 6
    result = _check()
    warnings = [line for line in result.stdout.splitlines() if "duplicate-paper" in line]
    assert len(warnings) == 1
    assert warnings[0].startswith("::warning file=data/awesome-list.md,line=5,")
    assert (
        "same paper as line 6, 'LISA: Reasoning Segmentation' (same arXiv 2308.00692)"
        in warnings[0]
    )
    assert "Checked 1 changed entries" in result.stderr
