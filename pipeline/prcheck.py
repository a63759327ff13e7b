"""`pipeline check-pr`: check only the entries a pull request adds or changes.

The changed lines come from `git diff --unified=0 BASE -- LIST` (or a file of
line numbers). The entries on those lines are checked with the real stages:
the list is copied with every other list item blanked (line numbers stay the
same), and a refresh runs on the copy in a scratch folder, sharing the cache.
Lint findings come from the whole list (a new entry can duplicate an old one).

Results are GitHub workflow commands, `::warning file=..,line=..::` (GitHub
shows ten per step, so the ten most important), and a Markdown summary with
every finding for `$GITHUB_STEP_SUMMARY`.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pipeline.config import Settings
from pipeline.errors import InputError, OutputError
from pipeline.files import read_text_file, write_text_atomic
from pipeline.model import Entry, Finding, Severity
from pipeline.outputs.markdown_safe import escape_text, shorten
from pipeline.runner import build_catalog, refresh

__all__ = [
    "MAX_ANNOTATIONS",
    "PrCheck",
    "annotations",
    "changed_entries",
    "check_pr",
    "git_changed_lines",
    "parse_changed_lines",
    "parse_diff_lines",
    "reduced_list",
    "render_summary",
    "write_step_summary",
]

MAX_ANNOTATIONS = 10
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.MULTILINE)
_LINE_BREAK = re.compile(r"(\r\n|\r|\n)")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s")
_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


@dataclass
class PrCheck:
    """The entries a change touches and the findings about them, most important first."""

    entries: list[Entry]
    findings: list[Finding]


def parse_diff_lines(diff: str) -> set[int]:
    """The new-side line numbers a unified diff adds or changes."""
    lines: set[int] = set()
    for match in _HUNK.finditer(diff):
        start, count = int(match[1]), int(match[2]) if match[2] is not None else 1
        lines.update(range(start, start + count))
    return lines


def parse_changed_lines(text: str) -> set[int]:
    """Line numbers from a file of numbers and ranges (`12`, `20-24`), one or more a line."""
    lines: set[int] = set()
    for token in text.replace(",", " ").split():
        low, _, high = token.partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            raise InputError(f"not a line number or range: {token!r}")
        lines.update(range(int(low), int(high or low) + 1))
    return lines


def git_changed_lines(base: str, path: Path) -> set[int]:
    """Lines of `path` that differ from git revision `base` (what a pull request changed)."""
    command = ["git", "diff", "--unified=0", "--no-color", "--no-ext-diff", base, "--", str(path)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InputError(f"cannot run git diff: {exc}") from None
    if done.returncode != 0:
        detail = (done.stderr.strip().splitlines() or ["unknown error"])[-1]
        raise InputError(f"git diff against {base!r} failed: {detail}")
    return parse_diff_lines(done.stdout)


def _span(entry: Entry) -> range:
    last = max([entry.line, *(link.line for link in entry.links)])
    return range(entry.line, last + 1)


def changed_entries(entries: list[Entry], lines: set[int]) -> list[Entry]:
    """The entries with at least one line in `lines`."""
    return [entry for entry in entries if lines.intersection(_span(entry))]


def reduced_list(
    text: str, entries: list[Entry], keep: set[str], *, other_lines: set[int] = frozenset()
) -> str:
    """The list with the list items of every entry not in `keep` blanked, line numbers kept;
    so are `other_lines` (lines of links outside entries that the change did not touch)."""
    pieces = _LINE_BREAK.split(text)
    for entry in entries:
        index = 2 * (entry.line - 1)
        if entry.key in keep or index >= len(pieces) or not _LIST_ITEM.match(pieces[index]):
            continue  # table rows stay: blanking one would end the table
        for number in _span(entry):
            if 2 * (number - 1) < len(pieces):
                pieces[2 * (number - 1)] = ""
    for number in other_lines:
        index = 2 * (number - 1)
        if index < len(pieces) and not pieces[index].lstrip().startswith("|"):
            pieces[index] = ""
    return "".join(pieces)


def _touches(finding: Finding, keys: set[str], lines: set[int]) -> bool:
    if finding.entry_key is not None:
        return finding.entry_key in keys
    return finding.line is not None and finding.line in lines


def _ident(finding: Finding) -> tuple[str, int | None, str | None, str | None]:
    return finding.code, finding.line, finding.url, finding.entry_key


async def check_pr(settings: Settings, lines: set[int], *, workdir: Path) -> PrCheck:
    """Check the entries on `lines` of the list: lint from the whole list, the rest from a run."""
    now = datetime.now(UTC).replace(microsecond=0)
    full = build_catalog(settings, now)
    entries = changed_entries(full.entries, lines)
    keys = {entry.key for entry in entries}
    touched = lines.union(*(_span(entry) for entry in entries))
    findings = [f for f in full.findings if _touches(f, keys, touched)]
    if entries and not settings.offline:
        copy = workdir / settings.input.name
        write_text_atomic(
            copy,
            reduced_list(
                read_text_file(settings.input, settings.max_list_bytes),
                full.entries,
                keys,
                other_lines={link.line for link in full.other_links} - touched,
            ),
        )
        scratch = settings.model_copy(update={"input": copy, "output_dir": workdir / "out"})
        outcome = await refresh(scratch)
        seen = {_ident(f) for f in build_catalog(scratch, now).findings} | {
            _ident(f) for f in findings
        }
        findings += [
            f
            for f in outcome.catalog.findings
            if _ident(f) not in seen and _touches(f, keys, touched)
        ]
    findings.sort(key=lambda f: (_RANK[f.severity], f.line or 0, f.code))
    return PrCheck(entries=entries, findings=findings)


def _escape_data(text: str) -> str:
    """Escape a workflow command's message (GitHub's toolkit: %, CR, LF)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotations(findings: list[Finding], path: str, limit: int = MAX_ANNOTATIONS) -> list[str]:
    """`::warning` commands for the `limit` most important error and warning findings."""
    commands = []
    for finding in [f for f in findings if f.severity is not Severity.INFO][:limit]:
        message = finding.message + (f" (fix: {finding.hint})" if finding.hint else "")
        props = f"file={_escape_property(path)}"
        if finding.line is not None:
            props += f",line={finding.line}"
        props += f",title={_escape_property(f'{finding.severity.value}: {finding.code}')}"
        commands.append(f"::warning {props}::{_escape_data(shorten(message, 500))}")
    return commands


