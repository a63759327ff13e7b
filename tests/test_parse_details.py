"""`<details><summary>Topic</summary>` blocks are subsections of the heading they sit under
(awesome-NeRF's topics under `## Papers`, Hannibal046's `milestone papers` table)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.grow.headings import list_headings
from pipeline.model import ParsedList
from pipeline.stages.parse import parse_list
from pipeline.stages.parse.details import details_tags
from pipeline.stages.resolve import resolve_entries

DETAILS = Path(__file__).parent / "fixtures" / "parse" / "details"


def _sections(name: str) -> list[tuple[str, list[str]]]:
    parsed = parse_list((DETAILS / name).read_text(), name)
    return [(e.title, e.section) for e in parsed.entries]


def _parsed(name: str) -> ParsedList:
    return parse_list((DETAILS / name).read_text(), name)


def test_a_details_block_split_over_lines_is_a_subsection_until_it_closes() -> None:
    assert _sections("split.md") == [
        ("A First Paper Outside Any Block", ["Papers"]),
        ("Fast Paper One", ["Papers", "Faster Inference"]),
        ("Fast Paper Two", ["Papers", "Faster Inference"]),
        # `<details>`, a blank line, then `<summary>  Faster   Training </summary>`: spaces
        # collapsed; a table inside the block is in it too.
        ("Training Paper One", ["Papers", "Faster Training"]),
        # Markup in the summary is read as the text it shows.
        ("Markup Paper", ["Papers", "Bold Markdown Code & More"]),
        ("A Last Paper After The Blocks", ["Papers"]),
        ("A Talk Paper", ["Talks"]),
    ]


def test_inline_details_and_summary_nest_under_the_heading_they_sit_under() -> None:
    assert _sections("inline.md") == [
        ("DeepSeek Paper", ["Open models", "By lab", "DeepSeek"]),
        # `</details>` and the next `<details><summary>` in one HTML block.
        ("Qwen Paper", ["Open models", "By lab", "Alibaba"]),
        ("A Paper Of The Lab Heading", ["Open models", "By lab"]),
        ("A Data Paper", ["Data"]),
    ]


def test_a_details_block_with_no_summary_or_inside_an_entry_adds_no_section() -> None:
    assert _sections("no-summary.md") == [
        ("Hidden Paper One", ["Segmentation"]),
        ("Hidden Paper Two", ["Segmentation"]),
        # An entry's own `<details><summary>Abstract</summary>` is its text.
        ("A Paper With Abstract", ["Segmentation"]),
        ("The Next Paper", ["Segmentation"]),
    ]


def test_an_unclosed_details_block_ends_at_the_next_heading_of_its_level() -> None:
    parsed = _parsed("unclosed.md")
    assert [(e.title, e.section) for e in parsed.entries] == [
        ("Tracker One", ["Tracking", "Single Object"]),
        ("Tracker Two", ["Tracking", "Single Object"]),
        ("Detector One", ["Detection"]),
        # Two stray `</details>` (no block open any more) change nothing.
        ("Detector Two", ["Detection"]),
    ]
    assert all(e.links for e in parsed.entries)


def test_a_details_tag_inside_an_html_comment_is_no_section() -> None:
    text = (
        "## Papers\n\n<!-- <details><summary>Old Topic</summary> -->\n\n"
        "- [A Paper Title](https://arxiv.org/abs/2101.00001), Ab et al., CVPR 2021\n"
    )
    assert parse_list(text, "t.md").entries[0].section == ["Papers"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("<details open>\n<summary>Faster Inference</summary>\n", ["open", "summary"]),
        ("</details>\n<details>\n<summary>Alibaba</summary>\n", ["close", "open", "summary"]),
        ("<DETAILS><Summary class='x'>A</SUMMARY>", ["open", "summary"]),
        ("<details>\n<summary>no closing tag\n</details>", ["open", "summary", "close"]),
        ('<p align="center">a summary of the list</p>', []),
    ],
    ids=["split", "close-then-open", "case", "unclosed-summary", "no-tags"],
)
def test_details_tags_in_an_html_block(content: str, expected: list[str]) -> None:
    assert [t.kind for t in details_tags(content)] == expected


def test_links_outside_entries_keep_the_block_as_their_section() -> None:
    text = (
        "## Papers\n\n<details open>\n<summary>Tools</summary>\n\n"
        "- [some-tool](https://example.org/tool)\n</details>\n"
    )
    assert [link.section for link in parse_list(text, "t.md").other_links] == [["Papers", "Tools"]]


def test_add_knows_a_details_block_with_no_entries_as_a_section() -> None:
    text = (
        "# Radiance fields\n\n## Papers\n\n<details open>\n<summary>Faster Inference</summary>\n\n"
        "- [Fast Paper One](https://arxiv.org/abs/2101.00001), Cd et al., CVPR 2021\n"
        "</details>\n\n<details open>\n<summary>Compression</summary>\n\n</details>\n"
    )
    entries, _ = resolve_entries(parse_list(text, "t.md"))
    headings = {h.path: (h.line, h.end) for h in list_headings(text, entries)}
    # The block's line is its summary's, its end the line before `</details>`.
    assert headings[("Papers", "Faster Inference")] == (6, 8)
    assert headings[("Papers", "Compression")] == (12, 13)
    assert entries[0].section == ["Papers", "Faster Inference"]
