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

import bisect
import json
import os
import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pipeline.config import Settings
from pipeline.errors import ConfigError, InputError, OutputError
from pipeline.files import read_text_file, write_text_atomic
from pipeline.model import Entry, Finding, Severity, Verdict
from pipeline.outputs.markdown_safe import escape_text, shorten
from pipeline.policy import check_fail_on, policy_failures
from pipeline.runner import build_catalog, refresh
from pipeline.safe_text import clean_text
from pipeline.stages.duplicates import duplicate_findings
from pipeline.stages.parse.references import reference_definitions

__all__ = [
    "DEFAULT_FAIL_ON",
    "MAX_ANNOTATIONS",
    "LineRanges",
    "PrCheck",
    "annotations",
    "changed_entries",
    "check_pr",
    "fail_on_kinds",
    "git_changed_lines",
    "parse_changed_lines",
    "parse_diff_lines",
    "reduced_list",
    "render_summary",
    "result_json",
    "write_step_summary",
]

MAX_ANNOTATIONS = 10
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.MULTILINE)
_LINE_BREAK = re.compile(r"(\r\n|\r|\n)")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s")
# What keeps a blanked line's place in the block structure: indentation, `>`, a list marker
# or a heading's `#`s. Blanking a parent item to "" made its tab-indented child an indented
# code block, so the changed child was never checked (issue 19.15a).
_STRUCTURE = re.compile(r"^[ \t>]*(?:(?:[-*+]|\d{1,9}[.)]|#{1,6})(?=[ \t]|$))?[ \t]*")
_PLACEHOLDER = "x"  # a word with no link: the item stays an item, and no entry
# `git diff` of a file git takes for binary (`.gitattributes`: `-diff`, `binary`) despite
# --text: the whole file counts as changed.
_BINARY = re.compile(r"^(?:Binary files .* differ|GIT binary patch)$", re.MULTILINE)
_EVERY_LINE = (1, 1 << 62)
_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
_DUPLICATES = frozenset({"duplicate-paper", "duplicate-url"})
# `--fail-on` kinds: finding severities, link verdicts, or "none" (advice only).
DEFAULT_FAIL_ON = ("error",)


class LineRanges:
    """Changed line numbers kept as sorted, merged ranges (`1-100000000` costs one pair)."""

    def __init__(self, spans: Iterable[tuple[int, int]] = ()) -> None:
        merged: list[list[int]] = []
        for low, high in sorted((a, b) for a, b in spans if a <= b):
            if merged and low <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], high)
            else:
                merged.append([low, high])
        self.spans: tuple[tuple[int, int], ...] = tuple((a, b) for a, b in merged)
        self._starts = [a for a, _ in self.spans]

    @classmethod
    def of(cls, lines: Iterable[int]) -> LineRanges:
        """Ranges covering exactly the given line numbers."""
        return cls((n, n) for n in lines)

    def __contains__(self, line: object) -> bool:
        return isinstance(line, int) and self.overlaps(line, line)

    def overlaps(self, low: int, high: int) -> bool:
        """True when any line in `low..high` (inclusive) is in the ranges."""
        index = bisect.bisect_right(self._starts, high) - 1
        return index >= 0 and self.spans[index][1] >= low

    def union(self, other: Iterable[tuple[int, int]]) -> LineRanges:
        """These ranges plus `other`'s (low, high) pairs."""
        return LineRanges([*self.spans, *other])

    def __bool__(self) -> bool:
        return bool(self.spans)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LineRanges) and self.spans == other.spans

    def __repr__(self) -> str:
        return f"LineRanges({list(self.spans)!r})"


@dataclass
class PrCheck:
    """The entries a change touches and the findings about them, most important first."""

    entries: list[Entry]
    findings: list[Finding]
    verdicts: list[Verdict] = field(default_factory=list)  # of the changed entries' links

    def failures(self, fail_on: Iterable[str]) -> list[str]:
        """What `--fail-on` fails on here: severities of findings, verdicts of links."""
        return policy_failures(self.findings, self.verdicts, fail_on)


