"""`pipeline fix`: the safe, mechanical edits to the list, from what the last refresh learned.

Edits, each on one link at its line and column (never a global replace):

- a moved repository (RepoRecord.full_name differs from how it was linked) →
  the same URL under the new owner/name;
- a permanent redirect (LinkHealth verdict `moved` with an http(s) final_url)
  → the final URL;
- an arXiv pdf, versioned or off-host link → `https://arxiv.org/abs/<id>`;
- `http://` → `https://` where the https URL was verified (the check ended on
  it, or the GitHub API answered for the repo);
- a dead (or persistently unreachable) link with an archived copy → the
  copy, `https://web.archive.org/web/<timestamp>/<url>`;
- a `published` finding → the venue as the list writes it (`arXiv'2024` →
  `CVPR'2024`), where the entry's venue stands once on its line;
- a `code-available` finding → a code link after the entry's last link, in
  the link style the list's other entries use for code (`| [[code](…)]`).

A reference link's URL is edited where its definition (`[c]: url`) writes it.
Every other byte of the file stays as it was: line endings (CRLF, CR), a BOM,
trailing spaces. An edit applies only where the parser, reading the list as it
is now, finds a link destination that is exactly the old URL at the catalog's
line and column (and at each other place its entry writes it); anything else
is skipped, so a second run on the fixed file proposes nothing.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from pipeline.model import Catalog, FetchStatus, Link, LinkKind, Verdict
from pipeline.outputs.edit import Edit
from pipeline.outputs.fix_findings import finding_edits
from pipeline.stages.parse.places import link_places

__all__ = ["Edit", "FixResult", "apply_edits", "fix_list", "plan_fixes"]

_BOM = "\ufeff"
_LINE_BREAK = re.compile(r"(\r\n|\r|\n)")
# A URL we are willing to write into Markdown link markup unchanged.
_INSERTABLE = re.compile(r"^https?://[^\s<>\"'`\\()\[\]{}|^]+$")
_ARXIV_HOSTS = {"arxiv.org", "www.arxiv.org", "export.arxiv.org"}
_ARXIV_PATH = re.compile(r"^/(?:abs|pdf)/")


@dataclass
class FixResult:
    """The fixed text, the edits made and the edits skipped (old URL not where expected)."""

    text: str
    applied: list[Edit]
    skipped: list[Edit]


def _canonical_arxiv(link: Link) -> str | None:
    if link.kind is not LinkKind.ARXIV or not link.arxiv_id:
        return None
    parts = urlsplit(link.url)
    if (parts.hostname or "").lower() not in _ARXIV_HOSTS or not _ARXIV_PATH.match(parts.path):
        return None  # a DOI or an /html/ page: not the mechanical case
    if link.health is not None and link.health.verdict is Verdict.DEAD:
        return None  # a nonexistent id: a human has to look
    return f"https://arxiv.org/abs/{link.arxiv_id}"


def _github(link: Link, catalog: Catalog) -> tuple[str, str] | None:
    """A renamed repository's new URL, or https for an http link the API confirmed."""
    if link.kind is not LinkKind.GITHUB or not link.repo:
        return None
    record = catalog.repos.get(link.repo.lower())
    if record is None or record.status is not FetchStatus.OK or not record.full_name:
        return None
    parts = urlsplit(link.url)
    prefix = f"/{link.repo}"
    if not parts.path.startswith(prefix):
        return None
    renamed = record.full_name.lower() != link.repo.lower()
    if not renamed and parts.scheme == "https":
        return None
    start = link.url.index(prefix, len(parts.scheme) + 3 + len(parts.netloc))
    rest = link.url[start + len(prefix) :]
    name = record.full_name if renamed else link.repo
    # GitHub serves only https, and the API has just confirmed the repository.
    new = f"https://{parts.netloc}/{name}{rest}"
    return new, "repository moved" if renamed else "verified https"


def _redirected(link: Link) -> tuple[str, str] | None:
    health = link.health
    if health is None or not health.final_url:
        return None
    https = "https://" + link.url.removeprefix("http://")
    if link.url.startswith("http://") and health.final_url.rstrip("/") == https.rstrip("/"):
        if health.verdict in (Verdict.OK, Verdict.MOVED):
            return https, "verified https"
    if health.verdict is Verdict.MOVED:
        return health.final_url, "permanent redirect"
    return None


def _archived(link: Link) -> tuple[str, str] | None:
    health = link.health
    if link.archived is None or health is None:
        return None
    if health.verdict is Verdict.DEAD or health.persistently_unreachable:
        return link.archived.url, "archived copy"
    return None


def _proposal(link: Link, catalog: Catalog) -> tuple[str, str] | None:
    arxiv = _canonical_arxiv(link)
    candidates = (
        _github(link, catalog),
        (arxiv, "canonical arXiv link") if arxiv else None,
        _redirected(link),
        _archived(link),
    )
    for candidate in candidates:
        if candidate and candidate[0] != link.url and _INSERTABLE.match(candidate[0]):
            return candidate
    return None


