"""The health report: what needs action, what is worth knowing, what changed, run statistics.

`build_report` turns a catalog (and the previous one) into a `Report`: plain
data with raw, unescaped values. `report.json` is that model as JSON;
`report.md` is its rendering (pipeline.outputs.report_md), escaped and fitted to a
pull request body.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from pipeline.files import write_text_atomic
from pipeline.model import Catalog, Finding, Severity
from pipeline.outputs.charts import papers_per_quarter, star_charts
from pipeline.outputs.diff import (
    METRICS,
    CatalogDiff,
    catalog_metrics,
    diff_catalogs,
    metric_changes,
)
from pipeline.outputs.stars import StarPoint
from pipeline.stages.resolve import repo_from_url

__all__ = [
    "Chart",
    "Column",
    "Metric",
    "Report",
    "Section",
    "build_report",
    "render_report_json",
    "write_report",
]

Group = Literal["action", "info", "changes"]

# Action sections in the order a reviewer should work through them: (key, title, codes).
_ACTION: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("dead", "Dead links", frozenset({"dead-link", "repo-dead"})),
    (
        "moved",
        "Moved links and repos",
        frozenset({"moved-link", "repo-moved", "non-http-redirect"}),
    ),
    ("nonexistent-arxiv-id", "Nonexistent arXiv ids", frozenset({"nonexistent-arxiv-id"})),
    ("title-mismatch", "Title mismatches", frozenset({"title-mismatch"})),
    ("venue-update", "Venue updates", frozenset({"venue-update"})),
    ("published", "Published since (Semantic Scholar)", frozenset({"published"})),
    ("venue-disagrees", "Venue disagreements", frozenset({"venue-disagrees"})),
    ("withdrawn", "Withdrawn papers", frozenset({"withdrawn"})),
    ("repo-unavailable", "Disabled or blocked repos", frozenset({"repo-disabled", "repo-blocked"})),
)
_INFO: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("new-version", "New arXiv versions", frozenset({"new-version"})),
    ("repo-archived", "Archived repos", frozenset({"repo-archived"})),
    ("repo-stale", "Stale repos", frozenset({"repo-stale"})),
    ("repo-placeholder", "Placeholder repos", frozenset({"repo-placeholder"})),
    (
        "persistently-unreachable",
        "Persistently unreachable links",
        frozenset({"persistently-unreachable"}),
    ),
    ("blocked-link", "Links that refuse robots", frozenset({"blocked-link"})),
    ("code-available", "Code found for papers with no code link", frozenset({"code-available"})),
    ("resolved-by-title", "arXiv ids found by title", frozenset({"resolved-by-title"})),
    (
        "title-match-suggestion",
        "Possible arXiv matches (not attached)",
        frozenset({"title-match-suggestion"}),
    ),
)
_KNOWN = frozenset().union(*(codes for _, _, codes in (*_ACTION, *_INFO)))


class Column(BaseModel):
    """A table column: its row key, heading, and how to render it."""

    key: str
    title: str
    kind: Literal["text", "url", "int", "signed"] = "text"


class Metric(BaseModel):
    """One row of the summary table."""

    key: str
    label: str
    value: int
    change: int | None = None


class Section(BaseModel):
    """A titled table of rows; rows hold raw values keyed by column key."""

    key: str
    title: str
    group: Group
    columns: list[Column]
    rows: list[dict[str, Any]]
    note: str = ""


class Chart(BaseModel):
    """A Mermaid block and what it shows."""

    title: str
    mermaid: str


class Report(BaseModel):
    """Everything report.md and report.json say."""

    generated_at: datetime
    source: str
    first_run: bool
    summary: list[Metric]
    sections: list[Section]
    charts: list[Chart] = []
    stats: dict[str, Any] = {}
    notes: list[str] = []


_FINDING_COLUMNS = [
    Column(key="line", title="Line", kind="int"),
    Column(key="entry", title="Entry"),
    Column(key="url", title="Link", kind="url"),
    Column(key="problem", title="Problem"),
    Column(key="fix", title="Proposed fix"),
]
_MOVED_COLUMNS = [
    *_FINDING_COLUMNS[:3],
    Column(key="new_url", title="New URL", kind="url"),
    *_FINDING_COLUMNS[3:],
]
# A dead link with the newest archived copy from before it died (the archive stage).
_DEAD_COLUMNS = [
    *_FINDING_COLUMNS[:3],
    Column(key="archived", title="Archived copy", kind="url"),
    *_FINDING_COLUMNS[3:],
]
_EXTRA_COLUMNS = {"moved": _MOVED_COLUMNS, "dead": _DEAD_COLUMNS}
_TOP_CITED = 10


def _new_url(
    finding: Finding, catalog: Catalog, final_urls: dict[tuple[int, str], str]
) -> str | None:
    if finding.code == "repo-moved" and finding.url:
        record = catalog.repos.get((repo_from_url(finding.url) or "").lower())
        if record is not None and record.full_name:
            return record.url or f"https://github.com/{record.full_name}"
    if finding.line is not None and finding.url:
        return final_urls.get((finding.line, finding.url))
    return None


@dataclass(frozen=True)
class _Lookups:
    """What a finding's row looks up in the catalog, built once for every section."""

    titles: dict[str, str]
    by_line: dict[int, str]
    final_urls: dict[tuple[int, str], str]
    archived: dict[tuple[int, str], str]


