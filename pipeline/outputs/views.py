"""Views of the catalog people read: catalog.csv (spreadsheets) and catalog.md (GitHub).

Both list entries newest first by the first arXiv version (ArxivRecord.published,
else Entry.arxiv_month); entries with no date follow in list order. catalog.md
escapes everything (pipeline.outputs.markdown_safe); catalog.csv guards cells a
spreadsheet would run as a formula.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

from pipeline.files import write_text_atomic
from pipeline.model import Catalog, Entry, LinkKind, RepoRecord, Verdict
from pipeline.outputs.charts import entry_date, papers_per_quarter, star_charts
from pipeline.outputs.markdown_safe import escape_text, md_link
from pipeline.outputs.stars import StarPoint
from pipeline.safe_text import csv_cell

__all__ = [
    "CSV_COLUMNS",
    "entry_marks",
    "finding_marks",
    "render_catalog_csv",
    "render_catalog_md",
    "sorted_entries",
    "write_views",
]

CSV_COLUMNS = (
    "key",
    "title",
    "section",
    "tags",
    "venue",
    "year",
    "line",
    "arxiv_id",
    "arxiv_version",
    "arxiv_date",
    "arxiv_title",
    "arxiv_status",
    "repos",
    "stars",
    "code_url",
    "published_venue",
    "citations",
    "influential_citations",
    "citations_read_at",
    "links",
    "status",
)

# Marks for catalog.md, worst first: (mark, meaning).
_MARKS: dict[str, str] = {
    "dead": "❌ dead link",
    "moved": "↪️ moved link",
    "withdrawn": "⛔ withdrawn",
    "blocked": "🚫 blocked link",
    "unverified": "❔ unverified link",
    "archived": "🗄️ archived repo",
    "stale": "💤 stale repo",
    "placeholder": "📭 placeholder repo",
    "new-version": "🆕 new arXiv version",
}
_FINDING_MARKS = {
    "withdrawn": "withdrawn",
    "repo-archived": "archived",
    "repo-stale": "stale",
    "repo-placeholder": "placeholder",
    "new-version": "new-version",
    "repo-dead": "dead",
    "repo-moved": "moved",
}


def _sort_key(entry: Entry) -> datetime | None:
    if entry.arxiv is not None and entry.arxiv.published is not None:
        return entry.arxiv.published.replace(tzinfo=None)
    when = entry_date(entry)
    return datetime(when[0], when[1], 1) if when else None


def sorted_entries(catalog: Catalog) -> list[Entry]:
    """Entries newest first by first arXiv version; undated ones after, in list order."""
    dated = [e for e in catalog.entries if _sort_key(e) is not None]
    undated = [e for e in catalog.entries if _sort_key(e) is None]
    dated.sort(key=lambda e: (_sort_key(e), -e.line), reverse=True)
    return [*dated, *undated]


def _date_text(entry: Entry) -> str:
    if entry.arxiv is not None and entry.arxiv.published is not None:
        return entry.arxiv.published.strftime("%Y-%m-%d")
    return entry.arxiv_month or ""


def _records(entry: Entry, catalog: Catalog) -> list[RepoRecord]:
    found: dict[object, RepoRecord] = {}
    for repo in entry.repos:
        record = catalog.repos.get(repo.lower())
        if record is not None:
            found.setdefault(record.repo_id if record.repo_id is not None else repo.lower(), record)
    return list(found.values())


def _stars(records: list[RepoRecord]) -> int | None:
    known = [r.stars for r in records if r.stars is not None]
    return sum(known) if known else None


def _repo_name(record: RepoRecord) -> str:
    return record.full_name or record.linked_as


def finding_marks(catalog: Catalog) -> dict[str, set[str]]:
    """Entry key -> the marks its findings earn; built once per render (linear, not n*m)."""
    marks: dict[str, set[str]] = {}
    for finding in catalog.findings:
        if finding.entry_key is not None and finding.code in _FINDING_MARKS:
            marks.setdefault(finding.entry_key, set()).add(_FINDING_MARKS[finding.code])
    return marks


def entry_marks(entry: Entry, by_key: dict[str, set[str]]) -> list[str]:
    """The status marks of an entry (keys of the legend), worst first."""
    marks = {link.health.verdict.value for link in entry.links if link.health is not None}
    marks.discard(Verdict.OK.value)
    marks |= by_key.get(entry.key, set())
    return [mark for mark in _MARKS if mark in marks]


def render_catalog_csv(catalog: Catalog) -> str:
    """catalog.csv: one row per entry, newest first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    by_key = finding_marks(catalog)
    for entry in sorted_entries(catalog):
        records = _records(entry, catalog)
        stars = _stars(records)
        arxiv = entry.arxiv
        row = [
            entry.key,
            entry.title,
            " > ".join(entry.section),
            ";".join(entry.tags),
            entry.venue or "",
            str(entry.year or ""),
            str(entry.line),
            entry.arxiv_id or "",
            str(arxiv.version) if arxiv and arxiv.version else "",
            _date_text(entry),
            (arxiv.title or "") if arxiv else "",
            arxiv.status.value if arxiv else "",
            ";".join(_repo_name(r) for r in records),
            "" if stars is None else str(stars),
            next((link.url for link in entry.links if link.kind is LinkKind.GITHUB), ""),
            *_scholarly_cells(entry),
            str(len(entry.links)),
            ";".join(entry_marks(entry, by_key)),
        ]
        writer.writerow([csv_cell(cell) for cell in row])
    return buffer.getvalue()


