"""Lint findings: exact for the seed list, one rule per test on small lists."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from pipeline.model import Finding, ParsedList, Severity
from pipeline.stages.parse import parse_list, read_list

FIXTURES = Path(__file__).parent / "fixtures" / "parse"
LEGEND = "## Tasks\n\n**`[ReferIS]`**: Referring  \n**`[GCG]`**: Grounded\n\n## Papers\n\n"


@pytest.fixture(scope="module")
def seed() -> ParsedList:
    return parse_list(read_list(FIXTURES / "seed.md"), "seed.md")


def _lines(findings: list[Finding], code: str) -> list[int | None]:
    return [f.line for f in findings if f.code == code]


def _codes(text: str) -> list[str]:
    return [f.code for f in parse_list(text, "t.md").findings]


# -- the seed list, exactly --------------------------------------------------------------


def test_seed_finding_counts_per_code(seed: ParsedList) -> None:
    assert Counter(f.code for f in seed.findings) == {
        "missing-code-link": 18,
        "unknown-tag": 5,
        "duplicate-tag": 3,
        "malformed-link-markup": 1,
        "links-outside-entries": 1,
    }


def test_seed_links_outside_entries_are_counted_once_as_a_note(seed: ParsedList) -> None:
    (finding,) = [f for f in seed.findings if f.code == "links-outside-entries"]
    assert finding.severity is Severity.INFO  # badges and related lists: normal
    assert finding.message.startswith("5 of 146 links sit outside any recognized entry")
    assert "(Related Links): 1" in finding.message


def test_seed_unknown_tags_are_res_and_referix(seed: ParsedList) -> None:
    found = [(f.line, f.message.split(" ")[1]) for f in seed.findings if f.code == "unknown-tag"]
    assert found == [(69, "[RES]"), (70, "[RES]"), (71, "[RES]"), (82, "[ReferIX]"), (84, "[RES]")]


def test_seed_duplicate_tags(seed: ParsedList) -> None:
    assert _lines(seed.findings, "duplicate-tag") == [56, 57, 86]


def test_seed_malformed_link_markup_is_the_x_sam_entry(seed: ParsedList) -> None:
    assert _lines(seed.findings, "malformed-link-markup") == [86]


def test_seed_entries_without_code(seed: ParsedList) -> None:
    assert _lines(seed.findings, "missing-code-link") == [
        32, 54, 65, 68, 70, 71, 73, 75, 76, 77, 79, 82, 84, 92, 97, 106, 115, 120,
    ]  # fmt: skip


def test_seed_findings_carry_line_hint_and_entry_key(seed: ParsedList) -> None:
    keys = {e.key for e in seed.entries}
    for finding in seed.findings:
        assert finding.line and finding.hint
        assert finding.entry_key in keys or finding.code == "links-outside-entries"


@pytest.mark.parametrize(
    ("code", "severity"),
    [
        ("unknown-tag", Severity.WARNING),
        ("duplicate-tag", Severity.INFO),
        ("malformed-link-markup", Severity.WARNING),
        ("missing-code-link", Severity.INFO),
    ],
)
def test_seed_finding_severity(seed: ParsedList, code: str, severity: Severity) -> None:
    assert {f.severity for f in seed.findings if f.code == code} == {severity}


# -- one rule at a time ------------------------------------------------------------------


def test_unknown_tag_needs_a_legend() -> None:
    item = "- **`[RES]`** A Paper Title. CVPR'2024. [[paper](https://arxiv.org/abs/1)] | [[code](https://github.com/a/b)]\n"
    assert _codes("## Papers\n\n" + item) == []
    assert _codes(LEGEND + item) == ["unknown-tag"]


def test_known_tags_and_colon_variant_are_clean() -> None:
    item = "- **`[ReferIS][GCG]`**: A Paper Title. CVPR'2024 [[paper](https://arxiv.org/abs/1)][[code](https://github.com/a/b)]\n"
    parsed = parse_list(LEGEND + item, "t.md")
    assert parsed.findings == []
    assert parsed.entries[0].tags == ["ReferIS", "GCG"]
    assert parsed.entries[0].title == "A Paper Title"


def test_duplicate_tag_is_info_and_tag_kept_once() -> None:
    item = "- **`[GCG][GCG]`** A Paper Title. CVPR'2024. [[paper](https://arxiv.org/abs/1)] | [[code](https://github.com/a/b)]\n"
    parsed = parse_list(LEGEND + item, "t.md")
    assert [(f.code, f.severity) for f in parsed.findings] == [("duplicate-tag", Severity.INFO)]
    assert parsed.entries[0].tags == ["GCG"]


def test_missing_paper_link_is_a_warning() -> None:
    parsed = parse_list("- A Paper Title. CVPR'2024. [[code](https://github.com/a/b)]\n", "t.md")
    assert [(f.code, f.severity, f.line) for f in parsed.findings] == [
        ("missing-paper-link", Severity.WARNING, 1)
    ]


def test_paper_host_counts_as_paper_link_whatever_the_label() -> None:
    text = "- A Paper Title. CVPR'2024. [[pdf](https://openreview.net/forum?id=x)] [[code](https://github.com/a/b)]\n"
    assert _codes(text) == []


def test_github_repo_counts_as_code_link_whatever_the_label() -> None:
    text = "- A Paper Title. CVPR'2024. [[paper](https://arxiv.org/abs/1)] [[project](https://github.com/a/b)]\n"
    assert _codes(text) == []


def test_spaced_link_markup_is_malformed() -> None:
    text = "- A Paper Title. CVPR'2024. [paper] (https://arxiv.org/abs/1) [[code](https://github.com/a/b)]\n"
    parsed = parse_list(text, "t.md")
    assert [f.code for f in parsed.findings] == ["malformed-link-markup"]
    assert parsed.entries[0].links[0].url == "https://arxiv.org/abs/1"


def test_unparsed_venue_where_the_list_writes_venues() -> None:
    text = (
        "".join(
            f"- Paper {n} Title. CVPR'2024. [[paper](https://arxiv.org/abs/{n})] [[code](https://github.com/a/{n})]\n"
            for n in ("One", "Three", "Four", "Five")
        )
        + "- Paper Two Title. [[paper](https://arxiv.org/abs/2)] [[code](https://github.com/a/c)]\n"
    )
    parsed = parse_list(text, "t.md")
    assert [(f.code, f.line, f.severity, f.message) for f in parsed.findings] == [
        ("unparsed-venue", 5, Severity.WARNING, "no venue and year found: Paper Two Title")
    ]
    assert parsed.findings[0].hint


def test_no_unparsed_venue_where_most_of_the_section_writes_none() -> None:
    text = (
        "- Paper One Title. CVPR'2024. [[paper](https://arxiv.org/abs/1)] [[code](https://github.com/a/b)]\n"
        "- Paper Two Title. [[paper](https://arxiv.org/abs/2)] [[code](https://github.com/a/c)]\n"
    )
    assert "unparsed-venue" not in _codes(text)


def test_no_unparsed_venue_where_the_list_never_writes_venues() -> None:
    text = "- Paper One Title [[paper](https://arxiv.org/abs/1)] [[code](https://github.com/a/b)]\n"
    assert _codes(text) == []


def test_clean_seed_style_entry_has_no_findings() -> None:
    text = LEGEND + (
        "- **`[ReferIS]`** LISA: Reasoning Segmentation. CVPR'2024. "
        "[[paper](https://arxiv.org/abs/2308.00692)] | [[code](https://github.com/dvlab-research/LISA)]\n"
    )
    assert _codes(text) == []


def test_missing_code_link_only_where_the_section_mostly_links_code() -> None:
    with_code = "".join(
        f"- Paper {n} Title. CVPR'2024. [[paper](https://arxiv.org/abs/{i})] [[code](https://github.com/a/{i})]\n"
        for i, n in enumerate(("One", "Two", "Three"))
    )
    without = "- Paper Four Title. CVPR'2024. [[paper](https://arxiv.org/abs/9)]\n"
    assert _lines(parse_list(with_code + without, "t.md").findings, "missing-code-link") == [4]
    # A list of papers that rarely links code (papers of the week) gets no note for each.
    papers = "".join(
        f"- Paper {n} Title. CVPR'2024. [[paper](https://arxiv.org/abs/{i})]\n"
        for i, n in enumerate(("One", "Two", "Three"))
    )
    assert "missing-code-link" not in _codes(papers + with_code.splitlines(True)[0])
