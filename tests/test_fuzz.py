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
from pipeline.stages.parse.places import link_places
from pipeline.stages.parse.references import reference_definitions
from pipeline.stages.parse.stage import source_lines
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
    lines = source_lines(text)
    for (number, column), written in link_places(text).items():
        # Every place the parser names holds the destination as written there.
        assert lines[number - 1][column - 1 : column - 1 + len(written)] == written
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
@example(text='- Paper title. [[paper](https://arxiv.org/)]\n<a href="0\n0"></a>\n', data=None)  # type: ignore[arg-type]
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


# -- issue 19, point 14: `fix` touches only the link destinations the catalog names ---------

_POOL = [
    "https://e.com/moved",
    "https://e.com/moved-2024-slides",
    "https://arxiv.org/pdf/2308.00692",
    "http://e.com/a",
    "https://github.com/old/repo",
]
_NEW = ["https://e.com/new", "https://e.com/new-2024-slides", "https://e.com/a", "https://x.org/b"]


@st.composite
def _fragment(draw: st.DrawFn) -> str:
    url = draw(st.sampled_from(_POOL))
    return draw(
        st.sampled_from(
            [
                f"[t]({url})", f"[t](<{url}>)", f'[t]({url} "{url}")', f"<{url}>", f" {url} ",
                f"`{url}`", f"<!-- {url} -->", f'<span title="{url}">x</span>',
                f'<a href="{url}">t</a>', f"![i]({url})", f"[![b]({url})]({url})", "*a*",
                "**b**", "<b>x</b>", "\\*", "&amp;", "[r][ref]", " words ", f"{url}-x",
                f"[t]({url}/x)",
            ]
        )
    )  # fmt: skip


@st.composite
def _fix_line(draw: st.DrawFn) -> str:
    lead = draw(st.sampled_from(["- **A Paper Title** ", "- ", "| ", "> ", "", "  - ", "\t- "]))
    body = "".join(draw(st.lists(_fragment(), min_size=1, max_size=8)))
    shape = draw(st.sampled_from(["line", "line", "table", "html", "lazy"]))
    if shape == "table":
        return f"| Title | Links |\n|---|---|\n| A Paper Title | {body.replace('|', '')} |\n"
    if shape == "html":
        return f"<div>\n  {body}\n</div>\n"
    if shape == "lazy":
        return f"{lead}{body}\n   {''.join(draw(st.lists(_fragment(), max_size=3)))}"
    return lead + body


_FIX_LISTS = st.lists(_fix_line(), min_size=1, max_size=8).map(
    lambda lines: "# L\n\n" + "\n".join(lines) + "\n\n[ref]: https://e.com/moved\n"
)


def _places(catalog: Catalog) -> dict[tuple[int, int], str]:
    return {
        place: link.url
        for _, link in catalog.iter_links()
        for place in [(link.line, link.column), *link.also_at]
    }


def _fix_round_trip(text: str, data: st.DataObject) -> None:
    parsed = parse_list(text, "fuzz.md")
    entries, _ = resolve_entries(parsed)
    catalog = Catalog(
        generated_at=NOW, source="fuzz.md", entries=entries, other_links=resolve_other_links(parsed)
    )

    def judged(link: Link) -> Link:
        final = data.draw(st.one_of(st.none(), st.sampled_from(_NEW)))
        if final is None:
            return link
        return link.model_copy(
            update={"health": LinkHealth(verdict=Verdict.MOVED, final_url=final)}
        )

    catalog = catalog.with_links(judged)
    named = _places(catalog)
    # A reference link (no column of its own) is fixed where its definition writes the URL.
    referenced = {link.url for _, link in catalog.iter_links() if link.column == 0}
    named.update(
        ((d.line, d.column), d.written)
        for d in reference_definitions(text)
        if d.column and d.url in referenced
    )
    result = fix_list(text, catalog)
    lines = text.split("\n")
    for (number, column), written in link_places(text).items():
        # Every place the parser names holds the destination as written there.
        assert lines[number - 1][column - 1 : column - 1 + len(written)] == written
    expected = list(lines)
    by_line: dict[int, list] = {}
    for edit in result.applied:
        # Each edit sits where the catalog names a link with exactly that URL ...
        assert named.get((edit.line, edit.column)) == edit.old, edit
        by_line.setdefault(edit.line, []).append(edit)
    for number, edits in by_line.items():
        line = lines[number - 1]
        for edit in sorted(edits, key=lambda e: -e.column):
            start = edit.column - 1
            assert line[start : start + len(edit.old)] == edit.old
            line = line[:start] + edit.new + line[start + len(edit.old) :]
        expected[number - 1] = line
    # ... nothing else changes ...
    assert result.text == "\n".join(expected)
    # ... and the parser reads each new URL as a link destination where the old one was.
    again = link_places(result.text)
    for number, edits in by_line.items():
        shift = 0
        for edit in sorted(edits, key=lambda e: e.column):
            assert again.get((number, edit.column + shift)) == edit.new, (edit, result.text)
            shift += len(edit.new) - len(edit.old)


@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
@given(text=_FIX_LISTS, data=st.data())
def test_fix_touches_only_destinations_the_catalog_names(text: str, data: st.DataObject) -> None:
    _fix_round_trip(text, data)


@pytest.mark.stress
@pytest.mark.timeout(1800)
@settings(max_examples=5_000, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
@given(text=_FIX_LISTS, data=st.data())
def test_fix_touches_only_destinations_the_catalog_names_stress(
    text: str, data: st.DataObject
) -> None:
    _fix_round_trip(text, data)