def _lookups(catalog: Catalog) -> _Lookups:
    return _Lookups(
        titles={e.key: e.title for e in catalog.entries},
        # Lint findings from parse may predate the entry's final key: fall back to its line.
        by_line={e.line: e.title for e in catalog.entries},
        final_urls={
            (link.line, link.url): link.health.final_url
            for _, link in catalog.iter_links()
            if link.health is not None and link.health.final_url
        },
        archived={
            (link.line, link.url): link.archived.url
            for _, link in catalog.iter_links()
            if link.archived is not None
        },
    )


def _finding_rows(
    findings: list[Finding], catalog: Catalog, seen: _Lookups
) -> list[dict[str, Any]]:
    rows = [
        {
            "line": f.line,
            "entry": seen.titles.get(f.entry_key or "")
            or seen.by_line.get(
                f.line or 0, "" if f.entry_key or not f.url else "(outside entries)"
            ),
            "url": f.url,
            "new_url": _new_url(f, catalog, seen.final_urls),
            "archived": seen.archived.get((f.line or 0, f.url or "")),
            "problem": f.message,
            "fix": f.hint,
            "code": f.code,
            "severity": f.severity.value,
            "entry_key": f.entry_key,
        }
        for f in findings
    ]
    return sorted(rows, key=lambda r: (r["line"] is None, r["line"] or 0, r["code"]))


def _finding_sections(catalog: Catalog) -> list[Section]:
    sections = []
    seen = _lookups(catalog)  # 20 sections: built once, not once a section
    groups: tuple[tuple[Group, tuple[tuple[str, str, frozenset[str]], ...]], ...] = (
        ("action", _ACTION),
        ("info", _INFO),
    )
    for group, table in groups:
        for key, title, codes in table:
            found = [f for f in catalog.findings if f.code in codes]
            columns = _EXTRA_COLUMNS.get(key, _FINDING_COLUMNS)
            sections.append(
                Section(
                    key=key,
                    title=title,
                    group=group,
                    columns=columns,
                    rows=_finding_rows(found, catalog, seen),
                )
            )
        lint = [f for f in catalog.findings if f.code not in _KNOWN]
        if group == "action":
            wanted = [f for f in lint if f.severity is not Severity.INFO]
            key, title = "lint", "Lint findings"
        else:
            wanted = [f for f in lint if f.severity is Severity.INFO]
            key, title = "lint-info", "Lint notes"
        lint_columns = [
            *_FINDING_COLUMNS[:2],
            Column(key="code", title="Check"),
            *_FINDING_COLUMNS[3:],
        ]
        sections.append(
            Section(
                key=key,
                title=title,
                group=group,
                columns=lint_columns,
                rows=_finding_rows(wanted, catalog, seen),
            )
        )
    return sections


def _change_sections(diff: CatalogDiff) -> list[Section]:
    entry_cols = [Column(key="line", title="Line", kind="int"), Column(key="title", title="Entry")]
    link_cols = [
        Column(key="line", title="Line", kind="int"),
        Column(key="title", title="Entry"),
        Column(key="url", title="Link", kind="url"),
        Column(key="before", title="Was"),
        Column(key="after", title="Now"),
    ]
    star_cols = [
        Column(key="repo", title="Repo"),
        Column(key="url", title="Link", kind="url"),
        Column(key="before", title="Before", kind="int"),
        Column(key="after", title="Now", kind="int"),
        Column(key="delta", title="Change", kind="signed"),
    ]
    gains = [m for m in diff.star_movers if m.delta > 0]
    gains.sort(key=lambda m: (-m.delta, m.repo.lower()))
    parts: list[tuple[str, str, list[Column], list[BaseModel], Group]] = [
        ("star-gains", "Biggest star gains", star_cols, list(gains[:10]), "info"),
        ("new-entries", "New entries", entry_cols, list(diff.new_entries), "changes"),
        ("removed-entries", "Removed entries", entry_cols, list(diff.removed_entries), "changes"),
        ("newly-dead", "Newly dead links", link_cols, list(diff.newly_dead), "changes"),
        ("recovered", "Recovered links", link_cols, list(diff.recovered), "changes"),
        ("newly-moved", "Newly moved links", link_cols, list(diff.newly_moved), "changes"),
    ]
    return [
        Section(
            key=key,
            title=title,
            group=group,
            columns=cols,
            rows=[r.model_dump(mode="json") for r in rows],
        )
        for key, title, cols, rows, group in parts
    ]


