"""An arXiv world for a paper list: every arXiv id it links, plus its conference-only papers.

`seed_arxiv_world(Path("data/awesome-list.md"))` gives each linked id a
plausible record whose title is the list's title, a few arXiv'2025 papers a
venue comment, one a withdrawal, versions 1-3, and arXiv records for the
entries the list links only to a conference page, so a title search finds
them. The demo and the benchmarks reuse it; tests assert against the
constants below.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from pathlib import Path

from tests.emulator.arxiv_api import ArxivWorld, Paper

__all__ = [
    "SEED_BY_TITLE",
    "SEED_DECOYS",
    "SEED_NOT_A_VENUE",
    "SEED_VENUE_UPDATES",
    "SEED_WITHDRAWN",
    "list_papers",
    "seed_arxiv_world",
]

# Entries with no arXiv link (short name as the list writes it) -> their arXiv id.
SEED_BY_TITLE = {
    "LISA": "2308.00692",
    "GSVA": "2312.10103",
    "GLaMM": "2311.03356",
    "GROUNDHOG": "2402.16846",
    "LLM-Seg": "2404.08767",
    "OMG-LLaVA": "2406.19389",
    "Florence-2": "2311.06242",
    "LISA++": "2312.17240",
    "GroundingFace": "2505.20211",  # made up: the paper has no arXiv version we know of
}
# arXiv'2025 entries whose arXiv record names the venue they appeared at.
SEED_VENUE_UPDATES = {
    "2503.06520": ("comment", "Accepted to CVPR 2025. 17 pages, 8 figures", "CVPR'2025"),
    "2504.10465": ("journal_ref", "ICCV 2025", "ICCV'2025"),
}
# A venue that is only hoped for: no finding.
SEED_NOT_A_VENUE = {"2506.22624": "Submitted to NeurIPS 2025; 12 pages"}
SEED_WITHDRAWN = {"2505.19422"}
# Papers a title search may also return; they must not be attached.
SEED_DECOYS = {
    "2510.99001": "LISA: Reasoning Segmentation via Large Language Model for Remote Sensing Images",
}

_ENTRY = re.compile(r"^\s*-\s+(?:\*\*`[^`]*`\*\*\s*:?\s*)?(?P<rest>.+)$")
_TITLE = re.compile(r"^(?P<title>.+?)\.?\s+(?P<venue>[A-Za-z]+)'(?P<year>\d{4})")
_ARXIV = re.compile(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})")


def list_papers(text: str) -> list[tuple[str, list[str]]]:
    """(title, arXiv ids linked) for every entry line of a list, read independently of parse."""
    papers = []
    for line in text.splitlines():
        entry = _ENTRY.match(line)
        title = _TITLE.match(entry["rest"]) if entry else None
        if title:
            papers.append((title["title"].strip(), list(dict.fromkeys(_ARXIV.findall(line)))))
    return papers


def _stable(arxiv_id: str, modulo: int) -> int:
    return int(hashlib.sha1(arxiv_id.encode()).hexdigest(), 16) % modulo


def _paper(arxiv_id: str, title: str) -> Paper:
    yy, mm = int(arxiv_id[:2]), int(arxiv_id[2:4])
    day = 1 + _stable(arxiv_id, 27)
    return Paper(
        arxiv_id=arxiv_id,
        title=title,
        versions=1 + _stable(arxiv_id, 3),
        authors=[f"Author {arxiv_id} One", f"Author {arxiv_id} Two", "Dirk Wübben"],
        published=datetime(2000 + yy, mm, day, 17, 59, 46, tzinfo=UTC),
        summary=f"We present {title.split(':')[0]}, a model for language-guided segmentation.",
        comment=f"{10 + _stable(arxiv_id, 20)} pages, {1 + _stable(arxiv_id, 9)} figures",
        primary_category="cs.CV",
        categories=["cs.CV", "cs.AI"] if _stable(arxiv_id, 2) else ["cs.CV"],
    )


def seed_arxiv_world(list_path: Path) -> ArxivWorld:
    """The arXiv world for the list at `list_path` (see the module docstring)."""
    world = ArxivWorld()
    for title, ids in list_papers(list_path.read_text(encoding="utf-8")):
        for arxiv_id in ids:
            world.add(_paper(arxiv_id, title))
        short = title.split(":")[0].strip()
        if not ids and short in SEED_BY_TITLE:
            # arXiv spells Florence-2 with a non-breaking hyphen: matching must not care.
            world.add(_paper(SEED_BY_TITLE[short], title.replace("Florence-2", "Florence\u20112")))
    for arxiv_id, (where, text, _venue) in SEED_VENUE_UPDATES.items():
        if arxiv_id in world.papers:
            setattr(world.papers[arxiv_id], where, text)
    for arxiv_id, text in SEED_NOT_A_VENUE.items():
        if arxiv_id in world.papers:
            world.papers[arxiv_id].comment = text
    for arxiv_id in SEED_WITHDRAWN:
        if arxiv_id in world.papers:
            paper = world.papers[arxiv_id]
            paper.comment = (
                "This paper has been withdrawn by the authors due to an error in Table 2"
            )
            paper.summary = "This paper has been withdrawn by the authors."
            paper.versions += 1
    for arxiv_id, title in SEED_DECOYS.items():
        world.add(_paper(arxiv_id, title))
    return world
