"""report.md and report.json: content, escaping, and the pull request body limit."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from pipeline.config import Settings
from pipeline.model import Catalog, Finding, Severity
from pipeline.outputs import write_outputs
from pipeline.outputs.markdown_safe import ZWSP, escape_text, md_link, safe_http_url
from pipeline.outputs.report import build_report
from pipeline.outputs.report_md import MAX_BODY_CHARS, body_size, render_report
from pipeline.outputs.stars import read_star_history
from tests.sample_catalog import (
    EVIL_TITLE,
    NOW,
    sample_catalog,
    sample_previous,
    sample_star_rows,
)

GOLDEN = Path(__file__).parent / "golden"
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?")


def normalise(text: str) -> str:
    """Timestamps replaced, so goldens do not depend on the clock."""
    return _TIMESTAMP.sub("<TIMESTAMP>", text)


def check_golden(name: str, text: str) -> None:
    """Compare with tests/golden/NAME; UPDATE_GOLDEN=1 rewrites it."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(normalise(text), encoding="utf-8")
    assert normalise(text) == path.read_text(encoding="utf-8")


def _html(markdown: str) -> str:
    """How GitHub would see it, roughly: CommonMark with tables and raw HTML allowed."""
    return (
        MarkdownIt("commonmark", {"html": True, "linkify": False}).enable("table").render(markdown)
    )


@pytest.fixture
def stars_csv(tmp_path: Path) -> Path:
    path = tmp_path / "stars.csv"
    path.write_text(sample_star_rows(), encoding="utf-8")
    return path


def _report_text(stars_csv: Path) -> str:
    report = build_report(
        sample_catalog(), sample_previous(), star_history=read_star_history(stars_csv)
    )
    return render_report(report).text


def test_report_md_matches_the_golden_file(stars_csv: Path) -> None:
    check_golden("report.md", _report_text(stars_csv))


def test_report_lists_every_action_finding_with_its_line(stars_csv: Path) -> None:
    text = _report_text(stars_csv)
    action = text.split("## Needs action", 1)[1].split("## Worth knowing", 1)[0]
    for title in ("Dead links", "Moved links and repos", "Title mismatches", "Venue updates"):
        assert f"### {title}" in action
    assert "| 8 | Delta: Dead Things |" in action
    assert "[https://github.com/NewOwner/beta](https://github.com/NewOwner/beta)" in action


def test_summary_table_shows_the_change_since_the_last_run(stars_csv: Path) -> None:
    text = _report_text(stars_csv)
    assert "| Total stars | 2,683 | +515 |" in text
    assert "| Links dead | 4 | 0 |" in text  # one entry link recovered, one outside died
    assert "| Links outside entries | 2 | 0 |" in text


def test_first_run_says_there_is_nothing_to_compare() -> None:
    text = render_report(build_report(sample_catalog(), None)).text
    assert "This is the first run" in text
    assert "| Entries | 10 | – |" in text


def test_run_statistics_come_from_the_catalog_stats(stars_csv: Path) -> None:
    text = _report_text(stars_csv)
    stats = text.split("## Run statistics", 1)[1]
    assert "| Requests | 22 (arxiv 2, github 3, links 17) |" in stats
    assert "| Cache hits | 11 |" in stats
    assert "github\\_rest 4,990" in stats


def test_report_md_is_inert_html(stars_csv: Path) -> None:
    html = _html(_report_text(stars_csv))
    assert "<img" not in html
    assert "<script" not in html
    assert 'href="javascript:' not in html.lower()
    assert re.search(r"(?<![\w`])@(someone|attacker|octocat)", html) is None


def test_only_http_urls_become_links(stars_csv: Path) -> None:
    hrefs = re.findall(r'href="([^"]*)"', _html(_report_text(stars_csv)))
    assert hrefs and all(h.startswith(("http://", "https://")) for h in hrefs)


def test_report_json_has_the_same_sections_and_rows(tmp_path: Path) -> None:
    settings = Settings(input=Path("list.md"), output_dir=tmp_path)
    write_outputs(sample_catalog(), sample_previous(), settings)
    payload = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    markdown = (tmp_path / "report.md").read_text(encoding="utf-8")
    for section in payload["sections"]:
        if section["rows"]:
            assert f"{section['title']} ({len(section['rows'])})" in markdown
    dead = next(s for s in payload["sections"] if s["key"] == "dead")
    assert dead["rows"][0]["url"] == "https://example.net/delta.pdf"
    assert payload["markdown_cut"] == {}
    beta = next(s for s in payload["sections"] if s["key"] == "title-mismatch")
    assert beta["rows"][0]["entry"] == EVIL_TITLE  # raw in JSON: consumers escape for their medium


def _huge(findings_per_code: int) -> Catalog:
    base = sample_catalog()
    extra = [
        Finding(
            code=code,
            severity=severity,
            message=f"{code} number {n} " + "x" * 150,
            line=1000 + n,
            url=f"https://example.org/{code}/{n}/" + "y" * 60,
            hint="Replace it " + "z" * 80,
            entry_key="delta-dead-things",
        )
        for code, severity in (
            ("dead-link", Severity.ERROR),
            ("repo-stale", Severity.INFO),
            ("blocked-link", Severity.INFO),
        )
        for n in range(findings_per_code)
    ]
    return base.model_copy(update={"findings": [*base.findings, *extra]})


def test_report_fits_github_body_limit_and_says_what_it_cut() -> None:
    report = build_report(_huge(600), sample_previous())
    rendered = render_report(report)
    assert body_size(rendered.text) <= MAX_BODY_CHARS
    assert "Trimmed to fit GitHub's 65,536-character limit" in rendered.text
    assert "## Summary" in rendered.text and "| Total stars |" in rendered.text
    assert rendered.cut  # and report.json names these
    assert "more rows cut to fit the size limit" in rendered.text


def test_trimming_cuts_optional_sections_before_the_action_table() -> None:
    report = build_report(_huge(200), sample_previous())
    full = render_report(report, limit=10**9).text
    rendered = render_report(report, limit=body_size(full) - 20_000)
    assert set(rendered.cut) <= {"repo-stale", "blocked-link", "new-version", "lint-info"}
    assert "| 8 | Delta: Dead Things |" in rendered.text


def test_long_sections_fold_into_details() -> None:
    text = render_report(build_report(_huge(20), None)).text
    assert "<details><summary>Dead links (23)</summary>" in text


def test_escape_text_neutralises_mentions_html_and_markup() -> None:
    escaped = escape_text("@someone <img src=x> [x](javascript:alert(1)) *b* `c` | #1 !")
    assert f"@{ZWSP}someone" in escaped
    assert "<" not in escaped and ">" not in escaped
    assert "\\[x\\]\\(javascript:alert\\(1\\)\\)" in escaped
    assert "\\*b\\*" in escaped and "\\`c\\`" in escaped and "\\|" in escaped


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x", "/relative", "http://", ""],
)
def test_non_http_urls_are_never_links(url: str) -> None:
    assert safe_http_url(url) is None
    assert "](" not in md_link("label", url)


def test_http_urls_are_encoded_so_they_cannot_end_the_link_early() -> None:
    assert md_link("x", "https://e.org/a b)c<d>") == "[x](https://e.org/a%20b%29c%3Cd%3E)"


def test_generated_at_is_the_catalogs_time(stars_csv: Path) -> None:
    assert f"Generated {NOW.isoformat()}" in _report_text(stars_csv)
