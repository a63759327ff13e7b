"""The GitHub workflows (actionlint, pins, fail-closed gate) and `pipeline check-pr`."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.gate import check_gate
from pipeline.model import FetchStatus, Finding, RunStats, Severity
from pipeline.prcheck import (
    PrCheck,
    annotations,
    changed_entries,
    parse_changed_lines,
    parse_diff_lines,
    reduced_list,
    render_summary,
)
from pipeline.stages.emit import write_catalog
from tests.git_support import git
from tests.sample_catalog import SAMPLE_LIST, sample_catalog

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ACTIONLINT = Path(sys.executable).parent / "actionlint"


def test_both_workflows_exist() -> None:
    assert [p.name for p in WORKFLOWS] == ["check-pr.yml", "refresh.yml"]


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_actionlint_passes(workflow: Path) -> None:
    done = subprocess.run(
        [str(ACTIONLINT), "-no-color", str(workflow)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_by_full_sha_with_a_version_comment(workflow: Path) -> None:
    uses = re.findall(r"uses:\s*(\S+)(.*)", workflow.read_text(encoding="utf-8"))
    assert uses
    for ref, rest in uses:
        if ref == "./":
            continue  # this repository's own action (action.yml), as checked out
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", ref), ref
        assert re.search(r"# v\d", rest), ref


def _steps(workflow: str) -> list[dict[str, Any]]:
    data = yaml.safe_load((ROOT / ".github" / "workflows" / workflow).read_text(encoding="utf-8"))
    (job,) = data["jobs"].values()
    return job["steps"]


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_each_workflow_runs_our_own_action_the_way_users_do(workflow: Path) -> None:
    steps = _steps(workflow.name)
    assert steps[0]["uses"].startswith("actions/checkout@")
    ours = [step for step in steps if step.get("uses") == "./"]
    assert len(ours) == 1
    assert ours[0]["with"]["list"] == "data/awesome-list.md"
    assert "make " not in workflow.read_text(encoding="utf-8")


def test_refresh_runs_on_a_schedule_and_fails_closed_before_the_pull_request() -> None:
    text = (ROOT / ".github" / "workflows" / "refresh.yml").read_text(encoding="utf-8")
    assert "schedule:" in text and "workflow_dispatch:" in text and "concurrency:" in text
    assert "permissions: {}" in text
    steps = _steps("refresh.yml")
    names = [step.get("id") or step.get("uses", "").split("@")[0] for step in steps]
    papers = steps[names.index("papers")]
    assert papers["with"]["mode"] == "refresh" and "fail-on" not in papers["with"]
    gate, pull = steps[names.index("papers") + 1], steps[-1]
    assert gate["if"] == "steps.papers.outputs.gate != 'ok'" and "exit 1" in gate["run"]
    assert pull["uses"].startswith("peter-evans/create-pull-request@")
    assert pull["with"]["body-path"] == "${{ steps.papers.outputs.report-path }}"


def test_check_pr_runs_only_for_the_list_and_read_only() -> None:
    text = (ROOT / ".github" / "workflows" / "check-pr.yml").read_text(encoding="utf-8")
    assert "pull_request:" in text and "pull_request_target" not in text.split("name:", 1)[1]
    assert "- data/awesome-list.md" in text and "contents: read" in text
    steps = _steps("check-pr.yml")
    assert steps[0]["with"]["fetch-depth"] == 0  # the diff needs the base commit
    assert steps[1]["with"]["mode"] == "check-pr"


# The gate -----------------------------------------------------------------


def test_gate_passes_a_healthy_run() -> None:
    result = check_gate(sample_catalog(), 0.3)
    # Iota was not fetched and carol/dmca is unverified: 2 of the 7 entries with metadata.
    assert result.ok and (result.lost, result.total) == (2, 7)


def test_gate_fails_when_too_many_entries_lost_metadata() -> None:
    base = sample_catalog()
    repos = {k: r.model_copy(update={"status": FetchStatus.STALE}) for k, r in base.repos.items()}
    result = check_gate(base.model_copy(update={"repos": repos}), 0.2)
    assert not result.ok and "metadata could not be fetched" in result.reasons[0]


def test_gate_fails_on_an_outage() -> None:
    catalog = sample_catalog().model_copy(update={"stats": RunStats(outage=True)})
    assert not check_gate(catalog, 1.0).ok


def test_gate_command_exits_1_and_writes_the_reason_to_the_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    catalog = sample_catalog().model_copy(update={"stats": RunStats(offline=True)})
    write_catalog(catalog, tmp_path / "data" / "catalog.json")
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = CliRunner().invoke(app, ["gate", "--output-dir", "data", "--max-lost", "0.5"])
    assert result.exit_code == 1
    assert "the run was offline" in result.stderr
    assert "## No pull request opened" in summary.read_text(encoding="utf-8")


# check-pr -----------------------------------------------------------------


def test_diff_hunks_give_the_new_side_lines() -> None:
    diff = "@@ -3 +3 @@\n-a\n+b\n@@ -10,0 +11,2 @@\n+c\n+d\n@@ -20,2 +22,0 @@\n-e\n-f\n"
    assert parse_diff_lines(diff).spans == ((3, 3), (11, 12))


def test_changed_lines_file_takes_numbers_and_ranges() -> None:
    assert parse_changed_lines("5\n7-9, 12\n").spans == ((5, 5), (7, 9), (12, 12))


def test_changed_entries_are_those_with_a_line_changed() -> None:
    entries = changed_entries(sample_catalog().entries, {7, 14, 99})
    assert [e.key for e in entries] == ["gamma-http-and-moved", "kappa-twice"]


def test_reduced_list_blanks_other_entries_and_keeps_line_numbers() -> None:
    text = SAMPLE_LIST.read_text(encoding="utf-8").replace("\n", "\r\n")
    reduced = reduced_list(text, sample_catalog().entries, {"gamma-http-and-moved"})
    lines = reduced.split("\r\n")
    assert len(lines) == len(text.split("\r\n"))
    # Other items keep their marker and lose their text (and links): line 5 was an entry.
    assert lines[6].startswith("- Gamma") and lines[4] == "- x" and lines[0] == "# Sample list"
    assert "http" not in lines[4]


def _finding(n: int, severity: Severity = Severity.WARNING) -> Finding:
    return Finding(code="dead-link", severity=severity, message=f"bad {n}", line=n, hint="fix it")


def test_annotations_are_the_ten_most_important_warnings() -> None:
    findings = [_finding(n) for n in range(1, 15)] + [_finding(99, Severity.INFO)]
    commands = annotations(findings, "data/list.md")
    assert len(commands) == 10
    assert commands[0] == (
        "::warning file=data/list.md,line=1,title=warning%3A dead-link::bad 1 (fix: fix it)"
    )


def test_annotation_messages_cannot_inject_workflow_commands() -> None:
    evil = Finding(
        code="title-mismatch",
        severity=Severity.WARNING,
        message="x\n::add-mask::secret\r100%",
        line=3,
    )
    (command,) = annotations([evil], "data/list.md")
    assert "\n" not in command and "\r" not in command
    assert command.endswith("::x%0A::add-mask::secret%0D100%25")


def test_summary_lists_every_finding_escaped() -> None:
    check = PrCheck(entries=sample_catalog().entries[1:2], findings=[_finding(6)])
    summary = render_summary(check, "data/list.md")
    assert "| 6 | warning | dead-link | bad 6 | fix it |" in summary
    assert "<img" not in summary and "@\u200bsomeone" in summary


LIST = """# Papers