def _candidates_section(catalog: Catalog) -> Section:
    """Papers you may be missing (the candidates stage); not shown when there are none."""
    from pipeline.outputs.candidates import candidate_rows

    return Section(
        key="candidates",
        title="Papers you may be missing",
        group="info",
        columns=[
            Column(key="cites", title="Cites", kind="int"),
            Column(key="paper", title="Paper"),
            Column(key="section", title="Proposed section"),
            Column(key="why", title="Why"),
            Column(key="command", title="Add it"),
        ],
        rows=candidate_rows(catalog),
        note="Details and every candidate: candidates.md.",
    )


def _citation_sections(catalog: Catalog, previous: Catalog | None) -> list[Section]:
    """The most cited papers, and the biggest changes in citations since the last run."""
    counted = [
        (entry, entry.scholarly.citation_count)
        for entry in catalog.entries
        if entry.scholarly is not None and entry.scholarly.citation_count is not None
    ]
    counted.sort(key=lambda pair: (-(pair[1] or 0), pair[0].line))
    top = [
        {
            "line": entry.line,
            "entry": entry.title,
            "venue": entry.scholarly.venue_short if entry.scholarly else None,
            "citations": count,
            "influential": entry.scholarly.influential_citation_count if entry.scholarly else None,
        }
        for entry, count in counted[:_TOP_CITED]
    ]
    before = {
        entry.key: entry.scholarly.citation_count
        for entry in (previous.entries if previous else [])
        if entry.scholarly is not None and entry.scholarly.citation_count is not None
    }
    changes = [
        {
            "line": entry.line,
            "entry": entry.title,
            "before": before[entry.key],
            "after": count,
            "delta": (count or 0) - before[entry.key],
        }
        for entry, count in counted
        if entry.key in before and count != before[entry.key]
    ]
    changes.sort(key=lambda row: (-abs(row["delta"]), row["line"]))
    line_entry = [Column(key="line", title="Line", kind="int"), Column(key="entry", title="Entry")]
    return [
        Section(
            key="most-cited",
            title="Most cited papers (Semantic Scholar)",
            group="info",
            columns=[
                *line_entry,
                Column(key="venue", title="Venue"),
                Column(key="citations", title="Citations", kind="int"),
                Column(key="influential", title="Influential", kind="int"),
            ],
            rows=top,
        ),
        Section(
            key="citation-changes",
            title="Biggest changes in citations",
            group="changes",
            columns=[
                *line_entry,
                Column(key="before", title="Before", kind="int"),
                Column(key="after", title="Now", kind="int"),
                Column(key="delta", title="Change", kind="signed"),
            ],
            rows=changes[:_TOP_CITED],
        ),
    ]


def _stats(catalog: Catalog) -> dict[str, Any]:
    stats = catalog.stats
    return {
        "started_at": stats.started_at.isoformat() if stats.started_at else None,
        "seconds": stats.seconds,
        "requests": dict(sorted(stats.requests.items())),
        "requests_total": sum(stats.requests.values()),
        "cache_hits": stats.cache_hits,
        "rate_limit_left": dict(sorted(stats.rate_limit.items())),
        "stages": list(stats.stages),
        "offline": stats.offline,
        "outage": stats.outage,
    }


def build_report(
    catalog: Catalog,
    previous: Catalog | None,
    *,
    star_history: dict[int, list[StarPoint]] | None = None,
) -> Report:
    """The report of `catalog`, with changes since `previous` (None on a first run)."""
    diff = diff_catalogs(previous, catalog)
    now = catalog_metrics(catalog)
    changes = metric_changes(now, catalog_metrics(previous) if previous else None)
    summary = [Metric(key=k, label=label, value=now[k], change=changes[k]) for k, label in METRICS]
    charts = []
    quarters = papers_per_quarter(catalog)
    if quarters:
        charts.append(Chart(title="Papers per quarter", mermaid=quarters))
    for block in star_charts(star_history or {}):
        charts.append(Chart(title="Stars over time", mermaid=block))
    notes = []
    if catalog.stats.outage:
        notes.append(
            "The network was out during this run: verdicts are unverified, "
            "and previous data was kept."
        )
    elif catalog.stats.offline:
        notes.append("This was an offline run: metadata and link health were not fetched.")
    return Report(
        generated_at=catalog.generated_at,
        source=catalog.source,
        first_run=diff.first_run,
        summary=summary,
        sections=[
            *_finding_sections(catalog),
            *_citation_sections(catalog, previous),
            _candidates_section(catalog),
            *_change_sections(diff),
        ],
        charts=charts,
        stats=_stats(catalog),
        notes=notes,
    )


def write_report(
    report: Report, output_dir: Path, *, markdown: str, cut: dict[str, int]
) -> list[Path]:
    """Write report.md (the given rendering) and report.json atomically; returns the paths.

    report.json has every row, and says which rows report.md left out (`markdown_cut`).
    """
    md_path, json_path = output_dir / "report.md", output_dir / "report.json"
    write_text_atomic(md_path, markdown)
    write_text_atomic(json_path, render_report_json(report, cut))
    return [md_path, json_path]


def render_report_json(report: Report, cut: dict[str, int]) -> str:
    """report.json's text: every row, and which rows report.md left out (`markdown_cut`)."""
    payload = {**report.model_dump(mode="json"), "markdown_cut": cut}
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
