"""Title normalisation and the match threshold, on real near-miss titles from the seed list."""

from __future__ import annotations

import pytest

from pipeline.config import Settings
from pipeline.stages.arxiv.match import best_match, normalize_title, query_title, title_score

THRESHOLD = Settings().title_match_threshold

SAME_PAPER = [
    (
        "GeoGround: A Unified Large Vision-Language Model. for Remote Sensing Visual Grounding",
        "GeoGround: A Unified Large Vision-Language Model for Remote Sensing Visual Grounding",
    ),
    (
        "PIXELTHINK: Towards Efficient Chain-of-Pixel Reasoning",
        "PixelThink: Towards Efficient Chain-of-Pixel Reasoning",
    ),
    (
        "Florence-2: Advancing a Unified Representation for a Variety of Vision Tasks",
        "Florence\u20112: Advancing a Unified Representation for a Variety of Vision Tasks",
    ),
    (
        "GLaMM: Pixel Grounding Large Multimodal Model",
        "GLaMM: Pixel Grounding Large Multimodal Models",
    ),
    (
        "LLM-Seg: Bridging Image Segmentation and Large Language Model Reasoning",
        "LLMSeg: Bridging Image Segmentation and Large Language Model Reasoning",
    ),
    ("“Jack of All Tasks”, Master of Many", '"Jack of All Tasks", Master of Many'),
    ("$\\text{S}^2$-Net: Segment Twice", "S2-Net: Segment Twice"),
]

OTHER_PAPER = [
    (
        "LISA: Reasoning Segmentation via Large Language Model",
        "LISA++: An Improved Baseline for Reasoning Segmentation with Large Language Model",
    ),
    (
        "VISA: Reasoning Video Object Segmentation via Large Language Models",
        "LISA: Reasoning Segmentation via Large Language Model",
    ),
    (
        "PaliGemma: A versatile 3B VLM for transfer",
        "PaliGemma 2: A Family of Versatile VLMs for Transfer",
    ),
    (
        "GeoPixel: Pixel Grounding Large Multimodal Model in Remote Sensing",
        "GLaMM: Pixel Grounding Large Multimodal Model",
    ),
    (
        "Text4Seg: Reimagining Image Segmentation as Text Generation",
        "Text4Seg++: Advancing Image Segmentation via Generative Language Modeling",
    ),
    (
        "LISAt: Language-Instructed Segmentation Assistant for Satellite Imagery",
        "LaSagnA: Language-based Segmentation Assistant for Complex Queries",
    ),
]


@pytest.mark.parametrize(("listed", "on_arxiv"), SAME_PAPER, ids=[p[1][:24] for p in SAME_PAPER])
def test_same_paper_written_differently_scores_above_threshold(listed: str, on_arxiv: str) -> None:
    assert title_score(listed, on_arxiv) >= THRESHOLD


@pytest.mark.parametrize(("listed", "on_arxiv"), OTHER_PAPER, ids=[p[1][:24] for p in OTHER_PAPER])
def test_sibling_paper_scores_below_threshold(listed: str, on_arxiv: str) -> None:
    assert title_score(listed, on_arxiv) < THRESHOLD


def test_normalize_drops_case_dashes_quotes_latex_and_accents() -> None:
    assert normalize_title("“Wübben’s” $\\mathbf{X}$–Net: A—B") == "wubben s x net a b"


def test_plus_signs_survive_normalisation() -> None:
    assert normalize_title("LISA++") == "lisa plus plus"


def test_query_title_has_no_double_quotes() -> None:
    assert query_title('Say "Cheese"  “now”') == "Say Cheese now"


def test_best_match_picks_the_closest_candidate() -> None:
    title = "LISA: Reasoning Segmentation via Large Language Model"
    match = best_match(title, [OTHER_PAPER[0][1], title.upper(), "Unrelated"])
    assert match is not None and (match.index, match.score) == (1, 100.0)


def test_best_match_of_no_candidates_is_none() -> None:
    assert best_match("Anything", []) is None
