"""`pipeline init` in a list's own repository: workflows, settings, and the commands after it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from pipeline import __version__
from pipeline.cli import app
from pipeline.config import load_settings
from pipeline.init import DEFAULT_ACTION_REPOSITORY, action_ref, init_repo
from pipeline.model import Catalog
from tests.git_support import git

ROOT = Path(__file__).resolve().parents[1]
ACTIONLINT = Path(sys.executable).parent / "actionlint"
SHA = "0123456789abcdef0123456789abcdef01234567"
ACTION = f"someone/paper-list-pipeline@{SHA} # v{__version__}"
REFRESH = Path(".github/workflows/paper-list-refresh.yml")
CHECK = Path(".github/workflows/paper-list-check.yml")
LIST = """# Papers

## Segmentation

- LISA: Reasoning Segmentation. CVPR'2024. [[paper](https://arxiv.org/abs/2308.00692)] | [[code](https://github.com/dvlab-research/LISA)]
"""
ADDED = (
    "- **`[NoSuchTag]`** GSVA: Generalized Segmentation. CVPR'2024. "
    "[[code](https://github.com/LeapLabTHU/GSVA)]\n"  # no paper link: a warning
)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A list's repository (README.md, one commit), as the working directory."""
    root = tmp_path / "repo"
    root.mkdir()
    (root / "README.md").write_text(LIST, encoding="utf-8")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "the list")
    monkeypatch.chdir(root)
    return root


def _init(*args: str) -> str:
    result = CliRunner().invoke(app, ["init", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def _workflow(path: Path) -> dict[str, Any]:
    # PyYAML reads `on:` as True (YAML 1.1); name it as GitHub does.
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))
    return data


def _action_step(workflow: dict[str, Any]) -> dict[str, Any]:
    (job,) = workflow["jobs"].values()
    return next(s for s in job["steps"] if "paper-list-pipeline@" in s.get("uses", ""))


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts[:1]
    }


def test_init_writes_both_workflows_and_a_paper_list_toml_and_says_what_next(repo: Path) -> None:
    out = _init()
    assert out.splitlines()[:6] == [
        "list: README.md",
        f"wrote {REFRESH}",
        f"wrote {CHECK}",
        "wrote paper-list.toml",
        "wrote .gitignore",
        f"next: git add {REFRESH} {CHECK} paper-list.toml .gitignore && git commit -m "
        "'Check the paper list' && git push",
    ]
    settings = load_settings(env={}, project_dir=repo)
    assert (settings.input, settings.output_dir) == (Path("README.md"), Path("data"))


def test_then_refresh_offline_and_check_pr_work_with_no_further_setup(repo: Path) -> None:
    _init()
    result = CliRunner().invoke(app, ["refresh", "--offline", "--quiet"])
    assert result.exit_code == 0, result.output
    catalog = Catalog.model_validate_json((repo / "data" / "catalog.json").read_text())
    assert [e.title for e in catalog.entries] == ["LISA: Reasoning Segmentation"]
    (repo / "README.md").write_text(LIST + ADDED, encoding="utf-8")
    (repo / "changed.txt").write_text("6\n")
    result = CliRunner().invoke(app, ["check-pr", "--changed-lines", "changed.txt", "--offline"])
    assert result.exit_code == 0, result.output
    annotations = result.stdout.strip().splitlines()
    assert annotations and all(
        a.startswith("::warning file=README.md,line=6,") for a in annotations
    )


def test_init_appends_settings_to_an_existing_pyproject_keeping_its_bytes(repo: Path) -> None:
    original = '[project]\nname = "my-list"\n'
    (repo / "pyproject.toml").write_text(original, encoding="utf-8")
    assert "wrote pyproject.toml" in _init().splitlines()
    text = (repo / "pyproject.toml").read_text(encoding="utf-8")
    assert text == original + (
        "\n[tool.pipeline]\n"
        '# contact = "https://github.com/OWNER/NAME"  # named in the User-Agent\n'
        'input = "README.md"\noutput_dir = "data"\n'
    )
    assert not (repo / "paper-list.toml").exists()
    assert load_settings(env={}, project_dir=repo).input == Path("README.md")


