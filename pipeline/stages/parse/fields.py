"""Fields of an entry from its text: venue and year, title, tags, link labels, key.

Regular expressions here only ever see the text of one inline (never the raw
list), which the issue allows: structure comes from the token stream.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

__all__ = [
    "Venue",
    "canonical_label",
    "clean_title",
    "comma_venue",
    "find_venue",
    "slugify",
    "split_tags",
    "venue_name",
    "year_of",
]

_KEY_MAX = 80

# Venues whose spelling we normalise; anything else keeps the list's spelling.
_KNOWN_VENUES = {
    name.lower(): name
    for name in (
        "AAAI ACCV ACL ACM ACMMM AISTATS BMVC CHI COLING CoRL CVPR CVPRW ECCV ECCVW EMNLP "
        "ICASSP ICCV ICCVW ICLR ICML ICME ICRA IJCAI IJCV IROS JMLR KDD MICCAI MM NAACL "
        "NeurIPS NIPS NSR RSS SIGGRAPH TCSVT TGRS TIP TMLR TMM TNNLS TPAMI TOG WACV WWW "
        "arXiv"
    ).split()
}

# `CVPR'2024`, `CVPR’24`, `ArXiv'2403` (year and month), or `CVPR 2024` / `(CVPR 2024)`.
# A venue's name is short: bounding it keeps the search linear, where `a-a-a-...` would
# otherwise be scanned to its end from every letter (issue 19, point 21).
_NAME = r"[A-Za-z][A-Za-z0-9&-]{0,39}"
_VENUE_QUOTED = re.compile(rf"(?<![\w'’])({_NAME})\s?['’]\s?(\d{{4}}|\d{{2}})(?!\d)")
# A venue may carry one qualifier before its year: "SIGGRAPH Asia 2022", "CVPR Workshop 2024".
_VENUE_SPACED = re.compile(
    rf"(?<![\w'’])({_NAME})((?:[ \u00a0]+[A-Z][a-z]+)?)"
    r"[ \u00a0]+((?:19|20)\d{2})(?!\d)"
)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_TAG = re.compile(r"\[([^\[\]]*)\]")
_TAGS_ONLY = re.compile(r"\s*(?:\[[^\[\]]*\]\s*)+")
_WORD = re.compile(r"[a-z]+(?: [a-z]+)*")

# Link labels as lists write them, mapped to the few the pipeline reasons about.
_LABELS = {
    "paper": "paper",
    "pdf": "paper",
    "arxiv": "paper",
    "code": "code",
    "github": "code",
    "project": "project",
    "project page": "project",
    "homepage": "project",
    "home page": "project",
    "website": "project",
    "page": "project",
    "demo": "demo",
    "dataset": "dataset",
    "data": "dataset",
    "video": "video",
    "model": "model",
}


@dataclass(frozen=True)
class Venue:
    """A venue and year found in a text, and where the match starts and ends."""

    name: str
    year: int | None
    start: int
    end: int
    text: str = ""  # as written: "CVPR'2024", "CVPR 2024"


def find_venue(text: str) -> Venue | None:
    """Find the last venue-and-year mention in a text (`CVPR'2024`, `CVPR 2024`, `CVPR'24`)."""
    best: Venue | None = None
    for match in _VENUE_QUOTED.finditer(text):
        year = _year_from(match.group(2))
        if year is not None:
            venue = Venue(venue_name(match.group(1)), year, *match.span(), text=match.group(0))
            best = _later(best, venue)
    for match in _VENUE_SPACED.finditer(text):
        name = match.group(1)
        # Without a quote, only a known venue or an all-capitals word is a venue:
        # "PaliGemma 2" and "Top 2024" are title words.
        if name.lower() in _KNOWN_VENUES or (name.isupper() and len(name) >= 2):
            year = _year_from(match.group(3))
            full = venue_name(name) + match.group(2).replace("\u00a0", " ")
            best = _later(best, Venue(full, year, *match.span(), text=match.group(0)))
        elif match.group(2):
            # "Top Conference 2024": the qualifier alone may be the venue word.
            continue
    return best


def comma_venue(text: str) -> Venue | None:
    """`, NeurIPS, 2024 (*UCAS*)`: a venue and a year as separate comma fields."""
    match = re.match(r"^[\s,.:;–—-]*([A-Za-z][A-Za-z0-9&\- ]{1,30}?),\s*((?:19|20)\d{2})\b", text)
    if match is None:
        return None
    name = match.group(1).strip()
    return Venue(
        name=venue_name(name),
        year=int(match.group(2)),
        start=match.start(1),
        end=match.end(),
        text=text[match.start(1) : match.end()],
    )


def year_of(text: str) -> int | None:
    """The first plausible year (1900-2099) in a text, e.g. a table's date cell."""
    match = _YEAR.search(text)
    return int(match.group(1)) if match else None


