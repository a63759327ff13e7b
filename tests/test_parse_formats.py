"""Lists in formats other than ours: every link found, entries with fields the layout marks.

Each fixture in tests/fixtures/formats/ is a small list written here in the
layout of a real awesome list; EXPECTED.json there is a hand count of what
GitHub renders in each (every http(s) URL, arXiv ids, repos).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.recall import main as recall_main
from bench.recall import measure_dir
from pipeline.cli import app
from pipeline.model import ParsedList
from pipeline.stages.parse import parse_list

FORMATS = Path(__file__).parent / "fixtures" / "formats"


def _parse(name: str) -> ParsedList:
    return parse_list((FORMATS / name).read_text(encoding="utf-8"), name)


def _fields(parsed: ParsedList) -> list[tuple]:
    return [(e.line, e.title, e.authors, e.venue, e.year, e.uncertain) for e in parsed.entries]


# -- every link ----------------------------------------------------------------------------


def test_every_rendered_url_arxiv_id_and_repo_is_found_in_every_format() -> None:
    for row in measure_dir(FORMATS):
        assert (row.url_recall, row.url_precision) == (1.0, 1.0), (row.name, row.missed, row.extra)
        assert (row.id_recall, row.repo_recall) == (1.0, 1.0), row.name


def test_recall_command_prints_the_table_and_passes_on_the_fixtures(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert recall_main([str(FORMATS)]) == 0
    table = capsys.readouterr().out
    assert table.startswith("| list | URLs | URL recall |")
    assert "| paragraphs | 12 | 100.0% | 100.0% | 100.0% | 100.0% | 6 | 0 | 0 | 0 |" in table


def test_recall_command_without_an_expected_file_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert recall_main([str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith("Error: ")


def test_links_outside_entries_keep_their_section_line_and_column() -> None:
    parsed = _parse("tables.md")
    others = {link.url: link for link in parsed.other_links}
    guide = others["https://example.com/guide"]
    assert (guide.line, guide.section, guide.label) == (39, ["Tools"], "guide")
    banner = others["https://example.org/images/banner.png"]
    assert banner.image and banner.line == 5 and banner.column == 13
    assert "https://fenced.example.com/should-not-count" not in others
    assert "https://example.com/unused" not in others  # a definition nobody uses renders nothing


def test_a_link_inside_an_html_comment_is_not_a_link() -> None:
    parsed = _parse("titled-links.md")
    urls = {link.url for e in parsed.entries for link in e.links}
    assert not any("hidden.example.org" in url for url in urls)
    assert not parsed.other_links


def test_a_url_behind_stray_markup_is_checked_and_flagged() -> None:
    parsed = _parse("tables.md")
    (finding,) = [f for f in parsed.findings if f.code == "malformed-link-markup"]
    assert (finding.line, finding.url) == (32, "https://github.com/simonw/llm")
    assert "%5Bhttps://github.com/simonw/llm" in finding.message


# -- entries and their fields -------------------------------------------------------------


def test_paragraph_entries_have_title_authors_links_and_year() -> None:
    assert _fields(_parse("paragraphs.md")) == [
        (7, "VideoChat-Flash: Hierarchical Compression for Long-Context Video Modeling",
         ["Xinhao Li", "Yi Wang", "Jiashuo Yu", "Xiangyu Zeng"], None, 2026, []),
        (12, "LongVU: Spatiotemporal Adaptive Compression for Long Video-Language Understanding",
         ["Xiaoqian Shen", "Yunyang Xiong", "Changsheng Zhao"], None, 2026, []),
        (17, "Streaming Long Video Understanding with Large Language Models",
         ["Rui Qian", "Xiaoyi Dong", "Pan Zhang"], None, 2026, []),
        (24, "Video-XL: Extra-Long Vision Language Model for Hour-Scale Video Understanding",
         ["Yan Shu", "Peitian Zhang", "Zheng Liu"], None, 2025, []),
        (29, "Flash-VStream: Memory-Based Real-Time Understanding for Long Video Streams",
         ["Haoji Zhang", "Yiqin Wang", "Yansong Tang"], None, 2025, []),
        (34, "A Survey Without Code Yet", ["Ada Lovelace", "Alan Turing"], None, 2025, []),
    ]  # fmt: skip


def test_abbreviation_then_quoted_title_keeps_the_affiliation_out() -> None:
    assert _fields(_parse("abbr-quoted.md"))[:2] == [
        (5, "Vision Mamba: Efficient Visual Representation Learning with Bidirectional State "
         "Space Model", [], "arXiv", 2024, []),
        (6, "VMamba: Visual State Space Model", [], "NeurIPS", 2024, []),
    ]  # fmt: skip


def test_paper_label_title_link_with_nested_code_and_date_bullets_is_one_entry() -> None:
    parsed = _parse("paper-label.md")
    assert [(e.line, e.title, e.year, len(e.links)) for e in parsed.entries] == [
        (5, "LISA: Reasoning Segmentation via Large Language Model", 2023, 2),
        (8, "GSVA: Generalized Segmentation via Multimodal Large Language Models", 2023, 2),
        (11, "PixelLM: Pixel Reasoning with Large Multimodal Model", 2023, 3),
        (15, "Old-style Id Paper on Lattices", 1991, 1),
    ]
    assert [link.label for link in parsed.entries[2].links] == ["paper", "code", "project"]


def test_title_linked_to_a_repo_with_an_arxiv_badge_beneath_is_an_entry() -> None:
    parsed = _parse("plus-badges.md")
    llava = parsed.entries[0]
    assert (llava.title, llava.uncertain) == ("LLaVA", ["title"])  # a name, not a title
    assert [(link.label, link.url) for link in llava.links] == [
        ("code", "https://github.com/haotian-liu/LLaVA"),
        ("paper", "https://arxiv.org/abs/2304.08485"),
    ]  # the badge's repeat of the title link is the same link
    otter = parsed.entries[2]
    assert (otter.title, otter.uncertain) == (
        "Otter: A Multi-Modal Model with In-Context Instruction Tuning",
        [],
    )
    # Tools without a paper or a readable title are links outside entries, still checked.
    assert {"https://github.com/EvolvingLMMs-Lab/lmms-eval", "https://opencompass.org.cn"} <= {
        link.url for link in parsed.other_links
    }
    assert not any(f.code == "duplicate-url" for f in parsed.findings)


def test_titled_links_and_bold_titles_carry_authors_and_venue() -> None:
    assert _fields(_parse("titled-links.md")) == [
        (5, "NeRF: Representing Scenes as Neural Radiance Fields for View Synthesis",
         ["Mildenhall et al."], "ECCV", 2020, []),
        (6, "Mip-NeRF: A Multiscale Representation for Anti-Aliasing Neural Radiance Fields",
         ["Barron et al."], "ICCV", 2021, []),
        (7, "Instant Neural Graphics Primitives with a Multiresolution Hash Encoding",
         ["Müller et al."], "SIGGRAPH", 2022, []),
        (11, "Deep Residual Learning for Image Recognition", ["K. He et al."], None, 2016, []),
        (12, "Batch Normalization: Accelerating Deep Network Training by Reducing Internal "
         "Covariate Shift", ["S. Ioffe", "C. Szegedy"], None, 2015, []),
        (16, "Dropout: A Simple Way to Prevent Neural Networks from Overfitting",
         ["N. Srivastava et al."], None, 2014, []),
    ]  # fmt: skip


def test_table_titles_come_from_the_title_link_or_the_bold_name() -> None:
    parsed = _parse("tables.md")
    assert [(e.line, e.title, e.year, e.uncertain) for e in parsed.entries][:6] == [
        (12, "Attention Is All You Need", 2017, []),
        (13, "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
         2018, []),
        (14, "Language Models are Few-Shot Learners", 2020, []),
        (20, "Scaling Monosemanticity", None, []),
        (21, "Chameleon", None, ["title"]),
        (27, "MME: A Comprehensive Evaluation Benchmark for Multimodal Large Language Models",
         2023, []),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "title", "uncertain"),
    [
        ("- **Title N** [[paper](https://arxiv.org/abs/2401.00001)] [[code](https://github.com/a/b)]",
         "Title N", []),
        ("- **Line<br>break title** [[paper](https://arxiv.org/abs/2401.00001)]",
         "Line break title", []),
        ("- Paper: [Oct 2025](https://arxiv.org/abs/2401.00001)", "", ["title"]),
        ("- Lin et al. (Mar., 2026) [[paper](https://arxiv.org/abs/2401.00001)]", "",
         ["title"]),
    ],
    ids=["bold-then-links", "br-in-bold", "date-as-link-text", "authors-and-date"],
)  # fmt: skip
def test_a_title_is_read_or_marked_uncertain(text: str, title: str, uncertain: list[str]) -> None:
    (entry,) = parse_list(text + "\n", "t.md").entries
    assert (entry.title, entry.uncertain) == (title, uncertain)


def test_a_heading_inside_a_list_item_is_not_a_section() -> None:
    text = (
        "## Papers\n\n- # Not a section\n"
        "- A Paper Title. CVPR'2024. [[paper](https://arxiv.org/abs/2401.00001)]\n"
    )
    (entry,) = parse_list(text, "t.md").entries
    assert entry.section == ["Papers"]


def test_a_list_not_understood_says_so_once_with_examples() -> None:
    text = "".join(
        f"- Lin et al. (Mar., 20{10 + i}) [[paper](https://arxiv.org/abs/2401.0000{i})]\n"
        for i in range(6)
    )
    parsed = parse_list(text, "t.md")
    codes = [f.code for f in parsed.findings]
    assert codes.count("uncertain-title") == 1 and "unparsed-venue" not in codes
    (finding,) = [f for f in parsed.findings if f.code == "uncertain-title"]
    assert finding.message.startswith("6 of 6 entries have no title the parser could read")
    assert "line 1:" in finding.message and finding.severity.value == "warning"


def test_parse_json_on_hundreds_of_paragraph_entries_finds_one_entry_each(tmp_path: Path) -> None:
    paragraphs = [
        f"**Paper Number {i}: Learning Things at Scale**\\\n"
        f"Ada Lovelace, Alan Turing, Grace Hopper\\\n"
        f"[[Paper](https://arxiv.org/abs/2401.{i:05d})] [[Github](https://github.com/lab/p{i})]\\\n"
        f"(Jan., 2026)\n"
        for i in range(400)
    ]
    listing = tmp_path / "list.md"
    listing.write_text("# Papers\n\n" + "\n".join(paragraphs), encoding="utf-8")
    result = CliRunner().invoke(app, ["parse", str(listing), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    entries = payload["entries"]
    assert len(entries) == 400
    assert entries[7]["title"] == "Paper Number 7: Learning Things at Scale"
    assert entries[7]["authors"] == ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
    assert entries[7]["arxiv_id"] == "2401.00007" and entries[7]["repos"] == ["lab/p7"]
    assert entries[7]["year"] == 2026
    assert len(payload["links"]) == 800
    assert all(link["entry"] and link["line"] and link["column"] for link in payload["links"])


def test_many_paper_links_outside_entries_warn_that_the_format_was_not_understood() -> None:
    text = "## Reading\n\n" + "".join(
        f"We liked https://arxiv.org/abs/2401.{i:05d} a lot, and so did they.\n\n"
        for i in range(12)
    )
    parsed = parse_list(text, "t.md")
    assert parsed.entries == [] and len(parsed.other_links) == 12
    (finding,) = [f for f in parsed.findings if f.code == "links-outside-entries"]
    assert finding.severity.value == "warning"
    assert "12 of 12 links sit outside any recognized entry" in finding.message
    assert (
        "12 of them to papers" in finding.message and "lines 3-25 (Reading): 12" in finding.message
    )


def test_tools_outside_entries_are_only_a_note() -> None:
    (finding,) = [f for f in _parse("plus-badges.md").findings if f.code == "links-outside-entries"]
    assert finding.severity.value == "info" and "0 of them to papers" in finding.message


# -- issue 19, point 11: the bold first line of a paragraph entry is its title by position ---


def test_paragraph_title_shaped_like_two_names_is_the_title() -> None:
    text = (
        "**Sparse Attention Networks and Efficient Image Transformers** \\\n"
        "*A. Author, B. Author* \\\n"
        "arXiv 2023. [[Paper](https://arxiv.org/abs/2304.11829)] \\\n"
        "24 Apr 2023\n"
    )
    parsed = parse_list(text, "t.md")
    (entry,) = parsed.entries
    assert entry.title == "Sparse Attention Networks and Efficient Image Transformers"
    assert entry.uncertain == []
    assert entry.authors == ["A. Author", "B. Author"]
    assert [link.url for link in entry.links] == ["https://arxiv.org/abs/2304.11829"]
    assert parsed.other_links == []


def test_paragraph_one_word_bold_title_is_an_entry_with_an_uncertain_title() -> None:
    text = (
        "**ScoreDiffusionModel** \\\n"
        "*Yang Song, Stefano Ermon* \\\n"
        "[[Github](https://github.com/yang-song/score_sde)]\n"
    )
    parsed = parse_list(text, "t.md")
    (entry,) = parsed.entries
    assert (entry.title, entry.uncertain) == ("ScoreDiffusionModel", ["title"])
    assert [link.url for link in entry.links] == ["https://github.com/yang-song/score_sde"]


# -- issue 19, point 16: links nested deeper than markdown-it's nesting limit ---------------


def test_a_list_ten_levels_deep_keeps_its_entry() -> None:
    text = "".join("  " * i + "- item\n" for i in range(9)) + "  " * 9 + "- **Deep Title** "
    text += "[z](https://e.com/d)\n"
    parsed = parse_list(text, "t.md")
    (entry,) = parsed.entries
    assert entry.title == "Deep Title"
    ((url, line, column),) = [(link.url, link.line, link.column) for link in entry.links]
    assert (url, line, column) == ("https://e.com/d", 10, text.split("\n")[9].index("https") + 1)
    assert not [f for f in parsed.findings if f.code == "nesting-too-deep"]


def test_a_blockquote_twenty_deep_keeps_its_link() -> None:
    parsed = parse_list(">" * 20 + " See [z](https://e.com/q) here.\n", "t.md")
    assert [(link.url, link.column) for link in parsed.other_links] == [("https://e.com/q", 30)]


def test_links_nested_past_the_limit_are_still_found_with_a_finding() -> None:
    text = ">" * 150 + " A [z](https://e.com/q) and https://e.com/r.\n"
    parsed = parse_list(text, "t.md")
    found = [(link.url, link.line, link.column) for link in parsed.other_links]
    assert found == [("https://e.com/q", 1, 158), ("https://e.com/r", 1, 179)]
    (finding,) = [f for f in parsed.findings if f.code == "nesting-too-deep"]
    assert finding.line == 1 and "2 links" in finding.message