def fail_on_kinds(kinds: list[str]) -> list[str]:
    """`--fail-on` values checked (ConfigError naming the choices), or the default."""
    return check_fail_on(kinds) or list(DEFAULT_FAIL_ON)


def parse_diff_lines(diff: str) -> LineRanges:
    """The new-side line numbers a unified diff adds or changes (all of them when binary)."""
    if _BINARY.search(diff):
        return LineRanges([_EVERY_LINE])
    spans = []
    for match in _HUNK.finditer(diff):
        start, count = int(match[1]), int(match[2]) if match[2] is not None else 1
        spans.append((start, start + count - 1))
    return LineRanges(spans)


def parse_changed_lines(text: str) -> LineRanges:
    """Line numbers from a file of numbers and ranges (`12`, `20-24`), one or more a line."""
    spans = []
    for token in text.replace(",", " ").split():
        low, _, high = token.partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            raise InputError(f"not a line number or range: {token!r}")
        spans.append((int(low), int(high or low)))
    return LineRanges(spans)


def git_changed_lines(base: str, path: Path) -> LineRanges:
    """Lines of `path` that differ from git revision `base` (what a pull request changed)."""
    if not base or base.startswith("-"):
        # `--base=--output=FILE` would reach git as an option and make it write FILE.
        raise ConfigError(f"--base: {base!r} is not a git revision", setting="base")
    _require_work_tree()
    # --text and --no-textconv: a `.gitattributes` line `README.md -diff` (or `binary`, or a
    # textconv driver) would otherwise hide every change behind "Binary files differ".
    command = ["git", "diff", "--unified=0", "--no-color", "--no-ext-diff", "--text"]
    command += ["--no-textconv", "--end-of-options"]
    command += [base, "--", str(path)]
    done = _git(command)
    if done.returncode != 0:
        detail = (done.stderr.strip().splitlines() or ["unknown error"])[-1]
        raise InputError(f"git diff against {base!r} failed: {detail}")
    return parse_diff_lines(done.stdout)


