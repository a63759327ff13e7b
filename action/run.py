"""The steps of the composite action (action.yml), as one script a test can run.

    python run.py prepare   check the inputs; the pip cache key          (any Python 3.11)
    python run.py install   a venv with the pipeline from this checkout  (setup-python's)
    python run.py run       the mode; job summary and outputs            (the venv's python)
    python run.py finish    exit with the run's exit code (EXIT_CODE)    (any Python 3.11)

`run` exits 0 once its outputs are written, so the outputs are set and the
HTTP cache is saved whatever the pipeline's exit code; `finish` then fails
the action with that code (0, 1, 2 or 3), passed through. A crash (a
traceback, or an exit code the CLI never gives) is never read as one of
those: the action reports 70 (or the odd code itself) and says it is a bug.

Inputs come as the environment action.yml sets: INPUT_LIST, INPUT_OUTPUT_DIR,
INPUT_MODE, INPUT_FAIL_ON, BASE_SHA (check-pr), plus the runner's
GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP and GITHUB_ACTION_PATH.
Standard library only: `prepare` and `install` run before the pipeline exists.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ACTION_ROOT = Path(__file__).resolve().parents[1]
MODES = ("refresh", "check-pr")
# pipeline/policy.py's FAIL_ON_KINDS (a test keeps them equal): this script checks the
# input before the pipeline is installed, then passes it on; the CLI alone applies it.
FAIL_ON = ("error", "warning", "dead", "moved", "blocked", "unverified", "none")
MAX_LOST = "0.2"
SUMMARY_CAP = 1_000_000  # GitHub refuses a step summary over 1 MiB
# The CLI's exit codes (pipeline.runner.ExitCode). Anything else, or a traceback, is a crash.
KNOWN_EXIT_CODES = frozenset({0, 1, 2, 3, 130})
# What the action reports for a crash that exited with a known code (an uncaught exception
# exits 1, which must not read as "fail-on matched"): sysexits' EX_SOFTWARE.
CRASHED = 70
_TRACEBACK = "Traceback (most recent call last):"


class UsageError(Exception):
    """A bad input: one line on stderr, exit 2 (the pipeline's code for bad usage)."""


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, "").strip() or default


@dataclass(frozen=True)
class Inputs:
    """The action's inputs, checked."""

    list: str
    output_dir: Path
    mode: str
    fail_on: tuple[str, ...]


def _inputs() -> Inputs:
    mode = _env("INPUT_MODE", "refresh")
    if mode not in MODES:
        raise UsageError(f"input mode: {mode!r} is not one of {', '.join(MODES)}")
    fail_on = [k for k in re.split(r"[\s,]+", _env("INPUT_FAIL_ON")) if k]
    unknown = [k for k in fail_on if k not in FAIL_ON]
    if unknown:
        raise UsageError(f"input fail-on: {unknown[0]!r} is not one of {', '.join(FAIL_ON)}")
    if "none" in fail_on and len(set(fail_on)) > 1:
        raise UsageError("input fail-on: none means fail on nothing: give it alone")
    return Inputs(
        list=_env("INPUT_LIST", "README.md"),
        output_dir=Path(_env("INPUT_OUTPUT_DIR", "data/")),
        mode=mode,
        fail_on=tuple(fail_on),
    )


def _set_outputs(values: dict[str, object]) -> None:
    """Append outputs in GitHub's delimiter form, so no value (a path with a newline) can
    end its own line and forge another output."""
    target = os.environ.get("GITHUB_OUTPUT")
    lines = ""
    for name, value in values.items():
        text = str(value)
        delimiter = f"ghadelimiter_{uuid.uuid4()}"
        while delimiter in text:  # as GitHub's toolkit: the delimiter must not occur in it
            delimiter = f"ghadelimiter_{uuid.uuid4()}"
        lines += f"{name}<<{delimiter}\n{text}\n{delimiter}\n"
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(lines)
    else:
        sys.stdout.write(lines)


