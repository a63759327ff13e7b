"""`pipeline init`: set up a list's own repository to run the pipeline through the action.

It writes two workflows (refresh on a schedule, check pull requests), both
using the action pinned to the running version's commit (or its tag), and
points the settings at the list: a `[tool.pipeline]` table appended to
`pyproject.toml`, or a `paper-list.toml` when there is no pyproject.

A file init writes starts with a stamp holding the hash of the rest, so a
second run knows an untouched file of its own (rewritten only if it would
change) from one a person wrote or edited (left alone unless `force`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import tomllib
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path
from urllib.parse import urlsplit

from pipeline import __version__
from pipeline.config import PAPER_LIST_TOML, load_settings, pipeline_table
from pipeline.contact import repository_url
from pipeline.errors import ConfigError, InputError
from pipeline.files import read_text_file, write_text_atomic
from pipeline.stages.parse import parse_list

__all__ = [
    "DEFAULT_ACTION_REPOSITORY",
    "WORKFLOWS",
    "InitResult",
    "action_ref",
    "find_list",
    "init_repo",
]

DISTRIBUTION = "paper-list-pipeline"
# Used when the installed metadata names no repository (see [project.urls] in pyproject.toml).
DEFAULT_ACTION_REPOSITORY = "paper-list-pipeline/paper-list-pipeline"
WORKFLOWS = (
    Path(".github/workflows/paper-list-refresh.yml"),
    Path(".github/workflows/paper-list-check.yml"),
)
_STAMP = re.compile(r"^# Written by `pipeline init` \(.*\); sha256:([0-9a-f]{16})\n")
_SKIP_DIRS = {".git", ".github", "node_modules", ".venv", "venv", "site-packages"}
_SHA = re.compile(r"[0-9a-f]{40}")


@dataclass
class InitResult:
    """What init did to each file, and the list it chose."""

    list_path: Path
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report printed to the user, one line a file, then the next step."""
        out = [f"list: {self.list_path}"]
        out += [f"wrote {path}" for path in self.written]
        out += [f"unchanged {path}" for path in self.unchanged]
        out += [
            f"skipped {path}: not written by `pipeline init` (or edited since); "
            "--force overwrites it"
            for path in self.skipped
        ]
        if self.written:
            names = " ".join(str(p) for p in self.written)
            out.append(f"next: git add {names} && git commit -m 'Check the paper list' && git push")
            out.append(
                "then: run paper-list-refresh once from the Actions tab (it opens a pull request "
                "with the report); pull requests that change the list get annotations"
            )
        else:
            out.append("nothing to do")
        return out


def _repository_from_url(url: str) -> str | None:
    parts = urlsplit(url.removeprefix("git+"))
    if parts.hostname not in ("github.com", "www.github.com"):
        return None
    path = parts.path.strip("/").removesuffix(".git").split("@", 1)[0]
    return path if path.count("/") == 1 else None


def _git_head(directory: Path) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(directory), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    sha = done.stdout.strip()
    return sha if done.returncode == 0 and _SHA.fullmatch(sha) else None


def action_ref(direct_url: str | None = None, project_url: str | None = None) -> str:
    """`owner/name@ref # vX.Y.Z`: the action at the running version's commit, else its tag.

    The commit comes from PEP 610's direct_url.json (pip and pipx record the
    commit of a `git+URL@tag` install), or from the checkout a local install
    came from; without one, the tag `vX.Y.Z`.
    """
    if direct_url is None and project_url is None:
        direct_url, project_url = _installed_origin()
    info = json.loads(direct_url) if direct_url else {}
    url = str(info.get("url", ""))
    repository = _repository_from_url(url) or (
        _repository_from_url(project_url) if project_url else None
    )
    commit = info.get("vcs_info", {}).get("commit_id")
    if commit is None and "dir_info" in info and url.startswith("file://"):
        commit = _git_head(Path(urlsplit(url).path))
    ref = commit if isinstance(commit, str) and _SHA.fullmatch(commit) else f"v{__version__}"
    return f"{repository or DEFAULT_ACTION_REPOSITORY}@{ref} # v{__version__}"


def _installed_origin() -> tuple[str | None, str | None]:
    try:
        dist = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None, None
    urls = [value for value in dist.metadata.get_all("Project-URL") or []]
    repository = next((u.split(",", 1)[1].strip() for u in urls if "," in u), None)
    return dist.read_text("direct_url.json"), repository


def _has_papers(path: Path) -> bool:
    try:
        text = read_text_file(path, 10_000_000)
    except InputError:
        return False
    return bool(parse_list(text, source=str(path)).entries)