def _scholarly_cells(entry: Entry) -> list[str]:
    """Published venue, citations, influential citations and when they were read."""
    record = entry.scholarly
    if record is None:
        return ["", "", "", ""]
    venue = " ".join(str(p) for p in (record.venue_short, record.year) if p)
    read = record.citations_read_at
    return [
        venue if record.published else "",
        "" if record.citation_count is None else str(record.citation_count),
        "" if record.influential_citation_count is None else str(record.influential_citation_count),
        read.date().isoformat() if read else "",
    ]


def _title_cell(entry: Entry) -> str:
    if entry.arxiv_id:
        return md_link(entry.title, f"https://arxiv.org/abs/{entry.arxiv_id}")
    first = entry.links[0].url if entry.links else None
    return md_link(entry.title, first)


def _code_cell(records: list[RepoRecord]) -> str:
    return ", ".join(md_link(_repo_name(r), f"https://github.com/{_repo_name(r)}") for r in records)


def render_catalog_md(
    catalog: Catalog, star_history: dict[int, list[StarPoint]] | None = None
) -> str:
    """catalog.md: charts, then one table of every entry, newest first, all escaped."""
    entries = sorted_entries(catalog)
    out = [
        "# Catalog",
        "",
        f"{len(entries)} papers from {escape_text(catalog.source)}, newest first by first "
        f"arXiv version. Generated {catalog.generated_at.isoformat()}.",
        "",
    ]
    charts = [c for c in [papers_per_quarter(catalog), *star_charts(star_history or {})] if c]
    for chart in charts:
        out += [chart, ""]
    out += [
        "Status: " + " · ".join(_MARKS.values()),
        "",
        "| Title | Venue | arXiv | Citations | Stars | Code | Status |",
        "|---|---|---|---:|---:|---|---|",
    ]
    by_key = finding_marks(catalog)
    for entry in entries:
        records = _records(entry, catalog)
        stars = _stars(records)
        venue = " ".join(str(p) for p in (entry.venue, entry.year) if p)
        marks = " ".join(_MARKS[m].split(" ", 1)[0] for m in entry_marks(entry, by_key))
        cited = entry.scholarly.citation_count if entry.scholarly else None
        cells = [
            _title_cell(entry),
            escape_text(venue),
            escape_text(_date_text(entry)),
            "" if cited is None else f"{cited:,}",
            "" if stars is None else f"{stars:,}",
            _code_cell(records),
            marks,
        ]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def write_views(
    catalog: Catalog, output_dir: Path, star_history: dict[int, list[StarPoint]] | None = None
) -> list[Path]:
    """Write catalog.csv and catalog.md atomically; returns the paths."""
    csv_path, md_path = output_dir / "catalog.csv", output_dir / "catalog.md"
    write_text_atomic(csv_path, render_catalog_csv(catalog))
    write_text_atomic(md_path, render_catalog_md(catalog, star_history))
    return [csv_path, md_path]
