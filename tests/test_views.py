"""catalog.csv and catalog.md, and the Mermaid charts in them."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from pathlib import Path

from pipeline.model import ArxivRecord, Catalog, Entry
from pipeline.outputs.charts import papers_per_quarter, star_charts
from pipeline.outputs.stars import StarPoint, read_star_history
from pipeline.outputs.views import (
    CSV_COLUMNS,
    render_catalog_csv,
    render_catalog_md,
    sorted_entries,
    write_views,
)
from tests.sample_catalog import sample_catalog, sample_star_rows
from tests.test_report import _html, check_golden


def _history(tmp_path: Path) -> dict[int, list[StarPoint]]:
    path = tmp_path / "stars.csv"
    path.write_text(sample_star_rows(), encoding="utf-8")
    return read_star_history(path)


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_catalog_md_matches_the_golden_file(tmp_path: Path) -> None:
    check_golden("catalog.md", render_catalog_md(sample_catalog(), _history(tmp_path)))


def test_entries_are_newest_first_then_undated_in_list_order() -> None:
    keys = [e.key for e in sorted_entries(sample_catalog())]
    assert keys[:3] == ["arxiv:2501.99999", "theta-found-by-title", "arxiv:2401.00002"]
    assert keys[-4:] == [
        "gamma-http-and-moved",
        "delta-dead-things",
        "zeta-unreachable",
        "kappa-twice",
    ]


def test_published_date_wins_over_the_id_month() -> None:
    entries = [
        Entry(key="a", section=[], title="A", line=1, arxiv_month="2024-12"),
        Entry(
            key="b",
            section=[],
            title="B",
            line=2,
            arxiv_month="2020-01",
            arxiv=ArxivRecord(arxiv_id="2001.00001", published=datetime(2025, 1, 5, tzinfo=UTC)),
        ),
    ]
    catalog = Catalog(generated_at=datetime(2026, 1, 1, tzinfo=UTC), source="x", entries=entries)
    assert [e.key for e in sorted_entries(catalog)] == ["b", "a"]


def test_catalog_csv_has_one_row_per_entry_with_stars_and_status() -> None:
    rows = _rows(render_catalog_csv(sample_catalog()))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 10
    alpha = next(r for r in rows if r["key"] == "arxiv:2305.00001")
    assert alpha["stars"] == "1500" and alpha["arxiv_date"] == "2023-05-02"
    delta = next(r for r in rows if r["key"] == "delta-dead-things")
    assert delta["status"] == "dead"
    eta = next(r for r in rows if r["key"] == "arxiv:2310.00007")
    assert eta["status"] == "withdrawn;archived;stale;placeholder"


def test_catalog_csv_guards_cells_a_spreadsheet_would_run() -> None:
    base = sample_catalog()
    entry = base.entries[0].model_copy(update={"title": '=HYPERLINK("http://x")'})
    catalog = base.model_copy(update={"entries": [entry]})
    assert _rows(render_catalog_csv(catalog))[0]["title"].startswith("'=HYPERLINK")


def test_catalog_md_is_inert_html(tmp_path: Path) -> None:
    html = _html(render_catalog_md(sample_catalog(), _history(tmp_path)))
    assert "<img" not in html and "<script" not in html
    assert 'href="javascript:' not in html.lower()
    assert re.search(r"(?<![\w`])@(someone|attacker)", html) is None
    assert html.count("<tr>") == 11  # header and ten entries: no row broke the table


def test_write_views_writes_both_files(tmp_path: Path) -> None:
    paths = write_views(sample_catalog(), tmp_path)
    assert [p.name for p in paths] == ["catalog.csv", "catalog.md"]
    assert all(p.is_file() for p in paths)


def test_papers_per_quarter_counts_first_versions_and_fills_gaps() -> None:
    chart = papers_per_quarter(sample_catalog())
    assert chart is not None
    assert '"2022 Q4", "2023 Q1"' in chart
    assert "bar [1, 0, 1, 0, 1, 2, 0, 0, 0, 1]" in chart


def test_star_charts_skip_repos_with_one_reading(tmp_path: Path) -> None:
    history = _history(tmp_path)
    history[3] = [StarPoint(datetime(2026, 3, 2, tzinfo=UTC), 3, "one/reading", 99999)]
    charts = star_charts(history)
    assert len(charts) == 2
    assert 'title "Stars of alice/alpha"' in charts[0]
    assert "line [900, 1000, 1500]" in charts[0]


def test_chart_labels_cannot_break_out_of_the_block(tmp_path: Path) -> None:
    history = {
        1: [
            StarPoint(datetime(2026, 1, d, tzinfo=UTC), 1, 'evil"]\n```\n<img src=x>', 10 + d)
            for d in (1, 2)
        ]
    }
    chart = star_charts(history)[0]
    title = chart.splitlines()[2]
    assert chart.count("```") == 2 and "<" not in chart
    assert title == '    title "Stars of evilimg srcx"'


def test_star_rows_reader_skips_damaged_rows(tmp_path: Path) -> None:
    path = tmp_path / "stars.csv"
    path.write_text(
        "date,repo_id,full_name,stars\nnot-a-date,1,a/b,3\n2026-01-01,x,a/b,3\n"
        "2026-01-02,1,a/b,4\n",
        encoding="utf-8",
    )
    assert [p.stars for p in read_star_history(path)[1]] == [4]
    assert read_star_history(tmp_path / "missing.csv") == {}
