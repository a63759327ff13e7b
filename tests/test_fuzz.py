"""Fuzz (issue 12): random Markdown with random URLs through parse → resolve → emit → report → fix.

No exception, and a catalog valid against the published schema, whatever the
list holds: malformed hosts and ports, IPv6 literals, IDNA, control and bidi
characters, unclosed comments, tables, HTML anchors. A few hundred examples
run in `make test`; `make stress` runs many more.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import jsonschema
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipeline.model import Catalog, Link, LinkHealth, Verdict
from pipeline.outputs.fix import fix_list, unified_diff
from pipeline.outputs.report import build_report, render_report_json
from pipeline.outputs.report_md import body_size, render_report
from pipeline.outputs.views import render_catalog_csv, render_catalog_md
from pipeline.stages.emit import SCHEMA_PATH, catalog_text
from pipeline.stages.parse import parse_list
from pipeline.stages.resolve import malformed_url_findings, resolve_entries, resolve_other_links

NOW = datetime(2026, 12, 1, tzinfo=UTC)
_VALIDATOR = jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))

_HOSTS = st.one_of(
    st.sampled_from(
        [
            "arxiv.org", "www.arxiv.org", "export.arxiv.org", "github.com", "doi.org",
            "openreview.net", "huggingface.co", "x.github.io", "a.b", "[::1]", "[::1",
            "::1]", "[zz]", "127.0.0.1", "☃.net", "xn--a.com", "xn--n3h.net", "a＃b.com",
            "ｅｘａｍｐｌｅ.com", "münchen.de", "exa mple.com", "", "-a.com", "a..b",
            "user:pw@host.example", "host.example.", "\u202ehost.example",
        ]
    ),
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"),
        max_size=12,
    ),
)  # fmt: skip
_PORTS = st.one_of(
    st.just(""),
    st.integers(min_value=-5, max_value=200_000).map(lambda n: f":{n}"),
    st.sampled_from([":abc", ":", ":0", ":65535", ":65536", ":99999", ":８０"]),
)
_PATHS = st.one_of(
    st.sampled_from(
        ["/", "/abs/2305.11175", "/pdf/2305.11175v2.pdf", "/abs/cs/0112017", "/o/r",
         "/o/r/tree/main", "/forum?id=abc", "/a b", "/%E2%80", "/)", "/(x)", "/<x>", ""]
    ),
    st.text(max_size=15).map(lambda s: "/" + s.replace("\n", "")),
)  # fmt: skip
_URLS = st.one_of(
    st.builds(
        lambda scheme, host, port, path: f"{scheme}{host}{port}{path}",
        st.sampled_from(["https://", "http://", "HTTP://", "ftp://", "mailto:", "//", ""]),
        _HOSTS,
        _PORTS,
        _PATHS,
    ),
    st.text(max_size=30),
)
_WORDS = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"),
    max_size=40,
)


@st.composite
def _line(draw: st.DrawFn) -> str:
    title, url, other = draw(_WORDS), draw(_URLS), draw(_URLS)
    venue = draw(st.sampled_from(["CVPR'2024", "arXiv'2025", "NeurIPS'2023", "", "x'y"]))
    kind = draw(st.integers(min_value=0, max_value=10))
    return [
        f"- {title}. {venue}. [[paper]({url})] | [[code]({other})]",
        f"- **`[ReferIS]`** {title} [[paper](<{url}>)]",
        f"| {title} | [paper]({url}) | [code]({other}) |",
        '<a href="' + url + '">' + title + "</a>",
        f"1. {title} | {venue} | [x]({url})",
        f"## {title}",
        "<!--",
        "-->",
        f"- **{title}**\n  - Paper: {url}",
        f"- {title} <{url}> [ref][r]\n\n[r]: {other}",
        title,
    ][kind]


def _with_health(catalog: Catalog, data: st.DataObject) -> Catalog:
    """Give some links a verdict with a random final URL, as a refresh might."""

    def judged(link: Link) -> Link:
        if link.health is not None or not data.draw(st.booleans()):
            return link
        verdict = data.draw(st.sampled_from(list(Verdict)))
        final = data.draw(st.one_of(st.none(), _URLS))
        return link.model_copy(update={"health": LinkHealth(verdict=verdict, final_url=final)})

    return catalog.with_links(judged)


def _run(text: str, data: st.DataObject) -> None:
    parsed = parse_list(text, source="fuzz.md")
    entries, duplicates = resolve_entries(parsed)
    others = resolve_other_links(parsed)
    catalog = Catalog(
        generated_at=NOW, source="fuzz.md", entries=entries, other_links=others,
        findings=[*parsed.findings, *duplicates,
                  *malformed_url_findings((None, link) for link in others)],
    )  # fmt: skip
    catalog = _with_health(catalog, data)
    written = catalog_text(catalog)
    _VALIDATOR.validate(json.loads(written))
    again = Catalog.model_validate_json(written)
    report = build_report(again, catalog)
    rendered = render_report(report, limit=4_000)
    assert body_size(rendered.text) <= 4_000
    render_report_json(report, rendered.cut)
    render_catalog_csv(again)
    render_catalog_md(again)
    fixed = fix_list(text, again)
    unified_diff(text, fixed.text, "/tmp/fuzz.md")
    assert fix_list(fixed.text, again).applied == []  # a second run proposes nothing


_LISTS = st.lists(_line(), max_size=12).map(lambda lines: "# Fuzz\n\n" + "\n".join(lines) + "\n")
_ISSUE_LIST = (
    "- Some paper title words. CVPR'2024. [[paper](http://a.b:99999/x)]\n"
    '- Other paper. CVPR\'2024. [[paper](http://a.b:abc/x)] <a href="http://[::1/x">p</a>\n'
    "- Snowman paper title. CVPR'2024. [[paper](https://☃.net/)] [[code](https://xn--a.com/)]\n"
    '- Full width. CVPR\'2024. <a href="http://a＃b.com/x">p</a>\n'
)


@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
@given(text=_LISTS, data=st.data())
@example(text=_ISSUE_LIST, data=None)  # type: ignore[arg-type]
def test_random_lists_never_crash_and_give_a_valid_catalog(text: str, data: st.DataObject) -> None:
    _run(text, data if data is not None else _NoDraws())


@pytest.mark.stress
@pytest.mark.timeout(1800)
@settings(max_examples=3_000, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
@given(text=_LISTS, data=st.data())
def test_random_lists_never_crash_stress(text: str, data: st.DataObject) -> None:
    _run(text, data)


class _NoDraws:
    """Stands in for `st.data()` in the explicit example: every link stays unchecked."""

    def draw(self, strategy: object) -> bool:
        return False