def _git(command: list[str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InputError(f"cannot run {' '.join(command[:2])}: {exc}") from None


def _require_work_tree() -> None:
    """Outside a repository `git diff` turns into `git diff --no-index` and prints its usage."""
    done = _git(["git", "rev-parse", "--is-inside-work-tree"])
    if done.returncode != 0 or done.stdout.strip() != "true":
        raise InputError(
            f"check-pr --base needs a git checkout, and {Path.cwd()} is not in one: run it in "
            "the list's repository, or give --changed-lines"
        )


def _span(entry: Entry) -> range:
    last = max([entry.line, *(link.line for link in entry.links)])
    return range(entry.line, last + 1)


def _bounds(entry: Entry) -> tuple[int, int]:
    span = _span(entry)
    return span.start, span.stop - 1


def changed_entries(entries: list[Entry], lines: LineRanges | set[int]) -> list[Entry]:
    """The entries with at least one line in `lines`."""
    ranges = lines if isinstance(lines, LineRanges) else LineRanges.of(lines)
    return [entry for entry in entries if ranges.overlaps(*_bounds(entry))]


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
                pieces[2 * (number - 1)] = _blanked(pieces[2 * (number - 1)])
    for number in other_lines:
        index = 2 * (number - 1)
        if index < len(pieces) and not pieces[index].lstrip().startswith("|"):
            pieces[index] = _blanked(pieces[index])
    return "".join(pieces)


def _blanked(line: str) -> str:
    """The line with no link left, its place in the lists and quotes kept."""
    prefix = _STRUCTURE.match(line)
    kept = prefix.group() if prefix else ""
    return kept + _PLACEHOLDER if line[len(kept) :].strip() else line


def _redefined_urls(text: str, lines: LineRanges) -> set[str]:
    """The URLs of the link reference definitions on changed lines."""
    if not lines or "]:" not in text:
        return set()
    return {d.url for d in reference_definitions(text) if lines.overlaps(d.first, d.last)}


def _touches(finding: Finding, keys: set[str], lines: LineRanges) -> bool:
    if finding.entry_key is not None:
        return finding.entry_key in keys
    return finding.line is not None and finding.line in lines


def _ident(finding: Finding) -> tuple[str, int | None, str | None, str | None]:
    return finding.code, finding.line, finding.url, finding.entry_key


async def check_pr(settings: Settings, lines: LineRanges | set[int], *, workdir: Path) -> PrCheck:
    """Check the entries on `lines` of the list: lint from the whole list, the rest from a run."""
    now = datetime.now(UTC).replace(microsecond=0)
    lines = lines if isinstance(lines, LineRanges) else LineRanges.of(lines)
    full = build_catalog(settings, now)
    text = read_text_file(settings.input, settings.max_list_bytes)
    entries = changed_entries(full.entries, lines)
    # A changed `[c]: url` changes every link that uses the label (issue 19.15c).
    redefined = _redefined_urls(text, lines)
    if redefined:
        chosen = {id(entry) for entry in entries}
        entries = [
            entry
            for entry in full.entries
            if id(entry) in chosen or any(link.url in redefined for link in entry.links)
        ]
    keys = {entry.key for entry in entries}
    touched = lines.union(_bounds(e) for e in entries)
    touched = touched.union((o.line, o.line) for o in full.other_links if o.url in redefined)
    # Duplicates again, each attributed to the changed entry of its pair (issue 12.16).
    lint = [f for f in full.findings if f.code not in _DUPLICATES]
    lint += duplicate_findings(full.entries, prefer=keys)
    findings = [f for f in lint if _touches(f, keys, touched)]
    verdicts: list[Verdict] = []
    if entries and not settings.offline:
        copy = workdir / settings.input.name
        write_text_atomic(
            copy,
            reduced_list(
                text,
                full.entries,
                keys,
                other_lines={link.line for link in full.other_links if link.line not in touched},
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
        verdicts = [
            link.health.verdict
            for key, link in outcome.catalog.iter_links()
            if link.health is not None and (key in keys if key else link.line in touched)
        ]
    findings.sort(key=lambda f: (_RANK[f.severity], f.line or 0, f.code))
    return PrCheck(entries=entries, findings=findings, verdicts=verdicts)


def result_json(check: PrCheck, fail_on: list[str], failures: list[str]) -> str:
    """The check as JSON for machines (the action): counts, findings, the policy's verdict."""
    verdicts = {verdict.value: check.verdicts.count(verdict) for verdict in Verdict}
    return json.dumps(
        {
            "entries": len(check.entries),
            "findings": [f.model_dump(mode="json") for f in check.findings],
            "verdicts": verdicts,  # of the changed entries' links
            "fail_on": fail_on,
            "failures": failures,
            "exit_code": 1 if failures else 0,
        },
        indent=2,
    )


def _escape_data(text: str) -> str:
    """Escape a workflow command's message (GitHub's toolkit: %, CR, LF), controls removed."""
    text = clean_text(text)
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotations(findings: list[Finding], path: str, limit: int = MAX_ANNOTATIONS) -> list[str]:
    """`::error` / `::warning` commands for the `limit` most important such findings."""
    commands = []
    for finding in [f for f in findings if f.severity is not Severity.INFO][:limit]:
        level = "error" if finding.severity is Severity.ERROR else "warning"
        message = finding.message + (f" (fix: {finding.hint})" if finding.hint else "")
        props = f"file={_escape_property(path)}"
        if finding.line is not None:
            props += f",line={finding.line}"
        if finding.column is not None:
            props += f",col={finding.column}"
        props += f",title={_escape_property(f'{finding.severity.value}: {finding.code}')}"
        commands.append(f"::{level} {props}::{_escape_data(shorten(message, 500))}")
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