def render_summary(check: PrCheck, path: str) -> str:
    """The step summary: entries checked and every finding, escaped."""
    out = [
        "## Paper list check",
        "",
        f"{len(check.entries)} entries added or changed in {escape_text(path)}; "
        f"{len(check.findings)} findings.",
        "",
    ]
    if check.findings:
        out += ["| Line | Severity | Check | Problem | Proposed fix |", "|---:|---|---|---|---|"]
        for f in check.findings:
            cells = [str(f.line or ""), f.severity.value, f.code, f.message, f.hint]
            out.append("| " + " | ".join(escape_text(shorten(c, 200)) for c in cells) + " |")
        out.append("")
    if check.entries:
        out += ["Entries checked:", ""]
        out += [f"- line {e.line}: {escape_text(shorten(e.title, 120))}" for e in check.entries]
    return "\n".join(out) + "\n"


STEP_SUMMARY_CAP = 1_000_000  # GitHub refuses a step summary over 1 MiB


def write_step_summary(text: str, env: dict[str, str] | None = None) -> Path | None:
    """Append `text` (cut under GitHub's 1 MiB cap) to $GITHUB_STEP_SUMMARY when it is set."""
    target = (os.environ if env is None else env).get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    data = text.encode("utf-8")
    if len(data) > STEP_SUMMARY_CAP:
        data = data[:STEP_SUMMARY_CAP].decode("utf-8", "ignore").encode("utf-8")
    path = Path(target)
    try:
        with path.open("ab") as handle:
            handle.write(data)
    except OSError as exc:
        raise OutputError(f"cannot write the step summary: {exc.strerror}", path=path) from None
    return path
