"""The scholarly truth planted in the shipped list's world: venues, citations, code, archives.

`seed_scholarly_world(list_path, github)` gives every paper of the list an S2
record that agrees with the list's venue, citation counts derived from its
id, and plants (tests assert against the constants below):

- papers the list calls arXiv that are now published (one at a workshop,
  one in a journal known only by its alternate names);
- one disagreement (the list says ECCV, S2 says NeurIPS);
- the conference-only entries, found by title, and a decoy whose title is a
  near miss for one of them;
- one arXiv id S2 does not know;
- code on Hugging Face for papers without a code link: one repo as it is,
  one renamed since, one deleted (added to the GitHub world accordingly);
- archived copies of the planted dead page, found by CDX only (the
  availability API answers `{}` for it).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.stages.parse import parse_list
from pipeline.stages.resolve import resolve_entries
from tests.emulator.arxiv_world import SEED_BY_TITLE, SEED_VENUE_UPDATES
from tests.emulator.github_api import FakeRepo, GitHubWorld
from tests.emulator.scholarly_api import ArchiveWorld, HfWorld, S2Paper, S2World

__all__ = [
    "SEED_ARCHIVED",
    "SEED_CODE",
    "SEED_DISAGREES",
    "SEED_MATCH_DECOY",
    "SEED_PUBLISHED",
    "SEED_S2_UNKNOWN",
    "ScholarlyWorld",
    "agreeing_s2_world",
    "citations_of",
    "seed_scholarly_world",
]

# S2's publicationVenue for each venue the list names: (name, type, alternate names).
VENUES: dict[str, tuple[str, str, list[str]]] = {
    "CVPR": (
        "Computer Vision and Pattern Recognition",
        "conference",
        ["CVPR", "Comput Vis Pattern Recognit"],
    ),
    "CVPRW": (
        "2024 IEEE/CVF Conference on Computer Vision and Pattern Recognition Workshops (CVPRW)",
        "conference",
        ["CVPRW", "CVPR Workshops"],
    ),
    "ICCV": (
        "IEEE International Conference on Computer Vision",
        "conference",
        ["ICCV", "IEEE Int Conf Comput Vis"],
    ),
    "ECCV": (
        "European Conference on Computer Vision",
        "conference",
        ["ECCV", "Eur Conf Comput Vis"],
    ),
    "NeurIPS": (
        "Neural Information Processing Systems",
        "conference",
        ["Neural Inf Process Syst", "NeurIPS", "NIPS"],
    ),
    "ICLR": (
        "International Conference on Learning Representations",
        "conference",
        ["Int Conf Learn Represent", "ICLR"],
    ),
    "ICML": (
        "International Conference on Machine Learning",
        "conference",
        ["ICML", "Int Conf Mach Learn"],
    ),
    "AAAI": (
        "AAAI Conference on Artificial Intelligence",
        "conference",
        ["National Conference on Artificial Intelligence", "AAAI"],
    ),
    "ACL": (
        "Annual Meeting of the Association for Computational Linguistics",
        "conference",
        ["Annu Meet Assoc Comput Linguistics", "ACL"],
    ),
    "MM": ("ACM Multimedia", "conference", ["ACM MM", "MM"]),
    "TGRS": (
        "IEEE Transactions on Geoscience and Remote Sensing",
        "journal",
        ["IEEE Trans Geosci Remote Sens", "TGRS"],
    ),
}
# arXiv id -> (S2 venue key, year, what the report says): arXiv'20xx in the list.
SEED_PUBLISHED = {
    "2503.07503": ("CVPR", 2025, "CVPR'2025"),
    "2505.22596": ("CVPRW", 2025, "CVPRW'2025"),  # a workshop stays a workshop
    "2412.14006": ("ICCV", 2025, "ICCV'2025"),
    "2501.06828": ("TGRS", 2025, "TGRS'2025"),  # a journal, abbreviated by its alternate names
}
# arXiv id -> (S2 venue key, year): the list names another venue.
SEED_DISAGREES = {"2409.10542": ("NeurIPS", 2024)}
SEED_S2_UNKNOWN = {"2510.09274"}
# The conference-only entry whose best S2 match is a near miss: never attached.
SEED_MATCH_DECOY = (
    "GroundingFace",
    "GroundingFace-Bench: Fine-grained Face Grounding Benchmark for Multimodal Large Language Models",
)
# arXiv id -> (GitHub URL Hugging Face gives, what happened to the repo).
SEED_CODE = {
    "2505.18816": ("https://github.com/hf-found/reasoning-seg-survey", "ok"),
    "2412.15209": ("https://github.com/old-owner/prima", "renamed"),
    "2503.07503": ("https://github.com/gone-owner/think-before-segment", "deleted"),
    "2402.16846": ("https://github.com/groundhog-mllm/groundhog", "ok"),  # via S2's arXiv id
}
SEED_RENAMED_TO = "new-owner/PRIMA"
# URL -> captures (timestamp, status); the newest 200 is what the report proposes.
SEED_ARCHIVED = {
    "https://groundhog-mllm.github.io/": [
        ("20230105101010", "200"),
        ("20240302120000", "200"),
        ("20240415000000", "404"),
    ],
}


def citations_of(key: str) -> tuple[int, int]:
    """(citations, influential citations) the world serves for a paper."""
    digest = int(hashlib.sha1(key.encode()).hexdigest(), 16)
    citations = digest % 900
    return citations, citations // 10


@dataclass
class ScholarlyWorld:
    """The three services' worlds."""

    s2: S2World = field(default_factory=S2World)
    hf: HfWorld = field(default_factory=HfWorld)
    archive: ArchiveWorld = field(default_factory=ArchiveWorld)


