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
import stat
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
    "repository_root",
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
# A name that cannot go into a workflow: a line break or another control character would end
# the YAML value (or a comment) early, and `${{` would be evaluated by GitHub.
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]|\$\{\{")
_GLOB_SPECIAL = re.compile(r"([*?+\[\]!\\])")
_ACTION_REF = re.compile(r"[\w.-]+/[\w.-]+@[\w.-]+ # v[\w.+-]+")
# A TOML table header line: `[a.b]` (not `[[array]]`), as the settings table is found.
_HEADER = re.compile(r"^[ \t]*\[(?!\[)([^\]\n]*)\][ \t]*(?:#[^\n]*)?$", re.MULTILINE)
_TOKEN = re.compile(r"@(?:ACTION|LIST_GLOB|LIST|OUTPUT_DIR)@")
_ARRAY_HEADER = re.compile(r"^[ \t]*\[\[", re.MULTILINE)


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
                "then: allow the refresh to open its pull request: Settings → Actions → General "
                "→ Workflow permissions → 'Allow GitHub Actions to create and approve pull "
                "requests' (create-pull-request with the default token needs it)"
            )
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


def _rev_parse(directory: Path, what: str) -> str | None:
    """`git rev-parse WHAT` in `directory`, or None outside a checkout (or without git)."""
    try:
        done = subprocess.run(
            ["git", "-C", str(directory), "rev-parse", what],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    out = done.stdout.strip()
    return out if done.returncode == 0 and out else None


def _git_head(directory: Path) -> str | None:
    sha = _rev_parse(directory, "HEAD")
    return sha if sha and _SHA.fullmatch(sha) else None


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


def _is_regular(path: Path) -> bool:
    """A regular file (symlinks followed): a FIFO named `notes.md` would block a read forever."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def _has_papers(path: Path) -> bool:
    if not _is_regular(path):
        return False
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
    if path.exists() and not _is_regular(path):
        raise InputError(
            f"{relative} is not a regular file (a folder?): move it away, then run init again",
            path=root / relative,
        )
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
    # The User-Agent names the contact: servers see whose crawler this is. The hint comes
    # first: a comment at a table's end reads as the next table's (init --force keeps it).
    if contact is not None:
        return body + f"contact = {json.dumps(contact)}\n"
    return '# contact = "https://github.com/OWNER/NAME"  # named in the User-Agent\n' + body


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
        if force:
            _replace_table(pyproject, text, tables, body, result)
        else:
            result.unchanged.append(Path("pyproject.toml"))  # the maintainer's settings stay
        return
    separator = (
        "" if not text or text.endswith("\n\n") else ("\n" if text.endswith("\n") else "\n\n")
    )
    write_text_atomic(pyproject, f"{text}{separator}[tool.pipeline]\n{body}")
    result.written.append(Path("pyproject.toml"))


def _header_key(header: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in header.split("."))


def _replace_table(
    pyproject: Path, text: str, tables: dict[str, object], body: str, result: InitResult
) -> None:
    """`--force`: the `[tool.pipeline]` table (and its sub-tables) replaced by `body`, every
    other byte of pyproject.toml kept; checked by parsing the result."""
    headers = [*_HEADER.finditer(text), *_ARRAY_HEADER.finditer(text)]
    headers.sort(key=lambda m: m.start())
    cuts: list[tuple[int, int]] = []
    for index, match in enumerate(headers):
        key = _header_key(match[1]) if match.re is _HEADER else ()
        if key[:2] == ("tool", "pipeline"):
            end = headers[index + 1].start() if index + 1 < len(headers) else len(text)
            # Blank and comment lines just above the next table are that table's.
            lines = text[match.start() : end].splitlines(keepends=True)
            while len(lines) > 1 and (not lines[-1].strip() or lines[-1].lstrip()[:1] == "#"):
                end -= len(lines.pop())
            if cuts and not text[cuts[-1][1] : match.start()].strip():
                cuts[-1] = (cuts[-1][0], end)  # its sub-table right after it: one cut
            else:
                cuts.append((match.start(), end))
    new = text
    for start, end in reversed(cuts):
        new = new[:start] + new[end:]
    if cuts:
        start = cuts[0][0]
        table = f"[tool.pipeline]\n{body}"
        rest = new[start:]
        new = new[:start] + table + ("\n" if rest and not rest.startswith("\n") else "") + rest
    try:
        parsed = tomllib.loads(new)
    except tomllib.TOMLDecodeError:
        parsed = {}
    expected = json.loads(json.dumps(tables))
    expected["tool"]["pipeline"] = tomllib.loads(body)
    if not cuts or parsed != expected:
        # Dotted keys (`tool.pipeline.input = ...`) or an inline table: no table to cut out.
        raise ConfigError(
            "init --force cannot replace the pipeline settings in pyproject.toml: they are not "
            "one [tool.pipeline] table; edit them by hand",
            setting="tool.pipeline",
        )
    if new == text:
        result.unchanged.append(Path("pyproject.toml"))
        return
    write_text_atomic(pyproject, new)
    result.written.append(Path("pyproject.toml"))


def repository_root(directory: Path) -> Path:
    """The top of the git checkout `directory` is in (where GitHub reads .github/), else it."""
    top = _rev_parse(directory, "--show-toplevel")
    return Path(top) if top else directory


def _yaml_string(value: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is valid YAML), ASCII only."""
    return json.dumps(value, ensure_ascii=True)


def _glob_literal(path: str) -> str:
    """A path as a workflow `paths:` filter that matches only it (`[2024]` is a glob class)."""
    return _GLOB_SPECIAL.sub(r"\\\1", path)


def _check_name(value: str, what: str) -> None:
    if _UNSAFE_NAME.search(value):
        raise InputError(
            f"{what} {value!r} has a line break, a control character or `${{{{`, which a "
            "workflow cannot hold: rename it"
        )


def _inside(root: Path, cwd: Path, path: Path, what: str) -> Path:
    """`path` (relative to `cwd`) relative to the repository root, or InputError."""
    full = Path(os.path.normpath(cwd / path))
    top = Path(os.path.normpath(root))
    if not full.is_relative_to(top):
        raise InputError(f"{what} must be inside the repository ({top})", path=path)
    return full.relative_to(top)


def _template(name: str) -> str:
    return resources.files("pipeline").joinpath("templates", name).read_text(encoding="utf-8")


def init_repo(
    root: Path,
    *,
    list_path: Path | None = None,
    output_dir: Path | None = None,
    force: bool = False,
    action: str | None = None,
    cwd: Path | None = None,
) -> InitResult:
    """Write the two workflows and the settings into the repository at `root`.

    `list_path` and `output_dir`, when relative, are relative to `cwd` (default `root`),
    a folder inside the repository; what is written names them relative to `root`."""
    cwd = cwd or root
    chosen = list_path if list_path is not None else find_list(root)
    if list_path is not None:
        chosen = _inside(root, cwd, list_path, "the list")
    if not _is_regular(root / chosen):
        raise InputError("no such list (or not a regular file)", path=root / chosen)
    out_path = _inside(root, cwd, output_dir, "--output-dir") if output_dir else Path("data")
    out = out_path.as_posix().rstrip("/") or "."
    _check_name(chosen.as_posix(), "the list's name")
    _check_name(out, "--output-dir")
    ref = action or action_ref()
    if not _ACTION_REF.fullmatch(ref):
        raise ConfigError(f"the action's reference {ref!r} is not owner/name@ref # vX.Y.Z")
    values = {
        "@ACTION@": ref,
        "@LIST_GLOB@": _yaml_string(_glob_literal(chosen.as_posix())),
        "@LIST@": _yaml_string(chosen.as_posix()),
        "@OUTPUT_DIR@": _yaml_string(out + "/"),
    }
    result = InitResult(list_path=chosen)
    for workflow in WORKFLOWS:
        # One pass: a name holding `@OUTPUT_DIR@` is not substituted again.
        body = _TOKEN.sub(lambda match: values[match[0]], _template(workflow.name))
        _put(root, workflow, body, result, force=force)
    contact = repository_url(root, os.environ)
    _add_settings(root, _settings_toml(chosen, out, contact), result, force=force)
    _ignore_cache(root, result)
    try:  # the settings the workflows will run with must load, or init has not succeeded
        load_settings(env={}, project_dir=root)
    except ConfigError as exc:
        raise ConfigError(f"{exc.message} (fix it, then run `pipeline init` again)") from None
    return result
