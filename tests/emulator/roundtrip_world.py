"""The world of a round trip: what the sources would say about the papers a list already has.

`mount_roundtrip_world(emulator, entries)` serves, for each entry with an arXiv id:

- arXiv: the list's title, its authors in arXiv's shape (a name written "X et al."
  becomes X and two co-authors; a given name before a surname a list writes alone, a
  first name for a first initial: `Anna Le Cleac'h`, `Jonas Weston`), first version in the month of the id, the version the list links;
- Semantic Scholar: the venue and year the list names (a preprint when it names
  none or arXiv), with the venue's long name and its abbreviation as alternate;
- Hugging Face: the list's code link (a GitHub repository) and project page;
- GitHub: every repository the entries link.

So `pipeline add` given the same arXiv id gets every field the list wrote that a
source gives, and a regenerated line can be compared byte for byte.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pipeline.model import Entry
from pipeline.stages.scholarly.venues import is_preprint
from tests.emulator.arxiv_api import ArxivWorld, Paper, arxiv_url, mount_arxiv
from tests.emulator.github_api import FakeRepo, GitHubWorld, mount_github
from tests.emulator.scholarly_api import HfWorld, S2Paper, S2World, mount_hf, mount_s2
from tests.emulator.scholarly_world import VENUES
from tests.emulator.server import Emulator

__all__ = ["code_and_project", "mount_roundtrip_world"]

_ET_AL = re.compile(r"\s*,?\s*et\.?\s*al\.?$")
# Hugging Face's `projectPage`: what lists label a project page (BradyFU's "Demo" column
# links them too).
_PROJECT = frozenset(
    {"project", "project page", "homepage", "home page", "website", "page", "demo"}
)
# Links into a repository that are not the paper's code (awesome-NeRF's bibtex files).
_NOT_CODE = frozenset({"paper", "pdf", "bibtex", "bib", "citation", "blog", "video", "slides"})


def code_and_project(entry: Entry) -> tuple[str | None, str | None]:
    """The entry's code link (a GitHub repository) and project page, as Hugging Face has them."""
    code = project = None
    for link in entry.links:
        label = link.label.strip().strip("`[]*_ ").lower()
        if link.repo and code is None and label not in _NOT_CODE:
            code = link.url
        elif label in _PROJECT and not link.repo and project is None:
            project = link.url
    return code, project


# Given names for names a list writes without them: arXiv gives authors' names in full
# (`Simon Le Cleac'h`, `Fons van der Sommen`), never `Le Cleac'h` or `J. Weston`.
_GIVEN = dict(
    zip(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "Anna Bruno Clara Dmitri Elena Felix Greta Hugo Ines Jonas Kira Luca Mara Nils Olga "
        "Pavel Quinn Rosa Sven Tara Ugo Vera Wim Xenia Yuki Zora".split(),
        strict=True,
    )
)
# A surname written alone may start with a particle: `Le Cleac'h`, `Van Gool`.
_PARTICLES = frozenset({"al", "da", "de", "del", "der", "di", "du", "el", "la", "le", "van", "von"})
_INITIAL = re.compile(r"[A-Z]\. \S")  # `J. Weston`, `A. G. Howard`


def _arxiv_name(name: str, surnames: bool) -> str:
    """`name` as arXiv would give it: a given name before a surname written alone (in a
    list that writes surnames: `Garbin`, `Le Cleac'h`), a first name for a first initial
    (`J. Weston`); else as written (`Kyle Gao`)."""
    words = name.split()
    if surnames and (len(words) == 1 or words[0].lower() in _PARTICLES):
        return f"{_GIVEN.get(name[:1].upper(), 'Alex')} {name}"
    if _INITIAL.match(name) is None:
        return name
    return f"{_GIVEN.get(name[0], 'Alex')} {name[3:]}"


def _authors(names: Sequence[str], surnames: bool = False) -> list[str]:
    out = []
    for name in names:
        cut = _ET_AL.sub("", name)
        out.append(_arxiv_name(cut, surnames))
        if cut != name:
            out += ["Another Author", "Third Author"]
    return out or ["An Author"]


def _writes_surnames(entries: Sequence[Entry]) -> bool:
    """Whether the list names authors by surname alone (awesome-NeRF's `Garbin et al.`)."""
    firsts = [_ET_AL.sub("", e.authors[0]).split() for e in entries if e.authors]
    return bool(firsts) and sum(len(f) == 1 for f in firsts) * 2 > len(firsts)


def _published(arxiv_id: str) -> datetime:
    yy, mm = int(arxiv_id[:2]), max(1, min(12, int(arxiv_id[2:4])))
    return datetime(1900 + yy if yy >= 91 else 2000 + yy, mm, 15, 12, tzinfo=UTC)


def _venue(name: str) -> dict[str, Any]:
    if name in VENUES:
        long, kind, alternates = VENUES[name]
        return {"name": long, "type": kind, "alternate_names": alternates}
    return {"name": name, "type": "conference", "alternate_names": [name]}


_DATE = re.compile(r"(?<![\d.])((?:19|20)\d\d)-([01]\d)(?:-([0-3]\d))?(?![\d])")


def _first_version(arxiv_id: str, line: str) -> datetime:
    """The date the list writes on the entry's line (`2024-12-11`, `2022-04`), else the id's."""
    match = _DATE.search(line)
    if match is None:
        return _published(arxiv_id)
    day = int(match[3]) if match[3] else 15
    return datetime(int(match[1]), int(match[2]), day, 12, tzinfo=UTC)


def mount_roundtrip_world(
    emulator: Emulator, entries: Sequence[Entry], lines: Sequence[str] = ()
) -> dict[str, Any]:
    """Serve the sources for `entries` (of the list whose `lines` are given); returns the
    settings that reach them."""
    arxiv, s2, hf, github = ArxivWorld(), S2World(), HfWorld(), GitHubWorld()
    surnames = _writes_surnames(entries)
    for entry in entries:
        arxiv_id = entry.arxiv_id
        if not arxiv_id or "/" in arxiv_id:
            continue
        version = next(
            (link.arxiv_version for link in entry.links if link.arxiv_id == arxiv_id), None
        )
        arxiv.add(
            Paper(
                arxiv_id=arxiv_id,
                title=entry.title,
                authors=_authors(entry.authors, surnames),
                published=_first_version(
                    arxiv_id, lines[entry.line - 1] if 0 < entry.line <= len(lines) else ""
                ),
                versions=version or 1,
            )
        )
        venue = entry.venue if entry.venue and not is_preprint(entry.venue) else None
        s2.papers.append(
            S2Paper(
                paper_id=hashlib.sha1(arxiv_id.encode()).hexdigest(),
                title=entry.title,
                arxiv_id=arxiv_id,
                year=entry.year or _published(arxiv_id).year,
                venue=venue or "arXiv.org",
                publication_venue=_venue(venue) if venue else None,
            )
        )
        code, project = code_and_project(entry)
        if code or project:
            hf.papers[arxiv_id] = {"githubRepo": code, "projectPage": project}
        for repo in entry.repos:
            if github.find(repo) is None:
                github.add(FakeRepo(id=zlib.crc32(repo.lower().encode()), full_name=repo))
    mount_arxiv(emulator, arxiv)
    mount_github(emulator, github)
    return {
        "arxiv_api_url": arxiv_url(emulator),
        "github_api_url": emulator.base_url("api.github.com"),
        "s2_api_url": mount_s2(emulator, s2),
        "hf_api_url": mount_hf(emulator, hf),
    }
