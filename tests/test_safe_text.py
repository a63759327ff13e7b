"""Issue 12.11: control, bidi and zero-width characters never reach a reader or a terminal."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.model import FetchStatus, Finding, RepoRecord, Severity
from pipeline.outputs.markdown_safe import _URL_UNSAFE, escape_text, md_link, safe_http_url, shorten
from pipeline.outputs.report import build_report
from pipeline.outputs.report_md import render_report
from pipeline.outputs.stars import append_star_rows
from pipeline.outputs.views import render_catalog_csv, render_catalog_md
from pipeline.prcheck import annotations
from pipeline.safe_text import (
    _INVISIBLE_RE,
    _SEPARATORS,
    clean_text,
    csv_cell,
    invisible,
    load_json,
)
from tests.sample_catalog import sample_catalog

HOSTILE = "Esc \x1b[31mRED\x1b[0m bell\x07 \u202eevil\u202c zero\u200bwidth\u2060 sep\u2028line"
# U+200B is left out: escape_text itself puts one after each "@" (no mentions).
FORBIDDEN = ["\x1b", "\x07", "\u202e", "\u202c", "\u2060", "\u2028"]


def _clean(text: str) -> bool:
    return not any(ch in text for ch in FORBIDDEN)


def test_clean_text_removes_controls_bidi_and_zero_width() -> None:
    assert clean_text(HOSTILE) == "Esc [31mRED[0m bell evil zerowidth sep line"


def test_clean_text_keeps_ordinary_unicode() -> None:
    assert clean_text("Ségmentation — 语义 ∑ 🚀") == "Ségmentation — 语义 ∑ 🚀"


def test_escape_text_is_clean_but_still_adds_its_mention_breaker() -> None:
    assert escape_text("@bob\u202e") == "@\u200bbob"


def test_a_bidi_character_in_a_url_is_percent_encoded() -> None:
    assert (
        md_link("x", "https://a.example/\u202etxt.exe") == "[x](https://a.example/%E2%80%AEtxt.exe)"
    )


def _hostile_catalog():
    catalog = sample_catalog()
    entries = [catalog.entries[0].model_copy(update={"title": HOSTILE}), *catalog.entries[1:]]
    finding = Finding(
        code="title-mismatch", severity=Severity.WARNING, message=HOSTILE, line=3,
        entry_key=catalog.entries[0].key,
    )  # fmt: skip
    return catalog.model_copy(update={"entries": entries, "findings": [*catalog.findings, finding]})


def test_report_catalog_md_and_csv_hold_no_control_characters() -> None:
    catalog = _hostile_catalog()
    report = render_report(build_report(catalog, None)).text
    assert "zerowidth" in report and _clean(report)
    assert _clean(render_catalog_md(catalog))
    assert "\u200b" not in render_catalog_csv(catalog) and _clean(render_catalog_csv(catalog))


def test_annotations_hold_no_control_characters() -> None:
    finding = Finding(code="x", severity=Severity.ERROR, message=HOSTILE, line=1)
    (command,) = annotations([finding], "list.md")
    assert _clean(command) and "\x1b" not in command


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x")', "+1", "-1", "@SUM(A1)"])
def test_stars_csv_guards_formulas(tmp_path: Path, name: str) -> None:
    record = RepoRecord(linked_as="a/b", full_name=name, repo_id=1, stars=5, status=FetchStatus.OK)
    path = tmp_path / "stars.csv"
    append_star_rows(path, [record], datetime(2026, 1, 1, tzinfo=UTC))
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert rows[1][2] == "'" + name == csv_cell(name)


def test_parse_prints_no_escape_sequences_to_the_terminal(tmp_path: Path) -> None:
    source = tmp_path / "e.md"
    source.write_text(
        "- Esc \x1b[31mRED\x1b[0m title \u202ewords. CVPR'2024. "
        "[[paper](https://arxiv.org/abs/2401.00001)]\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["parse", str(source)])
    assert result.exit_code == 0
    assert "RED" in result.stdout and _clean(result.stdout)


def test_shorten_never_cuts_a_percent_escape_in_half() -> None:
    url = "https://a.example/" + "%E2%80%A6" * 10
    for limit in range(20, 60):
        cut = shorten(url, limit)
        assert not cut.removesuffix("…").endswith(("%", "%E", "%8", "%A"))
        assert len(cut) <= limit


@pytest.mark.parametrize(
    "data",
    [
        b'{"d\\ud800": ["caf\\ud800", {"x": "\\udfff"}], "ok": "\\ud83d\\ude00"}',
        '{"d\\ud800": ["caf\\ud800", {"x": "\\udfff"}], "ok": "\\ud83d\\ude00"}',
        '{"d\ud800": ["caf\ud800", {"x": "\udfff"}], "ok": "\\ud83d\\ude00"}'.encode(
            "utf-8", "surrogatepass"
        ),
    ],
    ids=["escapes-in-bytes", "escapes-in-text", "raw-surrogate-bytes"],
)
def test_load_json_mends_lone_surrogates_and_keeps_pairs(data: str | bytes) -> None:
    assert load_json(data) == {"d\ufffd": ["caf\ufffd", {"x": "\ufffd"}], "ok": "\U0001f600"}


def test_load_json_mends_deep_nesting_without_recursion() -> None:
    depth = 900  # json.loads itself stops near the recursion limit
    value = load_json("[" * depth + '"\\ud800"' + "]" * depth)
    for _ in range(depth):
        (value,) = value
    assert value == "\ufffd"


_URL_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(list(" \"'()<>[\\]`|%#?&=/:.-_~\t\x7f\x1b\u202e\u200b\u2028")),
        st.characters(max_codepoint=127),
        st.characters(),
    ),
    max_size=40,
)


@given(_URL_TEXT)
@settings(max_examples=400, deadline=None)
def test_printable_ascii_shortcuts_change_no_output(tail: str) -> None:
    # clean_text and safe_http_url skip their per-character work for printable ASCII:
    # the answer must be what the per-character rule gives for every input.
    assert clean_text(tail) == _SEPARATORS.sub(" ", _INVISIBLE_RE.sub("", tail))
    url = "https://a.example/" + tail
    candidate = url.strip()
    expected = (
        None
        if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in candidate)
        else "".join(
            quote(ch, safe="") if invisible(ch) else _URL_UNSAFE.get(ch, ch) for ch in candidate
        )
    )
    try:
        valid = urlsplit(candidate).hostname is not None
    except ValueError:
        valid = False
    assert safe_http_url(url) == (expected if valid else None)