def _venue(key: str, year: int) -> dict[str, Any]:
    name, kind, alternates = VENUES[key]
    return {"id": f"venue-{key}", "name": name, "type": kind, "alternate_names": alternates}


def _paper(key: str, title: str, *, arxiv_id: str | None, venue: str | None, year: int) -> S2Paper:
    citations, influential = citations_of(arxiv_id or title)
    paper_id = hashlib.sha1((arxiv_id or title).encode()).hexdigest()[:40]
    published = venue is not None and venue in VENUES
    return S2Paper(
        paper_id=paper_id,
        title=title,
        arxiv_id=arxiv_id,
        year=year,
        venue=VENUES[venue][0] if published and venue else "arXiv.org",
        publication_venue=_venue(venue, year) if published and venue else None,
        dblp=f"conf/{venue.lower()}/{paper_id[:6]}" if published and venue else None,
        citations=citations,
        influential=influential,
    )


def seed_scholarly_world(list_path: Path, github: GitHubWorld) -> ScholarlyWorld:
    """The scholarly world of the list at `list_path`; adds the planted repos to `github`."""
    world = ScholarlyWorld()
    parsed = parse_list(list_path.read_text(encoding="utf-8"), source=str(list_path))
    entries, _ = resolve_entries(parsed)
    for entry in entries:
        year = entry.year or 2024
        listed = entry.venue if entry.venue and entry.venue.lower() != "arxiv" else None
        arxiv_id = entry.arxiv_id
        short = entry.title.split(":")[0].strip()
        if arxiv_id is None:
            if short == SEED_MATCH_DECOY[0]:
                world.s2.papers.append(
                    _paper("decoy", SEED_MATCH_DECOY[1], arxiv_id=None, venue="CVPR", year=year)
                )
                continue
            arxiv_id = SEED_BY_TITLE.get(short)
        if arxiv_id in SEED_S2_UNKNOWN:
            continue
        venue = listed
        if arxiv_id in SEED_PUBLISHED:
            venue, year, _ = SEED_PUBLISHED[arxiv_id]
        elif arxiv_id in SEED_DISAGREES:
            venue, year = SEED_DISAGREES[arxiv_id]
        elif arxiv_id in SEED_VENUE_UPDATES:
            written = SEED_VENUE_UPDATES[arxiv_id][2]
            venue, year = written.split("'")[0], int(written.split("'")[1])
        world.s2.papers.append(
            _paper(short, entry.title, arxiv_id=arxiv_id, venue=venue, year=year)
        )
    for arxiv_id, (url, fate) in SEED_CODE.items():
        world.hf.papers[arxiv_id] = {"githubRepo": url, "githubStars": 42, "projectPage": None}
        name = url.removeprefix("https://github.com/")
        if fate == "deleted":
            github.deleted.add(name.lower())
            continue
        repo = github.add(FakeRepo(id=900_000 + len(github.repos), full_name=name, stars=321))
        if fate == "renamed":
            repo.full_name = SEED_RENAMED_TO
            github.renamed[name.lower()] = repo.id
    # A paper Hugging Face knows without code: not a proposal.
    world.hf.papers["2504.10465"] = {"githubRepo": None, "githubStars": None}
    world.archive.captures.update(SEED_ARCHIVED)
    world.archive.false_negatives.update(SEED_ARCHIVED)
    return world


def agreeing_s2_world(list_path: Path) -> S2World:
    """S2 for a list where nothing is wrong: every paper at the main venue the list names for
    it (in any of its entries), else a preprint. A venue finding in a refresh is then a false
    alarm, or the list's own inconsistency (one paper called arXiv here and CVPR there)."""
    parsed = parse_list(list_path.read_text(encoding="utf-8"), source=str(list_path))
    entries, _ = resolve_entries(parsed)
    named: dict[str, str] = {}
    for entry in entries:
        if entry.arxiv_id and entry.venue in VENUES:
            named.setdefault(entry.arxiv_id, entry.venue)
    world = S2World()
    for entry in entries:
        venue = named.get(entry.arxiv_id or "") or entry.venue or ""
        spec = VENUES.get(venue)
        place = dict(zip(("name", "type", "alternate_names"), spec, strict=True)) if spec else None
        world.papers.append(
            S2Paper(
                paper_id=f"{len(world.papers):040x}",
                title=entry.title,
                arxiv_id=entry.arxiv_id,
                year=entry.year,
                publication_venue=place,
                venue=str(place["name"]) if place else "arXiv.org",
            )
        )
    return world