def plan_fixes(catalog: Catalog, text: str = "") -> list[Edit]:
    """The edits the catalog supports, at every place a link's entry writes it, in file order;
    with the list's `text`, also the venue and code-link edits its findings propose (they
    need its style)."""
    edits: dict[tuple[int, int, str], Edit] = {}
    for _, link in catalog.iter_links():
        proposal = None if link.image else _proposal(link, catalog)
        if proposal is not None:
            new, reason = proposal
            # Every copy of the URL in its entry at once: one refresh, one fix.
            for line, column in [(link.line, link.column), *link.also_at]:
                edits[(line, column, link.url)] = Edit(line, column, link.url, new, reason)
    for edit in finding_edits(catalog, _split_lines(text)) if text else []:
        edits.setdefault((edit.line, edit.column, edit.old), edit)
    return sorted(edits.values(), key=lambda e: (e.line, e.column))


def _locate(line: str, edit: Edit, places: dict[tuple[int, int], str]) -> int | None:
    """0-based start of `edit.old` in the line, if the parser reads a link destination that
    is exactly `edit.old` at the edit's line and column (`places`); else None."""
    at = edit.column - 1
    # The list changed since the refresh if the URL is not where it was: no guessing. A URL
    # in a comment or an attribute, or the start of a longer one, is no such destination.
    if edit.column <= 0 or (edit.destination and places.get((edit.line, edit.column)) != edit.old):
        return None
    return at if line[at : at + len(edit.old)] == edit.old else None


def _edit_line(
    line: str, edits: list[Edit], places: dict[tuple[int, int], str]
) -> tuple[str, list[Edit], list[Edit]]:
    """Apply the edits of one line; those not found, or overlapping another, are skipped."""
    spans: list[tuple[int, int, Edit]] = []
    skipped: list[Edit] = []
    for edit in sorted(edits, key=lambda e: e.column):
        start = _locate(line, edit, places)
        end = start + len(edit.old) if start is not None else 0
        if start is None or any(start < b and a < end for a, b, _ in spans):
            skipped.append(edit)
            continue
        spans.append((start, end, edit))
    for start, end, edit in sorted(spans, key=lambda s: s[0], reverse=True):
        line = line[:start] + edit.new + line[end:]
    return line, [edit for _, _, edit in spans], skipped


def apply_edits(text: str, edits: list[Edit]) -> FixResult:
    """Apply `edits` to the list's text, touching nothing but the URLs they name."""
    bom = _BOM if text.startswith(_BOM) else ""
    # Split as the parser counts lines (CRLF, CR and LF each end one), keeping the breaks.
    pieces = _LINE_BREAK.split(text.removeprefix(bom))
    result = FixResult(text="", applied=[], skipped=[])
    by_line: dict[int, list[Edit]] = {}
    for edit in edits:
        by_line.setdefault(edit.line, []).append(edit)
    places = link_places(text) if edits else {}
    for number, line_edits in sorted(by_line.items()):
        index = 2 * (number - 1)
        if number < 1 or index >= len(pieces):
            result.skipped.extend(line_edits)
            continue
        pieces[index], applied, skipped = _edit_line(pieces[index], line_edits, places)
        result.applied.extend(applied)
        result.skipped.extend(skipped)
    result.text = bom + "".join(pieces)
    return result


def fix_list(text: str, catalog: Catalog) -> FixResult:
    """The list's text with every safe fix the catalog supports applied."""
    return apply_edits(text, _to_definitions(text, plan_fixes(catalog, text)))


def _split_lines(text: str) -> list[str]:
    # The list's lines as the parser counts them (CRLF, CR and LF each end one).
    return _LINE_BREAK.split(text.removeprefix(_BOM))[::2]


def _to_definitions(text: str, edits: list[Edit]) -> list[Edit]:
    """Edits of reference links (`[paper][c]`, whose URL is not on their line) moved to the
    definition that writes the URL (`[c]: url`), once for all the links using it."""
    lines = _split_lines(text)
    places = link_places(text)
    away = [
        e
        for e in edits
        if not 0 < e.line <= len(lines) or _locate(lines[e.line - 1], e, places) is None
    ]
    if not away or "]:" not in text:
        return edits
    from pipeline.stages.parse.references import reference_definitions

    by_url = {d.url: d for d in reference_definitions(text) if d.column}
    moved: dict[tuple[int, int], Edit] = {}
    for edit in away:
        found = by_url.get(edit.old)
        if found is not None:
            where = (found.line, found.column)
            moved[where] = Edit(found.line, found.column, found.written, edit.new, edit.reason)
    kept = [e for e in edits if e not in away or e.old not in by_url]
    return sorted([*kept, *moved.values()], key=lambda e: (e.line, e.column))


def _lines(text: str) -> list[str]:
    # Only CRLF, CR and LF end a line, as the parser counts them: str.splitlines would also
    # split at U+2028, U+0085 or a form feed inside a line and tear the diff apart.
    pieces = _LINE_BREAK.split(text)
    lines = ["".join(pieces[i : i + 2]) for i in range(0, len(pieces), 2)]
    return lines if lines[-1] else lines[:-1]


def _diff_path(path: str) -> str:
    # `a/` + an absolute path gave `a//tmp/list.md`; show it relative to here when it is below.
    posix = Path(path)
    if posix.is_absolute():
        try:
            return posix.relative_to(Path.cwd()).as_posix()
        except ValueError:
            return posix.as_posix().lstrip("/")
    return posix.as_posix()


def unified_diff(old: str, new: str, path: str) -> str:
    """A unified diff of the list before and after (line endings shown as they are)."""
    name = _diff_path(path)
    return "".join(
        difflib.unified_diff(_lines(old), _lines(new), fromfile=f"a/{name}", tofile=f"b/{name}")
    )


__all__ += ["unified_diff"]