def split_tags(code_spans: list[str]) -> list[str]:
    """Tags from the leading code spans, e.g. ``[ReferIS][ReasonIS]`` gives two tags."""
    tags: list[str] = []
    for span in code_spans:
        if _TAGS_ONLY.fullmatch(span):
            tags.extend(t.strip() for t in _TAG.findall(span) if t.strip())
    return tags


def clean_title(text: str) -> str:
    """Collapse whitespace and drop the separators and decorations around a title."""
    title = " ".join(text.split())
    # Leading emoji, bullets and stray brackets ("🌟 **Title**"); keep opening quotes.
    while title and not (title[0].isalnum() or title[0] in "\"“'‘(¿¡"):
        title = title[1:].lstrip()
    while title and title[-1] in ".,;:|-–—[( " and not title.endswith("..."):
        title = title[:-1].rstrip()
    if title.count("(") < title.count(")") and title.endswith(")"):
        title = title[:-1].rstrip()
    return title


@lru_cache(maxsize=4096)  # table headers and "Paper:" labels repeat on every row
def canonical_label(text: str) -> str:
    """Normalise a link label: lower case, no markup, known synonyms and typos folded."""
    words = _WORD.findall(unicodedata.normalize("NFKC", text).lower())
    clean = " ".join(words)
    if not clean:
        return ""
    if clean in _LABELS:
        return _LABELS[clean]
    first = clean.split()[0]
    if first in _LABELS:
        return _LABELS[first]
    for known, label in _LABELS.items():
        # One typo in a label of four letters or more: "Coda", "Homeoage".
        if len(known) >= 4 and " " not in known and Levenshtein.distance(first, known) <= 1:
            return label
    return clean


def slugify(title: str) -> str:
    """A key from a title: lower-case ASCII letters, digits and '-', at most 80 characters."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    if len(slug) > _KEY_MAX:
        cut = slug[:_KEY_MAX]
        # End on a whole word when that keeps most of the key: "...-multimodal", not "-lar".
        if slug[_KEY_MAX] != "-" and cut.rfind("-") >= _KEY_MAX // 2:
            cut = cut[: cut.rfind("-")]
        slug = cut.rstrip("-")
    if slug:
        return slug
    # A title with no ASCII letters (e.g. only CJK) still needs a stable key.
    digest = hashlib.sha1(title.encode("utf-8", "replace")).hexdigest()[:12]
    return f"title-{digest}"


def venue_name(raw: str) -> str:
    """The canonical spelling of a known venue (`neurips` -> `NeurIPS`), else the list's own."""
    return _KNOWN_VENUES.get(raw.lower(), raw)


def _year_from(digits: str) -> int | None:
    """A year from `2024`, `24` or an arXiv-style `2403` (YYMM)."""
    value = int(digits)
    if len(digits) == 2:
        return 2000 + value
    if 1900 <= value <= 2099:
        return value
    if 1 <= value % 100 <= 12:
        return 2000 + value // 100
    return None


def _later(best: Venue | None, found: Venue) -> Venue:
    """Keep the mention that ends last: the venue follows the title in every format."""
    return found if best is None or found.end > best.end else best