## Segmentation

- LISA: Reasoning Segmentation. CVPR'2024. [[paper](https://arxiv.org/abs/2308.00692)] | [[code](https://github.com/dvlab-research/LISA)]
"""
ADDED = (
    "- **`[NoSuchTag]`** GSVA: Generalized Segmentation. CVPR'2024. "
    "[[code](https://github.com/LeapLabTHU/GSVA)]\n"  # no paper link: a warning
)


def test_check_pr_against_a_git_base_annotates_only_the_added_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    listing = tmp_path / "data" / "awesome-list.md"
    listing.write_text(LIST, encoding="utf-8")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "base")
    listing.write_text(LIST + ADDED, encoding="utf-8")
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = CliRunner().invoke(app, ["check-pr", "--base", "HEAD", "--offline"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines and all(
        line.startswith("::warning file=data/awesome-list.md,line=6,") for line in lines
    )
    assert "1 entries added or changed" in summary.read_text(encoding="utf-8")


def test_check_pr_needs_exactly_one_source_of_lines() -> None:
    result = CliRunner().invoke(app, ["check-pr"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "Error: give exactly one of --base and --changed-lines"


def test_check_pr_with_a_bad_base_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "awesome-list.md").write_text(LIST, encoding="utf-8")
    git(tmp_path, "init", "-q")
    result = CliRunner().invoke(app, ["check-pr", "--base", "no-such-ref", "--offline"])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: git diff against 'no-such-ref' failed")