def find_list(root: Path) -> Path:
    """The list in `root`: README.md if it has papers, else the only Markdown file that has."""
    if _has_papers(root / "README.md"):
        return Path("README.md")
    candidates = [
        path.relative_to(root)
        for path in sorted(root.rglob("*.md"))
        if not _SKIP_DIRS.intersection(path.relative_to(root).parts) and _has_papers(path)
    ]
    if len(candidates) == 1:
        return candidates[0]
    found = ", ".join(str(p) for p in candidates[:5]) or "none"
    raise InputError(
        f"cannot tell which Markdown file is the list (with paper links: {found}); "
        "name it with --input",
        path=root,
    )


def _stamped(body: str) -> str:
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]
    return f"# Written by `pipeline init` ({DISTRIBUTION} {__version__}); sha256:{digest}\n{body}"


def _ours(text: str) -> bool:
    match = _STAMP.match(text)
    if match is None:
        return False
    body = text[match.end() :]
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:16] == match[1]


def _put(root: Path, relative: Path, body: str, result: InitResult, *, force: bool) -> None:
    path = root / relative
    text = _stamped(body)
    if path.exists():
        current = path.read_text(encoding="utf-8", errors="replace")
        if current == text:
            result.unchanged.append(relative)
            return
        if not force and not _ours(current):
            result.skipped.append(relative)
            return
    write_text_atomic(path, text)
    result.written.append(relative)


def _settings_toml(list_path: Path, output_dir: str, contact: str | None) -> str:
    body = f"input = {json.dumps(list_path.as_posix())}\noutput_dir = {json.dumps(output_dir)}\n"
    # The User-Agent names the contact: servers see whose crawler this is.
    if contact is not None:
        return body + f"contact = {json.dumps(contact)}\n"
    return body + '# contact = "https://github.com/OWNER/NAME"  # named in the User-Agent\n'


def _ignore_cache(root: Path, result: InitResult) -> None:
    """Keep `cache/` out of git: a committed cache would be restored into every clone."""
    path = root / ".gitignore"
    if path.exists() and not path.is_file():
        result.skipped.append(Path(".gitignore"))
        return
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    lines = {line.strip() for line in text.splitlines()}
    if lines & {"cache", "cache/", "/cache", "/cache/"}:
        result.unchanged.append(Path(".gitignore"))
        return
    separator = "\n" if text and not text.endswith("\n") else ""
    note = "# The pipeline's HTTP cache: disposable, and never to be shared.\n"
    write_text_atomic(path, f"{text}{separator}{note}/cache/\n")
    result.written.append(Path(".gitignore"))


def _add_settings(root: Path, body: str, result: InitResult, *, force: bool) -> None:
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        note = "# Settings of paper-list-pipeline (flags and PIPELINE_* variables win).\n"
        _put(root, Path(PAPER_LIST_TOML), note + body, result, force=force)
        return
    text = pyproject.read_text(encoding="utf-8")
    try:
        tables = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"pyproject.toml is not valid TOML: {exc}") from None
    if pipeline_table(tables, pyproject) is not None:
        result.unchanged.append(Path("pyproject.toml"))  # the maintainer's settings stay
        return
    separator = (
        "" if not text or text.endswith("\n\n") else ("\n" if text.endswith("\n") else "\n\n")
    )
    write_text_atomic(pyproject, f"{text}{separator}[tool.pipeline]\n{body}")
    result.written.append(Path("pyproject.toml"))


def _template(name: str) -> str:
    return resources.files("pipeline").joinpath("templates", name).read_text(encoding="utf-8")


def init_repo(
    root: Path,
    *,
    list_path: Path | None = None,
    output_dir: Path | None = None,
    force: bool = False,
    action: str | None = None,
) -> InitResult:
    """Write the two workflows and the settings into the repository at `root`."""
    chosen = list_path if list_path is not None else find_list(root)
    if chosen.is_absolute():
        if not chosen.is_relative_to(root):
            raise InputError("the list must be inside the repository", path=chosen)
        chosen = chosen.relative_to(root)
    if not (root / chosen).is_file():
        raise InputError("no such list", path=root / chosen)
    out = (output_dir or Path("data")).as_posix().rstrip("/") or "."
    values = {
        "@ACTION@": action or action_ref(),
        "@LIST@": chosen.as_posix(),
        "@OUTPUT_DIR@": out + "/",
    }
    result = InitResult(list_path=chosen)
    for workflow in WORKFLOWS:
        body = _template(workflow.name)
        for token, value in values.items():
            body = body.replace(token, value)
        _put(root, workflow, body, result, force=force)
    contact = repository_url(root, os.environ)
    _add_settings(root, _settings_toml(chosen, out, contact), result, force=force)
    _ignore_cache(root, result)
    try:  # the settings the workflows will run with must load, or init has not succeeded
        load_settings(env={}, project_dir=root)
    except ConfigError as exc:
        raise ConfigError(f"{exc.message} (fix it, then run `pipeline init` again)") from None
    return result
