"""What a refresh writes besides the catalog: report.md, report.json, catalog.csv, catalog.md."""

from __future__ import annotations

from pathlib import Path

from pipeline.config import Settings
from pipeline.files import write_text_atomic
from pipeline.model import Catalog
from pipeline.outputs.candidates import render_candidates_md
from pipeline.outputs.report import build_report, render_report_json
from pipeline.outputs.report_md import render_report
from pipeline.outputs.stars import read_star_history
from pipeline.outputs.views import render_catalog_csv, render_catalog_md

__all__ = ["CANDIDATES_FILE", "STARS_FILE", "render_outputs", "write_outputs"]

STARS_FILE = "stars.csv"
CANDIDATES_FILE = "candidates.md"  # written once there are candidates, then kept current


def render_outputs(
    catalog: Catalog, previous: Catalog | None, settings: Settings
) -> list[tuple[Path, str]]:
    """The report and views of `catalog` (changes since `previous`) as (path, text), unwritten."""
    out = settings.output_dir
    history = read_star_history(out / STARS_FILE)
    report = build_report(catalog, previous, star_history=history)
    rendered = render_report(report)
    files = [
        (out / "report.md", rendered.text),
        (out / "report.json", render_report_json(report, rendered.cut)),
        (out / "catalog.csv", render_catalog_csv(catalog)),
        (out / "catalog.md", render_catalog_md(catalog, history)),
    ]
    if catalog.candidates or (out / CANDIDATES_FILE).exists():
        files.append((out / CANDIDATES_FILE, render_candidates_md(catalog)))
    return files


def write_outputs(catalog: Catalog, previous: Catalog | None, settings: Settings) -> list[Path]:
    """Write the report and the views of `catalog` (changes since `previous`); returns the paths."""
    files = render_outputs(catalog, previous, settings)
    for path, text in files:
        write_text_atomic(path, text)
    return [path for path, _ in files]
