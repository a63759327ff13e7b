"""Venue names as lists write them: S2's long names to abbreviations, and the list's own style.

S2 names a venue the long way ("IEEE/CVF Conference on Computer Vision and
Pattern Recognition") and lists the short ones in `alternate_names`. The
abbreviation is, in order: a main venue recognised in any of those names, the
DBLP key's series (`conf/cvpr/...`), an acronym among the alternate names,
else S2's name as it is. A workshop stays a workshop: CVPRW is not CVPR.

A list writes venues one way (`CVPR'2024`, `CVPR 2024`, `CVPR'24`); the style
is learned from its own entries, so a fix reads as if the maintainer wrote it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "VenueStyle",
    "format_venue",
    "is_preprint",
    "learn_style",
    "read_venue",
    "same_venue",
]

# (abbreviation, patterns of its long name), lower case; the short names match whole.
_MAIN: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("CVPR", ("computer vision and pattern recognition",)),
    ("ICCV", ("international conference on computer vision",)),
    ("ECCV", ("european conference on computer vision",)),
    ("NeurIPS", ("neural information processing systems", "nips")),
    ("ICLR", ("international conference on learning representations",)),
    ("ICML", ("international conference on machine learning",)),
    ("AAAI", ("aaai conference on artificial intelligence",)),
    ("IJCAI", ("international joint conference on artificial intelligence",)),
    ("EMNLP", ("empirical methods in natural language processing",)),
    ("NAACL", ("north american chapter of the association for computational linguistics",)),
    ("ACL", ("annual meeting of the association for computational linguistics",)),
    ("TPAMI", ("transactions on pattern analysis and machine intelligence", "pami")),
    ("IJCV", ("international journal of computer vision",)),
    ("TIP", ("transactions on image processing",)),
    ("ACM MM", ("acm multimedia", "acm international conference on multimedia", "acmmm", "mm")),
    ("WACV", ("winter conference on applications of computer vision",)),
    ("BMVC", ("british machine vision conference",)),
    ("3DV", ("international conference on 3d vision",)),
    ("MICCAI", ("medical image computing and computer assisted intervention",)),
    ("TOG", ("acm transactions on graphics",)),
    ("SIGGRAPH", ("siggraph",)),
    ("CoRL", ("conference on robot learning",)),
    ("ICRA", ("international conference on robotics and automation",)),
    ("IROS", ("intelligent robots and systems",)),
)
_SHORT = {short.lower(): short for short, _ in _MAIN}
_ALIASES = {alias: short for short, names in _MAIN for alias in names if " " not in alias}
_PREPRINTS = frozenset(
    {"arxiv", "arxiv.org", "corr", "preprint", "biorxiv", "medrxiv", "techrxiv", "ssrn"}
)
_ACRONYM = re.compile(r"^[A-Z][A-Za-z0-9&]{1,9}$")
_WORKSHOP = re.compile(r"\bworkshops?\b|^(?:cvpr|iccv|eccv|wacv)w$", re.IGNORECASE)
_NON_WORD = re.compile(r"[^a-z0-9]+")
# A venue as a list writes it: a name, a separator, a 4- or 2-digit year.
_WRITTEN = re.compile(
    r"^(?P<name>.*?[A-Za-z0-9])(?P<sep>\s*['’]\s*|[ \u00a0]+)(?P<year>\d{4}|\d{2})$"
)


@dataclass(frozen=True)
class VenueStyle:
    """How a list writes a venue and its year."""

    separator: str = " "
    year_digits: int = 4


def _words(text: str) -> str:
    return " " + _NON_WORD.sub(" ", text.lower()).strip() + " "


def _main_venue(name: str) -> str | None:
    words = _words(name)
    lowered = name.strip().lower()
    if lowered in _SHORT:
        return _SHORT[lowered]
    if lowered in _ALIASES:
        return _ALIASES[lowered]
    for short, patterns in _MAIN:
        # Longest names first would matter only for ACL vs NAACL: NAACL is listed before ACL.
        if any(" " in pattern and f" {pattern} " in words for pattern in patterns):
            return short
    return None


def is_preprint(name: str | None) -> bool:
    """Whether a venue name means "not published yet" (arXiv, CoRR, a preprint server)."""
    return (name or "").strip().lower() in _PREPRINTS


def read_venue(record: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(S2's venue name, the abbreviation lists use, the venue type) of an S2 record.

    All None when S2 does not place the paper at a venue: `publicationVenue` is
    null, or it is arXiv.
    """
    place = record.get("publicationVenue")
    if not isinstance(place, dict) or not place.get("name"):
        return None, None, None
    name = str(place["name"])
    listed = place.get("alternate_names")
    alternates = [str(a) for a in listed if a] if isinstance(listed, list) else []
    venue = str(record.get("venue") or "")
    if is_preprint(name) or (is_preprint(venue) and not alternates):
        return None, None, None
    kind = place.get("type") if isinstance(place.get("type"), str) else None
    ids = record.get("externalIds")
    dblp = str(ids.get("DBLP") or "") if isinstance(ids, dict) else ""
    if kind not in ("conference", "journal") and re.match(r"^(conf|journals)/(?!corr/)", dblp):
        kind = "conference" if dblp.startswith("conf/") else "journal"
    workshop = any(_WORKSHOP.search(text) for text in (name, venue, *alternates))
    short = None
    for candidate in (name, venue, *alternates):
        short = _main_venue(candidate)
        if short:
            break
    if short is None and dblp.startswith("conf/"):
        short = _SHORT.get(dblp.split("/")[1].lower())
    if short is None:
        short = next((a for a in alternates if _ACRONYM.match(a) and not _WORKSHOP.search(a)), None)
    if short is None:
        return name, name, kind
    if workshop and not short.endswith("W"):
        short += "W"
    return name, short, kind


def same_venue(listed: str, short: str) -> bool:
    """Whether the list's venue and S2's abbreviation name the same venue ("NIPS" is NeurIPS)."""

    def canonical(name: str) -> str:
        name = name.strip()
        workshop = name.endswith("W") and _main_venue(name[:-1]) is not None
        main = _main_venue(name[:-1] if workshop else name) or name
        return _words(main).strip() + (" workshop" if workshop else "")

    return canonical(listed) == canonical(short)


def learn_style(written: Iterable[str | None]) -> VenueStyle | None:
    """The commonest way the list writes a venue's year (`'` + 4 digits, space + 4, ...)."""
    styles: Counter[VenueStyle] = Counter()
    for text in written:
        match = _WRITTEN.match(text or "")
        if match is None:
            continue
        year = match["year"]
        if len(year) == 4 and not year.startswith(("19", "20")):
            continue  # "ArXiv'2508" is a year and a month
        separator = match["sep"]
        styles[VenueStyle(separator=separator, year_digits=len(year))] += 1
    return styles.most_common(1)[0][0] if styles else None


def format_venue(short: str, year: int | None, style: VenueStyle | None) -> str:
    """`CVPR'2024` in a list that writes CVPR'2024, `CVPR 2024` by default."""
    style = style or VenueStyle()
    if year is None:
        return short
    digits = f"{year:04d}" if style.year_digits == 4 else f"{year % 100:02d}"
    return f"{short}{style.separator}{digits}"
