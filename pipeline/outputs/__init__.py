"""What a refresh writes besides the catalog: report.md, report.json, catalog.csv, catalog.md."""

from __future__ import annotations

from pathlib import Path

from pipeline.config import Settings
from pipeline.model import Catalog
from pipeline.outputs.report import build_report, write_report
from pipeline.outputs.report_md import render_report
from pipeline.outputs.stars import read_star_history
from pipeline.outputs.views import write_views

__all__ = ["STARS_FILE", "write_outputs"]

STARS_FILE = "stars.csv"


def write_outputs(catalog: Catalog, previous: Catalog | None, settings: Settings) -> list[Path]:
    """Write the report and the views of `catalog` (changes since `previous`); returns the paths."""
    history = read_star_history(settings.output_dir / STARS_FILE)
    report = build_report(catalog, previous, star_history=history)
    rendered = render_report(report)
    paths = write_report(report, settings.output_dir, markdown=rendered.text, cut=rendered.cut)
    return [*paths, *write_views(catalog, settings.output_dir, history)]