def test_init_leaves_an_existing_tool_pipeline_table_alone(repo: Path) -> None:
    original = '[tool.pipeline]\ninput = "README.md"\noutput_dir = "catalog"\n'
    (repo / "pyproject.toml").write_text(original, encoding="utf-8")
    assert "unchanged pyproject.toml" in _init().splitlines()
    assert (repo / "pyproject.toml").read_text(encoding="utf-8") == original


def test_init_run_twice_changes_nothing(repo: Path) -> None:
    (repo / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    _init()
    before = _snapshot(repo)
    out = _init()
    assert _snapshot(repo) == before
    assert "wrote" not in out and out.splitlines()[-1] == "nothing to do"


def test_init_never_overwrites_a_workflow_it_did_not_write(repo: Path) -> None:
    mine = "name: mine\non: push\njobs: {}\n"
    (repo / CHECK).parent.mkdir(parents=True)
    (repo / CHECK).write_text(mine, encoding="utf-8")
    out = _init()
    assert (
        f"skipped {CHECK}: not written by `pipeline init` (or edited since); --force overwrites it"
        in out
    )
    assert (repo / CHECK).read_text(encoding="utf-8") == mine
    assert f"wrote {CHECK}" in _init("--force")
    assert "uses: " in (repo / CHECK).read_text(encoding="utf-8")


def test_init_leaves_a_workflow_it_wrote_alone_once_edited(repo: Path) -> None:
    _init()
    edited = (repo / REFRESH).read_text(encoding="utf-8").replace('"23 5 * * 1,4"', '"0 6 * * *"')
    (repo / REFRESH).write_text(edited, encoding="utf-8")
    assert f"skipped {REFRESH}" in _init()
    assert (repo / REFRESH).read_text(encoding="utf-8") == edited


def test_init_rewrites_its_own_untouched_workflow_when_the_pin_changes(repo: Path) -> None:
    init_repo(repo, action=ACTION)
    result = init_repo(repo, action=ACTION.replace(SHA, "f" * 40))
    assert result.written == [REFRESH, CHECK] and result.skipped == []
    assert "f" * 40 in (repo / CHECK).read_text(encoding="utf-8")


def test_the_list_is_the_only_markdown_file_with_papers_when_readme_has_none(repo: Path) -> None:
    (repo / "README.md").write_text("# My project\n\nSee [the list](docs/papers.md).\n")
    (repo / "docs").mkdir()
    (repo / "docs" / "papers.md").write_text(LIST, encoding="utf-8")
    (repo / "CONTRIBUTING.md").write_text("# How to add a paper\n\nOpen a pull request.\n")
    result = init_repo(repo, action=ACTION)
    assert result.list_path == Path("docs/papers.md")
    check = _workflow(repo / CHECK)
    assert check["on"]["pull_request"]["paths"] == ["docs/papers.md"]
    assert _action_step(check)["with"]["list"] == "docs/papers.md"


def test_two_candidate_lists_is_bad_usage_naming_both(repo: Path) -> None:
    (repo / "README.md").write_text("# My project\n")
    (repo / "a.md").write_text(LIST, encoding="utf-8")
    (repo / "b.md").write_text(LIST, encoding="utf-8")
    result = CliRunner().invoke(app, ["init"])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"Error: {repo}: cannot tell which Markdown file is the list "
        "(with paper links: a.md, b.md); name it with --input"
    )
    assert not (repo / ".github").exists()


def test_input_and_output_dir_choose_the_list_and_the_outputs(repo: Path) -> None:
    (repo / "papers.md").write_text(LIST, encoding="utf-8")
    _init("--input", "papers.md", "--output-dir", "catalog")
    step = _action_step(_workflow(repo / REFRESH))
    assert (step["with"]["list"], step["with"]["output-dir"]) == ("papers.md", "catalog/")
    settings = load_settings(env={}, project_dir=repo)
    assert (settings.input, settings.output_dir) == (Path("papers.md"), Path("catalog"))


