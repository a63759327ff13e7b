"""Each format fixture refreshed in a world where nothing is wrong: no false alarm.

The world serves every link alive and every arXiv id with the title the list
itself writes (names like "LLaVA" get their paper's real title). A finding
that compares a field with arXiv here is a false alarm, and must not happen.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.model import Catalog, Verdict
from tests.emulator import Emulator
from tests.emulator.list_world import mount_list_world
from tests.world_env import point_pipeline_at

FORMATS = Path(__file__).parent / "fixtures" / "formats"

# The arXiv title of every id each fixture links, as that fixture writes it.
TITLES = {
    "paragraphs.md": {
        "2501.00574": "VideoChat-Flash: Hierarchical Compression for Long-Context Video Modeling",
        "2410.17434": "LongVU: Spatiotemporal Adaptive Compression for Long Video-Language "
        "Understanding",
        "2405.16009": "Streaming Long Video Understanding with Large Language Models",
        "2409.14485": "Video-XL: Extra-Long Vision Language Model for Hour-Scale Video "
        "Understanding",
        "2406.08085": "Flash-VStream: Memory-Based Real-Time Understanding for Long Video Streams",
    },
    "plus-badges.md": {
        "2304.08485": "Visual Instruction Tuning",
        "2304.10592": "MiniGPT-4: Enhancing Vision-Language Understanding with Advanced Large "
        "Language Models",
        "2305.03726": "Otter: A Multi-Modal Model with In-Context Instruction Tuning",
        "2308.12966": "Qwen-VL: A Versatile Vision-Language Model for Understanding, "
        "Localization, Text Reading, and Beyond",
    },
    "abbr-quoted.md": {
        "2401.09417": "Vision Mamba: Efficient Visual Representation Learning with Bidirectional "
        "State Space Model",
        "2401.10166": "VMamba: Visual State Space Model",
        "2403.09338": "LocalMamba: Visual State Space Model with Windowed Selective Scan",
        "2402.05892": "Mamba-ND: Selective State Space Modeling for Multi-Dimensional Data",
        "2403.17695": "PlainMamba: Improving Non-Hierarchical Mamba in Visual Recognition",
        "2405.14858": "Vision Mamba Needs Registers",
    },
    "paper-label.md": {
        "2308.00692": "LISA: Reasoning Segmentation via Large Language Model",
        "2312.10103": "GSVA: Generalized Segmentation via Multimodal Large Language Models",
        "2312.02228": "PixelLM: Pixel Reasoning with Large Multimodal Model",
        "hep-lat/9107001": "Old-style Id Paper on Lattices",
    },
    "titled-links.md": {
        "2103.13415": "Mip-NeRF: A Multiscale Representation for Anti-Aliasing Neural Radiance "
        "Fields",
        "1512.03385": "Deep Residual Learning for Image Recognition",
        "1502.03167": "Batch Normalization: Accelerating Deep Network Training by Reducing "
        "Internal Covariate Shift",
        # Linked only to project pages: found by title search.
        "2003.08934": "NeRF: Representing Scenes as Neural Radiance Fields for View Synthesis",
        "2201.05989": "Instant Neural Graphics Primitives with a Multiresolution Hash Encoding",
    },
    "tables.md": {
        "1706.03762": "Attention Is All You Need",
        "2405.09818": "Chameleon: Mixed-Modal Early-Fusion Foundation Models",
        "2306.13394": "MME: A Comprehensive Evaluation Benchmark for Multimodal Large Language "
        "Models",
        "2306.09265": "LVLM-eHub: A Comprehensive Evaluation Benchmark for Large "
        "Vision-Language Models",
    },
}
_COMPARING = {
    "title-mismatch",
    "venue-update",
    "unparsed-venue",
    "nonexistent-arxiv-id",
    "published",
    "venue-disagrees",
}


def _refresh(
    name: str, emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Catalog:
    listing = tmp_path / name
    shutil.copy(FORMATS / name, listing)
    settings = mount_list_world(emulator, listing, TITLES[name])
    monkeypatch.chdir(tmp_path)
    point_pipeline_at(monkeypatch, settings, arxiv_interval=0)
    result = CliRunner().invoke(app, ["refresh", "--quiet", "-i", name, "-o", "out"])
    assert result.exit_code == 0, result.output
    return Catalog.model_validate_json((tmp_path / "out" / "catalog.json").read_text())


@pytest.mark.parametrize("name", sorted(TITLES))
def test_a_healthy_world_raises_no_field_comparison_and_no_dead_link(
    name: str, emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = _refresh(name, emulator, tmp_path, monkeypatch)
    assert [f for f in catalog.findings if f.code in _COMPARING] == []
    verdicts = {link.url: link.health.verdict for _, link in catalog.iter_links() if link.health}
    assert verdicts and set(verdicts.values()) == {Verdict.OK}


def test_titles_read_with_confidence_find_their_paper_by_title_search(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = _refresh("titled-links.md", emulator, tmp_path, monkeypatch)
    by_title = {e.title: e.arxiv_id for e in catalog.entries if e.arxiv and e.arxiv.resolved_by}
    assert by_title["NeRF: Representing Scenes as Neural Radiance Fields for View Synthesis"] == (
        "2003.08934"
    )
    assert by_title["Instant Neural Graphics Primitives with a Multiresolution Hash Encoding"] == (
        "2201.05989"
    )


def test_a_name_is_not_searched_for_or_compared(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = _refresh("plus-badges.md", emulator, tmp_path, monkeypatch)
    llava = catalog.entries[0]
    assert (llava.title, llava.uncertain, llava.arxiv_id) == ("LLaVA", ["title"], "2304.08485")
    assert llava.arxiv is not None and llava.arxiv.title == "Visual Instruction Tuning"
    searches = [r for r in emulator.requests if "search_query" in r.path and "ti%3A" in r.path]
    assert not any("LLaVA" in r.path for r in searches)
