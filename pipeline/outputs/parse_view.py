"""What `pipeline parse` shows: the entries, every link and the findings of one list."""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table

from pipeline.model import Entry, Finding, Link
from pipeline.safe_text import clean_text

__all__ = ["parse_json", "print_parse_table"]


def parse_json(
    source: str, entries: list[Entry], others: list[Link], findings: list[Finding]
) -> str:
    """Entries, every link in file order (its entry's key, or null outside entries), findings."""
    links = [(e.key, e.section, link) for e in entries for link in e.links]
    links += [(None, link.section, link) for link in others]
    payload = {
        "source": source,
        "entries": [entry.model_dump(mode="json", exclude_none=True) for entry in entries],
        "links": [
            {
                "url": link.url,
                "line": link.line,
                "column": link.column,
                "entry": key,
                "label": link.label,
                "image": link.image,
                "section": section,
            }
            for key, section, link in sorted(links, key=lambda k: (k[2].line, k[2].column))
        ],
        "findings": [finding.model_dump(mode="json") for finding in findings],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)


def print_parse_table(
    console: Console, entries: list[Entry], others: list[Link], findings: list[Finding]
) -> None:
    """A table of the entries, a line per finding, and the counts; list text made inert."""
    table = Table("line", "section", "title", "venue", "arXiv", "repos", "links")
    for entry in entries:
        cells = (
            str(entry.line),
            " > ".join(entry.section),
            entry.title,
            f"{entry.venue or ''}'{entry.year or ''}",
            entry.arxiv_id or "",
            ", ".join(entry.repos),
            str(len(entry.links)),
        )
        table.add_row(*(clean_text(cell) for cell in cells))
    console.print(table)
    for finding in findings:
        line = f"line {finding.line}: {finding.severity.value}: {finding.code}: {finding.message}"
        console.print(clean_text(line), markup=False)
    console.print(
        f"{len(entries)} entries, {len(others)} links outside entries, {len(findings)} findings",
        markup=False,
    )