@pytest.mark.parametrize("workflow", [REFRESH, CHECK], ids=lambda p: p.name)
def test_written_workflows_pass_actionlint_and_pin_every_action(repo: Path, workflow: Path) -> None:
    _init()
    done = subprocess.run(
        [str(ACTIONLINT), "-no-color", str(workflow)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for ref, rest in re.findall(r"uses:\s*(\S+)(.*)", (repo / workflow).read_text()):
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@([0-9a-f]{40}|v\d+\.\d+\.\d+)", ref), ref
        assert re.search(r"# v\d", rest), ref


def test_written_workflows_pin_the_same_actions_as_ours(repo: Path) -> None:
    _init()
    ours = {
        line.strip().removeprefix("- ")
        for path in (ROOT / ".github" / "workflows").glob("*.yml")
        for line in path.read_text().splitlines()
        if "uses: actions/" in line or "uses: peter-evans/" in line
    }
    theirs = {
        line.strip().removeprefix("- ")
        for path in (repo / REFRESH, repo / CHECK)
        for line in path.read_text().splitlines()
        if "uses: actions/" in line or "uses: peter-evans/" in line
    }
    assert theirs == ours


def test_the_action_is_pinned_to_the_commit_a_git_install_recorded() -> None:
    direct_url = json.dumps(
        {
            "url": "https://github.com/someone/paper-list-pipeline.git",
            "vcs_info": {"vcs": "git", "commit_id": SHA, "requested_revision": "v0.1.0"},
        }
    )
    assert action_ref(direct_url, None) == ACTION


def test_the_action_is_pinned_to_the_checkout_a_local_install_came_from() -> None:
    head = git(ROOT, "rev-parse", "HEAD")
    direct_url = json.dumps({"url": ROOT.as_uri(), "dir_info": {"editable": True}})
    ref = action_ref(direct_url, "https://github.com/someone/paper-list-pipeline")
    assert ref == f"someone/paper-list-pipeline@{head} # v{__version__}"


def test_without_a_commit_the_action_is_pinned_to_the_version_tag() -> None:
    direct_url = json.dumps({"url": "file:///nowhere/paper_list_pipeline.whl", "archive_info": {}})
    expected = f"{DEFAULT_ACTION_REPOSITORY}@v{__version__} # v{__version__}"
    assert action_ref(direct_url, "https://example.org/not-github") == expected


# Issue 19.8: the repository setting create-pull-request needs --------------------------------

ALLOW_PRS = "Allow GitHub Actions to create and approve pull requests"


def test_next_steps_name_the_setting_that_lets_the_refresh_open_its_pull_request(
    repo: Path,
) -> None:
    (step,) = [line for line in _init().splitlines() if ALLOW_PRS in line]
    assert "Settings → Actions → General → Workflow permissions" in step
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert ALLOW_PRS in readme and "Settings → Actions → General → Workflow permissions" in readme


# Issue 19.9: --force replaces [tool.pipeline], every other byte kept ------------------------

PYPROJECT_BEFORE = """[project]
name = "my-list"  # keep this comment

[tool.pipeline]
input = "old.md"
contact = "me@example.org"

[tool.pipeline.host_map]
"example.org" = "127.0.0.1:8080"

# Ruff's settings, kept with their comment
[tool.ruff]
line-length = 90
"""
PYPROJECT_AFTER = """[project]
name = "my-list"  # keep this comment

[tool.pipeline]
# contact = "https://github.com/OWNER/NAME"  # named in the User-Agent
input = "README.md"
output_dir = "data"

# Ruff's settings, kept with their comment
[tool.ruff]
line-length = 90
"""


def test_force_replaces_the_tool_pipeline_table_and_keeps_the_rest_byte_for_byte(
    repo: Path,
) -> None:
    (repo / "pyproject.toml").write_text(PYPROJECT_BEFORE, encoding="utf-8")
    assert "unchanged pyproject.toml" in _init().splitlines()
    assert "wrote pyproject.toml" in _init("--force").splitlines()
    assert (repo / "pyproject.toml").read_text(encoding="utf-8") == PYPROJECT_AFTER
    assert "unchanged pyproject.toml" in _init("--force").splitlines()


def test_force_on_settings_that_are_not_one_table_is_a_clear_error(repo: Path) -> None:
    original = '[tool]\npipeline.input = "old.md"\n'
    (repo / "pyproject.toml").write_text(original, encoding="utf-8")
    result = CliRunner().invoke(app, ["init", "--force"])
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "Error: init --force cannot replace the pipeline settings in pyproject.toml"
    )
    assert (repo / "pyproject.toml").read_text(encoding="utf-8") == original


# Issue 19.20: init in odd repositories ---------------------------------------------------------


def _init_process(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`pipeline init` as its own process: a hang is a timeout, not a stuck test run."""
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "init", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_fifo_named_like_a_list_does_not_hang_init(repo: Path) -> None:
    (repo / "README.md").write_text("# My project\n")
    (repo / "docs").mkdir()
    (repo / "docs" / "papers.md").write_text(LIST, encoding="utf-8")
    os.mkfifo(repo / "notes.md")
    done = _init_process(repo)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "list: docs/papers.md"


def test_a_folder_where_a_workflow_goes_is_a_clear_error(repo: Path) -> None:
    (repo / CHECK).mkdir(parents=True)
    result = CliRunner().invoke(app, ["init"])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"Error: {repo / CHECK}: {CHECK} is not a regular file (a folder?): move it away, "
        "then run init again"
    )


def test_init_from_a_subfolder_writes_at_the_top_of_the_checkout(repo: Path) -> None:
    (repo / "docs").mkdir()
    (repo / "docs" / "papers.md").write_text(LIST, encoding="utf-8")
    done = _init_process(repo / "docs", "--input", "papers.md", "--output-dir", "catalog")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:2] == [
        f"repository: {repo} (GitHub reads workflows only at its top)",
        "list: docs/papers.md",
    ]
    assert not (repo / "docs" / ".github").exists()
    step = _action_step(_workflow(repo / REFRESH))
    assert (step["with"]["list"], step["with"]["output-dir"]) == ("docs/papers.md", "docs/catalog/")
    settings = load_settings(env={}, project_dir=repo)
    assert (settings.input, settings.output_dir) == (Path("docs/papers.md"), Path("docs/catalog"))


ODD_NAMES = ["[2024] papers.md", "papers: 2024.md", "@list.md", "#1 papers.md", "@OUTPUT_DIR@.md"]


@pytest.mark.parametrize("name", ODD_NAMES)
def test_odd_list_names_give_valid_workflows_that_name_exactly_that_file(
    repo: Path, name: str
) -> None:
    (repo / name).write_text(LIST, encoding="utf-8")
    _init("--input", name)
    for path in (REFRESH, CHECK):
        workflow = _workflow(repo / path)
        assert _action_step(workflow)["with"]["list"] == name
        done = subprocess.run(
            [str(ACTIONLINT), "-no-color", str(path)], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stdout + done.stderr
    (pattern,) = _workflow(repo / CHECK)["on"]["pull_request"]["paths"]
    # GitHub's filter syntax: `[...]`, `*`, `?`, `+` and `!` are special unless escaped.
    assert re.sub(r"\\(.)", r"\1", pattern) == name
    assert not re.search(r"(?<!\\)[\[\]*?+!]", pattern)
    assert _workflow(repo / REFRESH)["jobs"]["refresh"]["steps"][-1]["with"]["add-paths"] == "data/"


@pytest.mark.parametrize("name", ["pa\npers.md", "papers\r.md", "${{ secrets.X }}.md"])
def test_a_list_name_a_workflow_cannot_hold_is_refused(repo: Path, name: str) -> None:
    (repo / name).write_text(LIST, encoding="utf-8")
    result = CliRunner().invoke(app, ["init", "--input", name])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: the list's name {name!r} has a line break,")
    assert not (repo / ".github").exists()
