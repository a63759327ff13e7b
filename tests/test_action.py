"""The composite action: action.yml's metadata, and its run script against the emulated world.

The script (action/run.py) is what every run step of action.yml calls. Here it
runs as a real process in a temp git repo holding a README.md list, with the
runner's files (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY) in temp files, against the
loopback emulator. Only `install` is not run: it needs PyPI (test_package.py
installs the built wheel instead).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.model import Catalog
from tests.emulator import Emulator
from tests.emulator.seed_world import mount_seed_world
from tests.git_support import git

ROOT = Path(__file__).resolve().parents[1]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
STEPS: list[dict[str, Any]] = ACTION["runs"]["steps"]
SCRIPT = ROOT / "action" / "run.py"
_PINNED = re.compile(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}")
GROUNDHOG_LINE = 54  # the shipped list's GROUNDHOG entry, whose project page is gone


# action.yml: GitHub's metadata rules ---------------------------------------


def test_action_has_the_required_keys_and_is_composite() -> None:
    assert {"name", "description", "runs"} <= set(ACTION)
    assert ACTION["runs"]["using"] == "composite"
    assert set(ACTION["inputs"]) == {
        "list",
        "output-dir",
        "mode",
        "fail-on",
        "token",
        "s2-api-key",
        "cache",
    }
    assert {"report-path", "catalog-path", "exit-code", "dead", "moved"} <= set(ACTION["outputs"])


def test_every_input_has_a_description_and_the_documented_default() -> None:
    defaults = {name: spec.get("default") for name, spec in ACTION["inputs"].items()}
    assert all(spec.get("description") for spec in ACTION["inputs"].values())
    assert defaults == {
        "list": "README.md",
        "output-dir": "data/",
        "mode": "refresh",
        "fail-on": "",
        "token": "${{ github.token }}",
        "s2-api-key": "",
        "cache": "true",
    }


def test_the_keys_reach_the_pipeline_as_its_environment() -> None:
    (run,) = [step for step in ACTION["runs"]["steps"] if step.get("id") == "run"]
    assert run["env"]["GITHUB_TOKEN"] == "${{ inputs.token }}"
    assert run["env"]["S2_API_KEY"] == "${{ inputs.s2-api-key }}"


def test_every_step_is_a_run_with_a_shell_or_a_uses() -> None:
    for step in STEPS:
        assert ("run" in step) != ("uses" in step), step
        if "run" in step:
            assert step.get("shell") == "bash", step


def test_every_input_used_in_a_step_is_declared_and_every_declared_one_is_used() -> None:
    text = json.dumps(STEPS)
    used = set(re.findall(r"inputs\.([A-Za-z0-9_-]+)", text))
    assert used == set(ACTION["inputs"])


def test_every_output_and_step_reference_names_an_earlier_step() -> None:
    ids: list[str] = []
    for step in STEPS:
        for ref in re.findall(r"steps\.([\w-]+)\.", json.dumps(step)):
            assert ref in ids, f"{step.get('name')} refers to a later or missing step {ref}"
        if "id" in step:
            ids.append(step["id"])
    for name, spec in ACTION["outputs"].items():
        assert spec["description"]
        assert re.fullmatch(r"\$\{\{ steps\.(\w+)\.outputs\.([\w-]+) \}\}", spec["value"]), name
        assert spec["value"].split(".")[1] in ids


def test_every_uses_is_pinned_by_a_full_sha_with_a_version_comment() -> None:
    uses = re.findall(r"uses:\s*(\S+)(.*)", (ROOT / "action.yml").read_text(encoding="utf-8"))
    assert len(uses) == sum(1 for step in STEPS if "uses" in step) >= 3
    for ref, rest in uses:
        assert _PINNED.fullmatch(ref), ref
        assert re.search(r"# v\d", rest), ref


def test_run_steps_call_the_script_and_pass_the_inputs_it_reads() -> None:
    source = SCRIPT.read_text(encoding="utf-8")
    for step in (s for s in STEPS if "run" in s):
        match = re.fullmatch(r'"\$PYTHON" "\$GITHUB_ACTION_PATH/action/run\.py" (\w+)', step["run"])
        assert match and f'"{match[1]}": {match[1]}' in source, step["run"]
    run = next(step for step in STEPS if step.get("id") == "run")
    # The script's own inputs; RUNNER_TEMP and the like come from the runner.
    read = set(re.findall(r'_env\("((?:INPUT_|BASE_)[A-Z_]+)"', source))
    assert len(read) == 5
    assert read <= set(run["env"]), read - set(run["env"])


# The run script against the emulated world ---------------------------------


@dataclass
class ActionRun:
    """One step of the action (`run` with its `finish`): exit code, stdout, outputs, summary."""

    code: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A list's own repository: the shipped list as README.md, one commit."""
    root = tmp_path / "repo"
    root.mkdir()
    shutil.copy(ROOT / "data" / "awesome-list.md", root / "README.md")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "the list")
    return root