def _summarize(text: str) -> None:
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target or not text:
        return
    data = text.encode("utf-8")[:SUMMARY_CAP].decode("utf-8", "ignore")
    with open(target, "a", encoding="utf-8") as handle:
        handle.write(data if data.endswith("\n") else data + "\n")


def prepare() -> int:
    """Fail fast on bad inputs; give the pip cache key (lock file, OS, Python)."""
    _inputs()
    digest = hashlib.sha256()
    for name in ("constraints.txt", "pyproject.toml"):
        digest.update((ACTION_ROOT / name).read_bytes())
    python = "".join(platform.python_version_tuple()[:2])
    key = f"paper-list-pipeline-pip-{sys.platform}-py{python}-{digest.hexdigest()[:16]}"
    _set_outputs({"pip-key": key})
    return 0


def install() -> int:
    """A venv under RUNNER_TEMP with the pipeline installed from this checkout, pinned."""
    home = Path(_env("RUNNER_TEMP", tempfile.gettempdir())) / "paper-list-pipeline" / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(home)], check=True)
    python = home / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run(
        [*pip, "--constraint", str(ACTION_ROOT / "constraints.txt"), str(ACTION_ROOT)], check=True
    )
    _set_outputs({"python": python})
    return 0


def _pipeline(*args: str, summary: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m pipeline ARGS`: stdout passes through (annotations), stderr is kept too."""
    env = dict(os.environ)
    if summary is not None:
        env["GITHUB_STEP_SUMMARY"] = str(summary)
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        stdout=None,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        check=False,
    )
    sys.stderr.write(done.stderr)
    return done


def _crashed(done: subprocess.CompletedProcess[str]) -> bool:
    """An exit code the CLI never gives, or an uncaught exception (which exits 1)."""
    return done.returncode not in KNOWN_EXIT_CODES or _TRACEBACK in done.stderr


def _crash(done: subprocess.CompletedProcess[str]) -> int:
    """Summarize a crash; the code the action reports for it (never 1, 2 or 3)."""
    code = done.returncode if done.returncode not in KNOWN_EXIT_CODES else CRASHED
    _summarize(
        f"## The pipeline crashed (exit code {done.returncode})\n\nThis is a bug, not a "
        "finding: nothing was judged. The step's log has the traceback.\n"
    )
    return code


def _link_verdicts(catalog: dict[str, object]) -> list[str]:
    """The verdict of every link in a catalog (entries' links and links outside entries)."""
    links = [link for entry in catalog.get("entries", []) for link in entry.get("links", [])]
    links += catalog.get("other_links", [])
    return [(link.get("health") or {}).get("verdict", "") for link in links]


def _refresh(inputs: Inputs) -> int:
    out = inputs.output_dir
    fail_on = [arg for kind in inputs.fail_on for arg in ("--fail-on", kind)]
    args = ["--input", inputs.list, "--output-dir", str(out)]
    done = _pipeline("refresh", "--quiet", *args, *fail_on)
    crashed = _crashed(done)
    code = _crash(done) if crashed else done.returncode
    outputs: dict[str, object] = {
        "report-path": out / "report.md",
        "catalog-path": out / "catalog.json",
        "exit-code": code,
    }
    verdicts: list[str] = []
    if crashed:
        outputs["gate"] = "failed"
    elif code in (0, 1) and (out / "catalog.json").is_file():
        catalog = json.loads((out / "catalog.json").read_text(encoding="utf-8"))
        verdicts = _link_verdicts(catalog)
        _summarize((out / "report.md").read_text(encoding="utf-8"))
        policy = [line for line in done.stderr.splitlines() if line.startswith("policy failed")]
        _summarize("\n".join(f"**{line}** (input fail-on)" for line in policy))
        gate = _pipeline("gate", "--max-lost", MAX_LOST, *args)
        outputs["gate"] = "ok" if gate.returncode == 0 else "failed"
    elif code == 3:
        outputs["gate"] = "failed"
        _summarize(
            "## Network outage\n\nNothing was judged: the committed catalog and its "
            "verdicts were kept. No pull request should be opened from this run.\n"
        )
    else:
        outputs["gate"] = "failed"
        _summarize(f"## The refresh failed (exit code {code})\n\n{_last_error(done.stderr)}\n")
    # Link verdicts, as `fail-on dead` counts them: a 404, a deleted repo, a nonexistent
    # arXiv id, a malformed URL.
    outputs["dead"] = verdicts.count("dead")
    outputs["moved"] = verdicts.count("moved")
    _set_outputs(outputs)
    return code


def _last_error(stderr: str) -> str:
    errors = [line for line in stderr.splitlines() if line.startswith("Error:")]
    return errors[-1] if errors else "See the step's log."


def _check_pr(inputs: Inputs) -> int:
    base = _env("BASE_SHA")
    if not base:
        raise UsageError("mode check-pr needs a pull_request event (its base sha)")
    # The CLI applies `fail-on` (pipeline/policy.py, the one policy) and says what it found in
    # a JSON file; an empty input means advice only.
    fail_on = [arg for kind in inputs.fail_on or ("none",) for arg in ("--fail-on", kind)]
    with tempfile.TemporaryDirectory(prefix="paper-list-check-") as scratch:
        summary, result_path = Path(scratch) / "summary.md", Path(scratch) / "result.json"
        done = _pipeline(
            "check-pr", "--base", base, "--input", inputs.list, *fail_on,
            "--result-json", str(result_path), summary=summary,
        )  # fmt: skip
        text = summary.read_text(encoding="utf-8") if summary.is_file() else ""
        result = _read_result(result_path)
    code = done.returncode
    # Exit 0 or 1 is the check's verdict only when the check wrote its result and agrees.
    if _crashed(done) or (code in (0, 1) and (result is None or result["exit_code"] != code)):
        code, result = _crash(done), None
    elif code in (0, 1):
        _summarize(text)
        if code == 1:
            _summarize(f"**Failing (input fail-on): {'; '.join(result['failures'])}.**")
    else:
        _summarize(f"## The check failed (exit code {code})\n\n{_last_error(done.stderr)}\n")
    verdicts = result["verdicts"] if result is not None else {}
    _set_outputs(
        {
            "report-path": "",
            "catalog-path": "",
            "exit-code": code,
            "dead": verdicts.get("dead", 0),
            "moved": verdicts.get("moved", 0),
            "gate": "",
        }
    )
    return code


def _read_result(path: Path) -> dict[str, Any] | None:
    """The check's JSON result, or None when it wrote none (it crashed, or failed early)."""
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return result if isinstance(result, dict) and "exit_code" in result else None


def run() -> int:
    """Run the mode, write the job summary and the outputs (exit-code among them)."""
    inputs = _inputs()
    code = _refresh(inputs) if inputs.mode == "refresh" else _check_pr(inputs)
    print(f"paper-list-pipeline {inputs.mode}: exit code {code}")
    return 0


_MEANING = {
    1: "the run found what input fail-on fails on (see the job summary)",
    2: "bad input or usage (see the Run the pipeline step's log)",
    3: "network outage: nothing was judged, the previous data was kept",
    CRASHED: "the pipeline crashed, a bug (see the Run the pipeline step's log)",
}


def finish() -> int:
    """Exit with the pipeline's exit code, saying what it means."""
    raw = _env("EXIT_CODE", "0")
    if not raw.isdigit():
        raise UsageError(f"EXIT_CODE: {raw!r} is not an exit code")
    code = int(raw)
    if code:
        reason = _MEANING.get(code, "see the Run the pipeline step's log")
        print(f"::error title=paper-list-pipeline::exit code {code}: {reason}")
    return code


def main(argv: list[str]) -> int:
    """Dispatch to a step; bad inputs are one stderr line and exit 2."""
    steps = {"prepare": prepare, "install": install, "run": run, "finish": finish}
    if len(argv) != 1 or argv[0] not in steps:
        print(f"usage: run.py {{{','.join(steps)}}}", file=sys.stderr)
        return 2
    try:
        return steps[argv[0]]()
    except UsageError as exc:
        print(f"::error title=paper-list-pipeline::{exc}")
        print(f"Error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
