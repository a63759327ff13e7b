"""What a refresh writes besides the catalog: report.md, report.json, catalog.csv, catalog.md."""

from __future__ import annotations

from pathlib import Path

from pipeline.config import Settings
from pipeline.files import write_text_atomic
from pipeline.model import Catalog
from pipeline.outputs.report import build_report, render_report_json
from pipeline.outputs.report_md import render_report
from pipeline.outputs.stars import read_star_history
from pipeline.outputs.views import render_catalog_csv, render_catalog_md

__all__ = ["STARS_FILE", "render_outputs", "write_outputs"]

STARS_FILE = "stars.csv"


def render_outputs(
    catalog: Catalog, previous: Catalog | None, settings: Settings
) -> list[tuple[Path, str]]:
    """The report and views of `catalog` (changes since `previous`) as (path, text), unwritten."""
    out = settings.output_dir
    history = read_star_history(out / STARS_FILE)
    report = build_report(catalog, previous, star_history=history)
    rendered = render_report(report)
    return [
        (out / "report.md", rendered.text),
        (out / "report.json", render_report_json(report, rendered.cut)),
        (out / "catalog.csv", render_catalog_csv(catalog)),
        (out / "catalog.md", render_catalog_md(catalog, history)),
    ]


def write_outputs(catalog: Catalog, previous: Catalog | None, settings: Settings) -> list[Path]:
    """Write the report and the views of `catalog` (changes since `previous`); returns the paths."""
    files = render_outputs(catalog, previous, settings)
    for path, text in files:
        write_text_atomic(path, text)
    return [path for path, _ in files]