@pytest.fixture
def world_env(emulator: Emulator, repo: Path, tmp_path: Path) -> dict[str, str]:
    """The environment that points the pipeline at the README's emulated world."""
    world = mount_seed_world(emulator, repo / "README.md")
    return {
        "ARXIV_API_URL": world.settings["arxiv_api_url"],
        "GITHUB_API_URL": world.settings["github_api_url"],
        "PIPELINE_HOST_MAP": json.dumps(world.settings["host_map"]),
        "GITHUB_TOKEN": "action-token",  # what action.yml passes from inputs.token
        "PIPELINE_ARXIV_INTERVAL": "0.2",
        "PIPELINE_RETRY_BACKOFF": "0.01",
        "PIPELINE_TIMEOUT": "5",
        "PIPELINE_CACHE_DIR": str(tmp_path / "runner-temp" / "cache"),
    }


def _script(step: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PIPELINE_", "INPUT_"))}
    return subprocess.run(
        [sys.executable, str(SCRIPT), step],
        cwd=cwd,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def _run_action(repo: Path, env: dict[str, str], step: str = "run", **inputs: str) -> ActionRun:
    """The step, as action.yml runs it; after `run`, `finish` when exit-code is not 0."""
    runner = repo.parent / "runner"
    runner.mkdir(exist_ok=True)
    output, summary = runner / "output", runner / "summary.md"
    output.write_text("")
    summary.write_text("")
    files = {"GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary)}
    named = {f"INPUT_{name.upper()}": value for name, value in inputs.items()}
    done = _script(step, repo, {**env, **named, **files})
    outputs = _read_outputs(output.read_text(encoding="utf-8"))
    code, stdout = done.returncode, done.stdout
    if step == "run" and code == 0 and outputs.get("exit-code") != "0":
        finish = _script("finish", repo, {"EXIT_CODE": outputs.get("exit-code", ""), **files})
        code, stdout = finish.returncode, stdout + finish.stdout
    return ActionRun(
        code=code,
        stdout=stdout,
        stderr=done.stderr,
        outputs=outputs,
        summary=summary.read_text(encoding="utf-8"),
    )


def _read_outputs(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT read as the runner reads it; every value must use the delimiter form
    (`name<<DELIM`, the value, `DELIM`), the only one a newline in a value cannot forge."""
    outputs: dict[str, str] = {}
    lines = text.split("\n")
    assert lines.pop() == "", "GITHUB_OUTPUT must end with a line break"
    while lines:
        name, marker, delimiter = lines.pop(0).partition("<<")
        assert marker and delimiter.startswith("ghadelimiter_"), f"not the delimiter form: {name}"
        end = lines.index(delimiter)
        outputs[name] = "\n".join(lines[:end])
        del lines[: end + 1]
    return outputs


def _link_verdicts(path: Path) -> list[str]:
    catalog = Catalog.model_validate_json(path.read_text())
    return [link.health.verdict.value for _, link in catalog.iter_links() if link.health]


def _catalog_codes(path: Path) -> list[str]:
    return [f.code for f in Catalog.model_validate_json(path.read_text()).findings]


def test_refresh_mode_writes_the_report_to_the_summary_and_sets_the_outputs(
    repo: Path, world_env: dict[str, str]
) -> None:
    run = _run_action(repo, world_env, mode="refresh", output_dir="data/")
    assert run.code == 0, run.stderr
    assert run.outputs["exit-code"] == "0"
    assert run.outputs["report-path"] == "data/report.md"
    assert run.outputs["catalog-path"] == "data/catalog.json"
    report = (repo / "data" / "report.md").read_text(encoding="utf-8")
    assert run.summary.startswith(report)
    codes = _catalog_codes(repo / "data" / "catalog.json")
    verdicts = _link_verdicts(repo / "data" / "catalog.json")
    dead, moved = verdicts.count("dead"), verdicts.count("moved")
    assert (run.outputs["dead"], run.outputs["moved"]) == (str(dead), str(moved))
    # a 404 page and a deleted repo; a 301 and a renamed repo
    assert {"dead-link", "repo-dead", "moved-link", "repo-moved"} <= set(codes)
    assert dead >= 2 and moved >= 2
    assert run.outputs["gate"] == "ok"


def test_refresh_mode_with_fail_on_dead_exits_1_and_says_why(
    repo: Path, world_env: dict[str, str]
) -> None:
    run = _run_action(repo, world_env, mode="refresh", fail_on="dead, warning")
    assert run.code == 1
    assert run.outputs["exit-code"] == "1"
    assert "::error title=paper-list-pipeline::exit code 1: the run found" in run.stdout
    assert "**policy failed:" in run.summary and "dead link(s)" in run.summary
    assert (repo / "data" / "catalog.json").is_file()  # outputs are still written


def test_refresh_mode_passes_an_outage_through_as_exit_3(repo: Path, tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    (repo / "README.md").write_text(
        "## S\n\n"
        + "".join(
            f"- Paper {i}. CVPR'2024. [[paper](http://127.0.0.{i + 2}:{port}/p{i})]\n"
            for i in range(5)
        )
    )
    env = {
        "ARXIV_API_URL": f"http://127.0.0.1:{port}/api/query",
        "GITHUB_API_URL": f"http://127.0.0.1:{port}",
        "PIPELINE_RETRIES": "0",
        "PIPELINE_TIMEOUT": "0.5",
        "PIPELINE_CACHE_DIR": str(tmp_path / "cache"),
    }
    run = _run_action(repo, env, mode="refresh")
    assert run.code == 3, run.stderr
    assert run.outputs["exit-code"] == "3" and run.outputs["gate"] == "failed"
    assert run.summary.startswith("## Network outage")


def _change_groundhog(repo: Path) -> str:
    base = git(repo, "rev-parse", "HEAD")
    lines = (repo / "README.md").read_text(encoding="utf-8").splitlines(keepends=True)
    assert "GROUNDHOG" in lines[GROUNDHOG_LINE - 1]
    lines[GROUNDHOG_LINE - 1] = lines[GROUNDHOG_LINE - 1].replace("GROUNDHOG", "GROUNDHOG:", 1)
    (repo / "README.md").write_text("".join(lines), encoding="utf-8")
    git(repo, "commit", "-qam", "a contributor's change")
    return base


def test_check_pr_mode_annotates_the_changed_entry_and_summarizes_it(
    repo: Path, world_env: dict[str, str]
) -> None:
    base = _change_groundhog(repo)
    run = _run_action(repo, {**world_env, "BASE_SHA": base}, mode="check-pr")
    assert run.code == 0, run.stderr
    annotations = [line for line in run.stdout.splitlines() if line.startswith("::")]
    assert annotations and all(f"line={GROUNDHOG_LINE}," in a for a in annotations)
    assert any("dead-link" in a for a in annotations)
    assert run.summary.startswith("## Paper list check")
    assert "1 entries added or changed in README.md" in run.summary
    assert run.outputs == {
        "report-path": "",
        "catalog-path": "",
        "exit-code": "0",
        "dead": "1",
        "moved": "0",
        "gate": "",
    }
    assert not (repo / "data").exists()  # a check writes no catalog


def test_check_pr_mode_with_fail_on_dead_exits_1(repo: Path, world_env: dict[str, str]) -> None:
    base = _change_groundhog(repo)
    run = _run_action(repo, {**world_env, "BASE_SHA": base}, mode="check-pr", fail_on="dead")
    assert run.code == 1
    assert run.outputs["exit-code"] == "1"
    assert "**Failing (input fail-on): 1 dead link(s).**" in run.summary


def test_check_pr_mode_outside_a_pull_request_is_bad_usage(repo: Path) -> None:
    run = _run_action(repo, {}, mode="check-pr")
    assert run.code == 2
    assert run.stderr.strip() == "Error: mode check-pr needs a pull_request event (its base sha)"


@pytest.mark.parametrize(
    ("inputs", "error"),
    [
        ({"mode": "nightly"}, "input mode: 'nightly' is not one of refresh, check-pr"),
        ({"fail_on": "dead gone"}, "input fail-on: 'gone' is not one of error, warning, dead, "),
        ({"fail_on": "none dead"}, "input fail-on: none means fail on nothing: give it alone"),
    ],
    ids=["mode", "fail-on", "none-and-more"],
)
def test_prepare_refuses_bad_inputs_before_installing(
    repo: Path, inputs: dict[str, str], error: str
) -> None:
    run = _run_action(repo, {}, "prepare", **inputs)
    assert run.code == 2
    assert run.stderr.startswith(f"Error: {error}")
    assert run.stdout.startswith("::error title=paper-list-pipeline::input ")


def test_prepare_keys_the_pip_cache_on_the_lock_file(repo: Path) -> None:
    run = _run_action(repo, {}, "prepare")
    assert run.code == 0, run.stderr
    assert re.fullmatch(
        r"paper-list-pipeline-pip-linux-py3\d+-[0-9a-f]{16}", run.outputs["pip-key"]
    )


@pytest.mark.parametrize("code", [0, 1, 2, 3])
def test_finish_fails_the_action_with_the_run_exit_code(tmp_path: Path, code: int) -> None:
    done = _script("finish", tmp_path, {"EXIT_CODE": str(code)})
    assert done.returncode == code
    assert done.stdout.startswith("::error title=paper-list-pipeline::exit code") == (code != 0)


# Issue 19.1: one policy (the CLI's), read from its exit code and its JSON result ---------

MALFORMED_ENTRY = "- **A Paper Added With A Bad Port** [paper](https://example.com:99999/p)\n"


def _add_entry(repo: Path, entry: str) -> str:
    """Commit an entry added after the list's first entry line; the base sha before it."""
    base = git(repo, "rev-parse", "HEAD")
    lines = (repo / "README.md").read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(GROUNDHOG_LINE, entry)
    (repo / "README.md").write_text("".join(lines), encoding="utf-8")
    git(repo, "commit", "-qam", "a contributor adds a paper")
    return base


def test_the_action_applies_the_clis_policy_and_fails_on_a_malformed_url_for_fail_on_dead(
    repo: Path, world_env: dict[str, str]
) -> None:
    # A malformed URL is a dead link (url-syntax) to `--fail-on dead`; the action's own
    # count of dead-link findings used to pass it.
    base = _add_entry(repo, MALFORMED_ENTRY)
    run = _run_action(repo, {**world_env, "BASE_SHA": base}, mode="check-pr", fail_on="dead")
    assert run.code == 1, run.stderr
    assert run.outputs["exit-code"] == "1" and run.outputs["dead"] == "1"
    assert "**Failing (input fail-on): 1 dead link(s).**" in run.summary


def test_fail_on_none_is_accepted_and_makes_the_check_advice_only(
    repo: Path, world_env: dict[str, str]
) -> None:
    assert _run_action(repo, {}, "prepare", fail_on="none").code == 0
    base = _add_entry(repo, MALFORMED_ENTRY)
    run = _run_action(repo, {**world_env, "BASE_SHA": base}, mode="check-pr", fail_on="none")
    assert run.code == 0, run.stderr
    assert run.outputs["dead"] == "1" and "malformed-url" in run.summary


def test_the_actions_fail_on_kinds_are_the_policys() -> None:
    from pipeline.policy import FAIL_ON_KINDS

    source = SCRIPT.read_text(encoding="utf-8")
    (kinds,) = re.findall(r"^FAIL_ON = (\(.*\))$", source, re.MULTILINE)
    assert tuple(json.loads("[" + kinds[1:-1] + "]")) == FAIL_ON_KINDS


@pytest.fixture
def crashing(tmp_path: Path) -> dict[str, str]:
    """PYTHONPATH for a pipeline whose check and refresh raise an uncaught exception."""
    hook = tmp_path / "crash-hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        "import pipeline.prcheck, pipeline.runner\n"
        "async def _boom(*args, **kwargs):\n"
        "    raise RuntimeError('a bug')\n"
        "pipeline.prcheck.check_pr = _boom\n"
        "pipeline.runner.refresh = _boom\n",
        encoding="utf-8",
    )
    return {"PYTHONPATH": str(hook)}


def test_a_crash_in_check_pr_is_not_fail_on_matched(
    repo: Path, world_env: dict[str, str], crashing: dict[str, str]
) -> None:
    base = _add_entry(repo, MALFORMED_ENTRY)
    env = {**world_env, **crashing, "BASE_SHA": base}
    run = _run_action(repo, env, mode="check-pr", fail_on="dead")
    assert "RuntimeError: a bug" in run.stderr  # the CLI did crash, with exit code 1
    assert run.outputs["exit-code"] == "70" and run.code == 70
    assert run.summary.startswith("## The pipeline crashed (exit code 1)")
    assert "::error title=paper-list-pipeline::exit code 70: the pipeline crashed" in run.stdout
    assert "fail-on" not in run.summary + run.stdout


def test_a_crash_in_refresh_is_not_fail_on_matched_and_fails_the_gate(
    repo: Path, world_env: dict[str, str], crashing: dict[str, str]
) -> None:
    run = _run_action(repo, {**world_env, **crashing}, mode="refresh", fail_on="dead")
    assert "RuntimeError: a bug" in run.stderr
    assert (run.outputs["exit-code"], run.outputs["gate"], run.code) == ("70", "failed", 70)
    assert run.summary.startswith("## The pipeline crashed")


# Issue 19.22: outputs that cannot be forged; check-pr outside a git checkout ----------------


def test_a_newline_in_output_dir_cannot_forge_another_output(
    repo: Path, world_env: dict[str, str]
) -> None:
    out = "data\npython=/tmp/evil"
    run = _run_action(repo, world_env, mode="refresh", output_dir=out)
    assert run.code == 0, run.stderr
    assert "python" not in run.outputs
    assert run.outputs["report-path"] == f"{out}/report.md"


def test_check_pr_outside_a_git_checkout_is_one_clear_error(
    tmp_path: Path, world_env: dict[str, str]
) -> None:
    folder = tmp_path / "not-a-repo"
    folder.mkdir()
    (folder / "README.md").write_text(MALFORMED_ENTRY, encoding="utf-8")
    run = _run_action(folder, {**world_env, "BASE_SHA": "abc123"}, mode="check-pr")
    assert run.code == 2 and run.outputs["exit-code"] == "2"
    assert "usage: git" not in run.stderr + run.summary
    error = f"Error: check-pr --base needs a git checkout, and {folder} is not in one"
    assert error in run.stderr and error in run.summary
