"""Entry fields from text: venue and year, labels, titles, keys."""

from __future__ import annotations

import pytest

from pipeline.stages.parse.fields import (
    canonical_label,
    clean_title,
    find_venue,
    slugify,
    split_tags,
    year_of,
)


@pytest.mark.parametrize(
    ("text", "venue", "year"),
    [
        ("LISA: Reasoning. CVPR'2024. [", "CVPR", 2024),
        ("LLM-Seg: Bridging. CVPRW'2024. [", "CVPRW", 2024),
        ("REF-VLM: Triplet. arXiv'2025 [", "arXiv", 2025),
        ("GeoMag: A VLM. MM'2025 [", "MM", 2025),
        ("RSVP: Reasoning. ACL'2025 [", "ACL", 2025),
        ("A Paper. CVPR’24", "CVPR", 2024),
        ("A Paper (CVPR 2024)", "CVPR", 2024),
        ("A Paper\nNeurIPS 2025 Highlight, ", "NeurIPS", 2025),
        ("ArXiv'2403", "arXiv", 2024),
        ("neurips'2023", "NeurIPS", 2023),
        ("NSR 2024, ", "NSR", 2024),
    ],
)
def test_find_venue(text: str, venue: str, year: int) -> None:
    found = find_venue(text)
    assert found is not None and (found.name, found.year) == (venue, year)


@pytest.mark.parametrize(
    "text",
    [
        "PaliGemma 2: A Family of Versatile VLMs",
        "Qwen3.6-27B: Flagship-Level Coding",
        "Let's 2024",
        "A Paper Without a Venue",
        "Top 2024 Picks",
    ],
)
def test_find_venue_ignores_title_words(text: str) -> None:
    assert find_venue(text) is None


def test_find_venue_takes_the_last_mention() -> None:
    found = find_venue("Beyond CVPR 2023 Results. ICCV'2025.")
    assert found is not None and (found.name, found.year) == ("ICCV", 2025)


def test_year_of_a_date_cell() -> None:
    assert (year_of("2026-06-30"), year_of("-")) == (2026, None)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("paper", "paper"),
        ("[pdf]", "paper"),
        ("`arXiv`", "paper"),
        ("Paper(CVPR 2024 Highlight):", "paper"),
        ("Code :", "code"),
        ("Coda", "code"),
        ("Github", "code"),
        ("Homeoage:", "project"),
        ("🍎 Project Page", "project"),
        ("Demo", "demo"),
        ("Eval Tool", "eval tool"),
        ("", ""),
    ],
)
def test_canonical_label(text: str, label: str) -> None:
    assert canonical_label(text) == label


def test_split_tags_reads_bracket_groups() -> None:
    assert split_tags(["[ReferIS][ReasonIS]"]) == ["ReferIS", "ReasonIS"]


def test_split_tags_ignores_other_code_spans() -> None:
    assert split_tags(["Awesome LLM"]) == []


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("🌟 MME-Survey: A Survey.\n", "MME-Survey: A Survey"),
        (": VIDEOMOLMO: Spatio-Temporal Grounding. ", "VIDEOMOLMO: Spatio-Temporal Grounding"),
        ("  A   spaced\ttitle  [", "A spaced title"),
        ("Wait for it...", "Wait for it..."),
    ],
)
def test_clean_title(text: str, title: str) -> None:
    assert clean_title(text) == title


def test_slugify_title() -> None:
    assert slugify("LISA++: An Improved Baseline") == "lisa-an-improved-baseline"


def test_slugify_folds_accents() -> None:
    assert slugify("Café Über Naïve") == "cafe-uber-naive"


def test_slugify_long_title_ends_on_a_word() -> None:
    slug = slugify("word " * 40)
    assert len(slug) <= 80 and slug.endswith("word")


def test_slugify_title_without_ascii_is_a_stable_hash() -> None:
    # Stable: the same key in every run and process (a catalog's keys are compared across
    # runs), so pinned; and a hash of the title, so other titles get other keys.
    assert slugify("论文") == "title-236c3bdfce21"
    assert slugify("模型") == "title-98fd0cbd9c31"
    assert len({slugify(title) for title in ("论文", "模型", "論文", "αβ")}) == 4
