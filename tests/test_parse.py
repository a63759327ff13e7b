"""Parse stage: reading the list file, and entries from the seed list and each other format.

Expected numbers were counted by hand from the fixture files, not from the parser.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.errors import InputError
from pipeline.model import ParsedList, RawEntry, RawLink
from pipeline.stages.parse import parse_list, read_list

FIXTURES = Path(__file__).parent / "fixtures" / "parse"
_REPO = re.compile(r"^https?://(?:www\.)?github\.com/([^/?#]+/[^/?#]+)", re.IGNORECASE)


def _parse(name: str) -> ParsedList:
    return parse_list(read_list(FIXTURES / name), name)


def _with_arxiv(parsed: ParsedList) -> int:
    return sum(any("arxiv.org" in link.url for link in e.links) for e in parsed.entries)


def _repos(parsed: ParsedList) -> set[str]:
    return {
        m.group(1).lower()
        for e in parsed.entries
        for link in e.links
        if (m := _REPO.match(link.url))
    }


def _entry_at(parsed: ParsedList, line: int) -> RawEntry:
    return next(e for e in parsed.entries if e.line == line)


@pytest.fixture(scope="module")
def seed() -> ParsedList:
    return _parse("seed.md")


# -- read_list ---------------------------------------------------------------------------


def test_read_list_missing_file_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found") as caught:
        read_list(tmp_path / "nope.md")
    assert caught.value.path == tmp_path / "nope.md"


def test_read_list_directory_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory"):
        read_list(tmp_path)


def test_read_list_binary_names_the_nul_byte(tmp_path: Path) -> None:
    path = tmp_path / "list.md"
    path.write_bytes(b"# T\n\nab\x00cd")
    with pytest.raises(InputError, match=r"binary data \(NUL byte at offset 7, line 3\)"):
        read_list(path)


def test_read_list_non_utf8_names_the_byte_offset_and_line(tmp_path: Path) -> None:
    path = tmp_path / "list.md"
    path.write_bytes(b"# T\r\n\r\n- caf\xe9 CVPR'2024\n")
    with pytest.raises(InputError, match=r"not UTF-8 \(byte 0xe9 at offset 12, line 3\)"):
        read_list(path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_read_list_unreadable_file_is_input_error(tmp_path: Path) -> None:
    path = tmp_path / "list.md"
    path.write_text("# T\n")
    path.chmod(0)
    with pytest.raises(InputError, match="permission denied"):
        read_list(path)


def test_read_list_error_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "list.md"
    path.write_bytes(b"\xff\xfe# T")
    with pytest.raises(InputError) as caught:
        read_list(path)
    assert "\n" not in str(caught.value)


def test_read_list_strips_a_utf8_bom(tmp_path: Path) -> None:
    path = tmp_path / "list.md"
    path.write_bytes(b"\xef\xbb\xbf# T\n")
    assert read_list(path) == "# T\n"


def test_read_list_keeps_line_endings_as_written(tmp_path: Path) -> None:
    path = tmp_path / "list.md"
    path.write_bytes(b"a\r\nb\rc\n")
    assert read_list(path) == "a\r\nb\rc\n"


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_line_numbers_hold_for_every_line_ending(newline: str) -> None:
    text = newline.join(["# T", "", "## S", "", "- A Paper. CVPR'2024 [[paper](https://x.org/a)]"])
    parsed = parse_list(text, "t.md")
    assert [(e.line, e.links[0].line, e.links[0].column) for e in parsed.entries] == [(5, 5, 31)]


def test_line_numbers_hold_for_mixed_line_endings() -> None:
    text = (
        "# T\r\n\r## S\n\r\n- Paper A. CVPR'2024 [[paper](https://x.org/a)]\r\n"
        "- Paper B. ICCV'2023 [[paper](https://x.org/b)]\n"
    )
    parsed = parse_list(text, "t.md")
    assert [e.line for e in parsed.entries] == [5, 6]


# -- the seed list -----------------------------------------------------------------------


def test_seed_has_69_entries(seed: ParsedList) -> None:
    assert len(seed.entries) == 69


def test_seed_has_60_entries_with_an_arxiv_link(seed: ParsedList) -> None:
    assert _with_arxiv(seed) == 60


def test_seed_links_47_distinct_github_repos(seed: ParsedList) -> None:
    assert len(_repos(seed)) == 47


def test_seed_entries_are_exactly_the_paper_items(seed: ParsedList) -> None:
    # Not badges (1-3), legend (9-25), contributing prose/template (126, 129), related list (134).
    expected = [
        *range(31, 33),
        *range(38, 46),
        *range(49, 93),
        *range(96, 99),
        *range(104, 109),
        *range(112, 117),
        *range(120, 122),
    ]
    assert [e.line for e in seed.entries] == expected


def test_seed_entries_per_section(seed: ParsedList) -> None:
    sections = Counter(tuple(e.section) for e in seed.entries)
    assert sections == {
        ("Survey",): 2,
        ("General", "MLLM with Segmentation Capability"): 8,
        ("General", "Segmentation Model with LLM/MLLM"): 44,
        ("General", "Benchmark"): 3,
        ("Remote sensing", "MLLM with Segmentation Capability"): 5,
        ("Remote sensing", "Segmentation Model with LLM/MLLM"): 5,
        ("Remote sensing", "Benchmark"): 2,
    }


def test_seed_legend_is_the_bold_tag_definitions(seed: ParsedList) -> None:
    assert seed.legend == [
        "ReferIS", "GRES", "ReasonIS", "ReasonInstIS", "SiD", "GCG", "ReasonMIS", "MGSC",
        "ImgSemSeg", "ImgInstSeg", "ImgPanSeg", "ImgInteractSeg", "OVSeg", "VideoObjSeg",
        "ReferVOS", "ReasonVOS", "VideoInteractSeg",
    ]  # fmt: skip


def test_seed_venues_are_all_parsed(seed: ParsedList) -> None:
    venues = Counter(e.venue for e in seed.entries)
    assert venues == {
        "arXiv": 32, "CVPR": 12, "NeurIPS": 9, "ICCV": 4, "ECCV": 3, "ICLR": 2, "ICML": 2,
        "CVPRW": 2, "AAAI": 1, "ACL": 1, "MM": 1,
    }  # fmt: skip
    assert all(e.year in (2023, 2024, 2025) for e in seed.entries)


def test_seed_keys_are_title_slugs(seed: ParsedList) -> None:
    assert all(re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", e.key) for e in seed.entries)
    assert all(len(e.key) <= 80 for e in seed.entries)


def _link(label: str, url: str, line: int, column: int) -> RawLink:
    return RawLink(label=label, url=url, line=line, column=column)


SEED_ENTRIES = {
    31: RawEntry(
        key="image-segmentation-in-foundation-model-era-a-survey",
        section=["Survey"],
        title="Image Segmentation in Foundation Model Era: A Survey",
        venue="arXiv",
        year=2024,
        venue_text="arXiv'2024",
        line=31,
        links=[
            _link("paper", "https://arxiv.org/abs/2408.12957", 31, 78),
            _link("project", "https://github.com/stanley-313/ImageSegFM-Survey", 31, 126),
        ],
    ),
    44: RawEntry(
        key="ref-vlm-triplet-based-referring-paradigm-for-unified-visual-decoding",
        section=["General", "MLLM with Segmentation Capability"],
        title="REF-VLM: Triplet-Based Referring Paradigm for Unified Visual Decoding",
        venue="arXiv",
        year=2025,
        venue_text="arXiv'2025",
        line=44,
        links=[
            _link("paper", "https://arxiv.org/abs/2503.07413", 44, 94),
            _link("code", "https://github.com/MacavityT/REF-VLM", 44, 139),
        ],
    ),
    49: RawEntry(
        key="lisa-reasoning-segmentation-via-large-language-model",
        section=["General", "Segmentation Model with LLM/MLLM"],
        tags=["ReferIS", "ReasonIS"],
        title="LISA: Reasoning Segmentation via Large Language Model",
        venue="CVPR",
        year=2024,
        venue_text="CVPR'2024",
        line=49,
        links=[
            _link(
                "paper",
                "https://openaccess.thecvf.com/content/CVPR2024/html/Lai_LISA_Reasoning_Segmentation_via_Large_Language_Model_CVPR_2024_paper.html",
                49,
                104,
            ),
            _link("code", "https://github.com/dvlab-research/LISA", 49, 246),
        ],
    ),
    55: RawEntry(
        key="llm-seg-bridging-image-segmentation-and-large-language-model-reasoning",
        section=["General", "Segmentation Model with LLM/MLLM"],
        tags=["ReasonIS"],
        title="LLM-Seg: Bridging Image Segmentation and Large Language Model Reasoning",
        venue="CVPRW",
        year=2024,
        venue_text="CVPRW'2024",
        line=55,
        links=[
            _link(
                "paper",
                "https://openaccess.thecvf.com/content/CVPR2024W/MMFM/html/Wang_LLM-Seg_Bridging_Image_Segmentation_and_Large_Language_Model_Reasoning_CVPRW_2024_paper.html",
                55,
                114,
            ),
            _link("code", "https://github.com/wangjunchi/LLMSeg", 55, 282),
        ],
    ),
    81: RawEntry(
        key="videomolmo-spatio-temporal-grounding-meets-pointing",
        section=["General", "Segmentation Model with LLM/MLLM"],
        tags=["ReferVOS", "ReasonVOS"],
        title="VIDEOMOLMO: Spatio-Temporal Grounding Meets Pointing",
        venue="arXiv",
        year=2025,
        venue_text="arXiv'2025",
        line=81,
        links=[
            _link("paper", "https://arxiv.org/abs/2506.05336", 81, 106),
            _link("code", "https://github.com/mbzuai-oryx/VideoMolmo?tab=readme-ov-file", 81, 151),
        ],
    ),
    84: RawEntry(
        key="groundingface-fine-grained-face-understanding-via-pixel-grounding-multimodal",
        section=["General", "Segmentation Model with LLM/MLLM"],
        tags=["RES", "GCG"],
        title="GroundingFace: Fine-grained Face Understanding via Pixel Grounding Multimodal Large Language Model",
        venue="CVPR",
        year=2025,
        venue_text="CVPR'2025",
        line=84,
        links=[
            _link(
                "paper",
                "https://cvpr.thecvf.com/virtual/2025/poster/32585#:~:text=In%20this%20work%2C%20we%20introduce%20the%20textbf%20%7Btextit,dataset%2C%20meticulously%20curated%20for%20alignment%20pretraining%20and%20instruction-tuning.",
                84,
                140,
            )
        ],
    ),
    86: RawEntry(
        key="x-sam-from-segment-anything-to-any-segmentation",
        section=["General", "Segmentation Model with LLM/MLLM"],
        tags=["ReferIS", "ReasonIS", "GCG", "GRES", "ImgSemSeg", "ImgInstSeg", "ImgInteractSeg"],
        title="X-SAM: From Segment Anything to Any Segmentation",
        venue="arXiv",
        year=2025,
        venue_text="arXiv'2025",
        line=86,
        links=[
            _link("paper", "https://arxiv.org/abs/2508.04655", 86, 166),
            _link("code", "https://github.com/wanghao9610/X-SAM?tab=readme-ov-file", 86, 207),
        ],
    ),
    92: RawEntry(
        key="argenseg-image-segmentation-with-autoregressive-image-generation-model",
        section=["General", "Segmentation Model with LLM/MLLM"],
        tags=["ReferIS", "ImgInteractSeg"],
        title="ARGenSeg: Image Segmentation with Autoregressive Image Generation Model",
        venue="NeurIPS",
        year=2025,
        venue_text="NeurIPS'2025",
        line=92,
        links=[_link("paper", "http://arxiv.org/pdf/2510.20803v1", 92, 131)],
    ),
    105: RawEntry(
        key="geoground-a-unified-large-vision-language-model-for-remote-sensing-visual",
        section=["Remote sensing", "MLLM with Segmentation Capability"],
        title="GeoGround: A Unified Large Vision-Language Model. for Remote Sensing Visual Grounding",
        venue="arXiv",
        year=2024,
        venue_text="arXiv'2024",
        line=105,
        links=[
            _link("paper", "http://arxiv.org/abs/2411.11904", 105, 111),
            _link("code", "https://github.com/zytx121/GeoGround", 105, 155),
        ],
    ),
    115: RawEntry(
        key="geomag-a-vision-language-model-for-pixel-level-fine-grained-remote-sensing-image",
        section=["Remote sensing", "Segmentation Model with LLM/MLLM"],
        tags=["ReferIS", "GCG"],
        title="GeoMag: A Vision-Language Model for Pixel-level Fine-Grained Remote Sensing Image Parsing",
        venue="MM",
        year=2025,
        venue_text="MM'2025",
        line=115,
        links=[_link("paper", "https://arxiv.org/abs/2507.05887", 115, 132)],
    ),
}


@pytest.mark.parametrize("line", sorted(SEED_ENTRIES), ids=lambda line: f"line-{line}")
def test_seed_entry_field_by_field(seed: ParsedList, line: int) -> None:
    assert _entry_at(seed, line) == SEED_ENTRIES[line]


def test_seed_keys_are_unique_but_for_nothing(seed: ParsedList) -> None:
    keys = Counter(e.key for e in seed.entries)
    assert max(keys.values()) == 1


# -- other formats -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "entries", "with_arxiv", "repos"),
    [
        ("numbered-crlf.md", 6, 5, 3),
        # The highlight whose links sit in a later `<font><div>` paragraph is an entry too.
        ("table.md", 10, 8, 6),
        ("bold-title.md", 5, 5, 4),
    ],
    ids=["numbered", "table", "bold-title"],
)
def test_format_counts(name: str, entries: int, with_arxiv: int, repos: int) -> None:
    parsed = _parse(name)
    assert (len(parsed.entries), _with_arxiv(parsed), len(_repos(parsed))) == (
        entries,
        with_arxiv,
        repos,
    )


def test_numbered_fixture_really_has_crlf_line_endings() -> None:
    assert b"\r\n" in (FIXTURES / "numbered-crlf.md").read_bytes()


def test_numbered_item_takes_fields_between_pipes() -> None:
    parsed = _parse("numbered-crlf.md")
    assert _entry_at(parsed, 15) == RawEntry(
        key="lisa-reasoning-segmentation-via-large-language-model",
        section=["Image Segmentation", "Referring Segmentation"],
        title="LISA: Reasoning Segmentation via Large Language Model",
        venue="CVPR",
        venue_text="CVPR'24",
        year=2024,
        line=15,
        links=[
            _link("paper", "https://arxiv.org/abs/2308.00692", 15, 122),
            _link("code", "https://github.com/dvlab-research/LISA", 15, 169),
        ],
    )


def test_numbered_item_reads_arxiv_year_month_as_a_year() -> None:
    entry = _entry_at(_parse("numbered-crlf.md"), 16)
    assert (entry.title, entry.venue, entry.year) == (
        "Empowering Segmentation Ability to Multi-modal Large Language Models",
        "arXiv",
        2024,
    )


def test_numbered_code_styled_arxiv_link_is_the_paper() -> None:
    entry = _entry_at(_parse("numbered-crlf.md"), 17)
    assert [link.label for link in entry.links] == ["paper", "code"]


def test_table_row_takes_title_venue_and_date_columns() -> None:
    parsed = _parse("table.md")
    assert _entry_at(parsed, 23) == RawEntry(
        key="visual-instruction-tuning",
        section=["Instruction Tuning"],
        title="Visual Instruction Tuning",
        venue="NeurIPS",
        year=2023,
        line=23,
        links=[
            _link("paper", "https://arxiv.org/pdf/2304.08485.pdf", 23, 131),
            _link("code", "https://github.com/haotian-liu/LLaVA", 23, 208),
            _link("demo", "https://llava.hliu.cc/", 23, 255),
        ],
    )


def test_table_badge_wrapped_in_a_repo_link_is_the_code_link() -> None:
    entry = _entry_at(_parse("table.md"), 26)
    assert [(link.label, link.url) for link in entry.links] == [
        ("code", "https://github.com/OpenGVLab/InternVL"),
        ("paper", "https://arxiv.org/pdf/2312.14238"),
    ]


def test_table_bare_badge_and_empty_link_are_not_links() -> None:
    parsed = _parse("table.md")
    urls = [link.url for e in parsed.entries for link in e.links]
    assert not any("img.shields.io" in url for url in urls)
    assert [link.url for link in _entry_at(parsed, 24).links] == [
        "https://arxiv.org/pdf/2406.01920"
    ]


def test_table_row_without_links_is_not_an_entry() -> None:
    assert 28 not in [e.line for e in _parse("table.md").entries]


def test_table_without_title_column_uses_the_paper_column() -> None:
    entry = _entry_at(_parse("table.md"), 35)
    assert (entry.title, entry.venue, entry.year) == (
        "M3CoT: A Novel Benchmark for Multi-Domain Chain-of-Thought",
        None,
        None,
    )


def test_bold_highlight_item_with_a_venue_line() -> None:
    entry = _entry_at(_parse("table.md"), 9)
    assert (entry.title, entry.venue, entry.year, entry.section) == (
        "A Survey on Test Multimodal Models",
        "arXiv",
        2025,
        ["Highlights"],
    )


def test_bold_title_collects_its_link_bullets() -> None:
    parsed = _parse("bold-title.md")
    assert _entry_at(parsed, 14) == RawEntry(
        key="scaffold-gs-structured-3d-gaussians-for-view-adaptive-rendering",
        section=["3DGS(Gaussian Splatting)"],
        title="Scaffold-GS: Structured 3D Gaussians for View-Adaptive Rendering",
        line=14,
        links=[
            _link("project", "https://city-super.github.io/scaffold-gs/", 16, 13),
            _link("paper", "https://arxiv.org/abs/2312.00109", 17, 10),
            _link("code", "https://github.com/city-super/Scaffold-GS", 18, 9),
        ],
    )


def test_bold_title_bullets_with_typos_and_html_anchor() -> None:
    parsed = _parse("bold-title.md")
    labels = {e.line: [(link.label, link.url) for link in e.links] for e in parsed.entries}
    assert labels[20] == [
        ("paper", "https://arxiv.org/abs/2311.14521"),
        ("code", "https://github.com/buaacyw/GaussianEditor"),
    ]
    assert labels[25] == [
        ("project", "https://ll3da.github.io/"),
        ("paper", "https://arxiv.org/abs/2311.18651"),
        ("code", "https://github.com/Open3DA/LL3DA"),
    ]


def test_bold_title_bullet_with_nested_or_sibling_link_bullets() -> None:
    parsed = _parse("bold-title.md")
    assert [(e.line, e.section, len(e.links)) for e in parsed.entries[3:]] == [
        (36, ["Others"], 2),
        (40, ["Others"], 2),
    ]


def test_bold_title_without_links_and_quoted_lists_are_not_entries() -> None:
    titles = [e.title for e in _parse("bold-title.md").entries]
    assert "A Title Without Links" not in titles
    assert not any("ECCV" in title for title in titles)


def test_every_link_position_points_at_its_url() -> None:
    for name in ("seed.md", "numbered-crlf.md", "table.md", "bold-title.md"):
        text = (FIXTURES / name).read_bytes().decode()
        lines = re.sub(r"\r\n?", "\n", text).split("\n")
        for entry in _parse(name).entries:
            for link in entry.links:
                source = lines[link.line - 1]
                assert source[link.column - 1 :].startswith(link.url), (name, link)


# -- robustness --------------------------------------------------------------------------

_FRAGMENTS = st.sampled_from(
    [
        "**", "`", "[", "]", "(", ")", "|", " | ", "--- |", "  ", "\t", ":", "'", "<br>",
        "<a href='https://a.b/c'>", "</a>", "<span id=1>", "```", "![x](https://img.shields.io/x)",
        "[[paper](https://arxiv.org/abs/2401.00001)]", "[code](https://github.com/a/b)",
        "https://github.com/a/b?tab=x.", "CVPR'2024", "arXiv'2403", "(ICCV 2023)", " | ",
        "**`[A][B]`**", "**`[A]`**: tag A", "Paper: ", "**Title Of A Paper**", "\x00",
        "\ufeff", "[]()", "<", ">", "&amp;", "\\", "\u2028", "é", "论文", "A Paper Title. ",
    ]
)  # fmt: skip
_LINE = st.builds(
    lambda prefix, parts: prefix + "".join(parts),
    st.sampled_from(["", "", "- ", "1. ", "  - ", "# ", "## ", "> ", "| ", "  "]),
    st.lists(st.one_of(_FRAGMENTS, st.text(max_size=6)), max_size=8),
)
_MARKDOWNISH = st.builds(
    lambda lines, newline: newline.join(lines),
    st.lists(_LINE, max_size=30),
    st.sampled_from(["\n", "\r\n", "\r", "\n\n"]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_parse_never_raises_on_arbitrary_text(text: str) -> None:
    parsed = parse_list(text, "fuzz.md")
    assert isinstance(parsed, ParsedList)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_MARKDOWNISH)
def test_parse_never_raises_on_markdownish_text(text: str) -> None:
    parsed = parse_list(text, "fuzz.md")
    line_count = len(re.sub(r"\r\n?", "\n", text).split("\n"))
    for entry in parsed.entries:
        assert 1 <= entry.line <= line_count
        assert entry.key and (entry.title or "title" in entry.uncertain)
        assert all(1 <= link.line <= line_count for link in entry.links)


# -- sections and small cases ------------------------------------------------------------


def test_section_names_drop_markup_html_and_emoji() -> None:
    text = (
        "# <p align=center>`My List`</p>\n\n"
        "## ✨ <a name='x'></a>**Bold** `Code` [Linked](#linked) Part\n\n"
        "- A Paper Title. CVPR'2024. [[paper](https://arxiv.org/abs/1)]\n"
    )
    assert parse_list(text, "t.md").entries[0].section == ["Bold Code Linked Part"]


def test_first_h1_is_a_section_when_entries_sit_directly_under_it() -> None:
    text = (
        "# Part One\n\n- Paper One Title. CVPR'2024. [[paper](https://arxiv.org/abs/1)]\n\n"
        "# Part Two\n\n- Paper Two Title. CVPR'2024. [[paper](https://arxiv.org/abs/2)]\n"
    )
    assert [e.section for e in parse_list(text, "t.md").entries] == [["Part One"], ["Part Two"]]


def test_parse_list_strips_a_bom_from_text() -> None:
    parsed = parse_list("\ufeff- A Paper Title. CVPR'2024. [[paper](https://x.org/a)]\n", "t.md")
    assert [(e.line, e.title) for e in parsed.entries] == [(1, "A Paper Title")]


def test_table_venue_cell_with_a_link() -> None:
    text = (
        "| Title | Venue |\n|---|---|\n"
        "| [A Paper Title](https://arxiv.org/abs/1) | [CVPR 2024](https://cvpr.thecvf.com) |\n"
    )
    entry = parse_list(text, "t.md").entries[0]
    assert (entry.title, entry.venue, entry.year) == ("A Paper Title", "CVPR", 2024)


def test_parse_records_source() -> None:
    assert parse_list("", "lists/x.md") == ParsedList(source="lists/x.md", entries=[], findings=[])


def test_title_containing_a_pipe_keeps_its_venue_apart() -> None:
    text = "- Seg | Track: One Model. CVPR'2024. [[paper](https://arxiv.org/abs/1)]\n"
    entry = parse_list(text, "t.md").entries[0]
    assert (entry.title, entry.venue, entry.year) == ("Seg | Track: One Model", "CVPR", 2024)
