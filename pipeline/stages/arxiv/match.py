"""Title normalisation and fuzzy matching for the arXiv stage.

A list's title and arXiv's title for the same paper differ in case, dashes
(`-` vs `‑` or `–`), quotes, stray punctuation ("Model. for") and LaTeX
(`$\\text{S}^2$`); `normalize_title` removes those differences so that only
the words remain. `title_score` is rapidfuzz's `fuzz.ratio` (normalised Indel
similarity, 0-100) of two normalised titles: it punishes added or missing
words, which is what separates a paper from its sequel ("LISA" vs "LISA++",
"PaliGemma" vs "PaliGemma 2"). Token-set scores are avoided on purpose: they
rate a title that contains the other as a perfect match.

The threshold (`Settings.title_match_threshold`, default 90) comes from the
near-miss pairs in tests/test_arxiv_match.py: the same paper written
differently scores 98-100, a sequel or sibling paper at most 87 ("VISA:
Reasoning Video Object Segmentation via Large Language Models" vs "LISA:
Reasoning Segmentation via Large Language Model" is 86.4), so 90 sits in the
gap. A best candidate below the threshold but at least `SUGGESTION_FLOOR`
becomes a `title-match-suggestion` finding and is never attached.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

__all__ = [
    "SUGGESTION_FLOOR",
    "TitleMatch",
    "best_match",
    "normalize_title",
    "query_title",
    "title_score",
]

# Below this a candidate is unrelated: not even worth a suggestion.
SUGGESTION_FLOOR = 60.0

_DASHES = dict.fromkeys(
    map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-"
)
_QUOTES = dict.fromkeys(
    map(ord, "\u2018\u2019\u201a\u201b\u2032\u0060\u00b4"), "'"
) | dict.fromkeys(map(ord, "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"), '"')
# `\text{X}`, `\mathbf{X}`, `\textsc{X}` ... keep X; repeated for nesting.
_LATEX_ARG = re.compile(r"\\[A-Za-z]+\s*\{([^{}]*)\}")
_LATEX_CMD = re.compile(r"\\[A-Za-z]+")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def _strip_latex(text: str) -> str:
    for _ in range(5):  # bounded: nesting deeper than this does not occur in titles
        text, count = _LATEX_ARG.subn(r"\1", text)
        if not count:
            break
    text = _LATEX_CMD.sub(" ", text)
    return text.replace("$", "").replace("{", "").replace("}", "").replace("^", "")


def normalize_title(title: str) -> str:
    """Lower-case words of `title` without LaTeX, accents, dashes, quotes or punctuation."""
    text = unicodedata.normalize("NFKC", title).translate(_DASHES).translate(_QUOTES)
    text = _strip_latex(text)
    # Accents go (Wübben = Wubben); "+" stays meaningful ("LISA++" is not "LISA").
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("+", " plus ").replace("&", " and ")
    return " ".join(_NON_WORD.sub(" ", text).split())


def title_score(a: str, b: str) -> float:
    """Similarity of two titles after normalisation, 0-100."""
    return round(fuzz.ratio(normalize_title(a), normalize_title(b)), 1)


def query_title(title: str) -> str:
    """`title` as a phrase for `ti:"..."`: no double quotes (arXiv cannot escape them)."""
    text = unicodedata.normalize("NFKC", title).translate(_QUOTES).replace('"', " ")
    return " ".join(text.split())


@dataclass(frozen=True)
class TitleMatch:
    """The best candidate for a title and its score."""

    candidate: str
    index: int  # position of the candidate in the sequence given to best_match
    score: float


def best_match(title: str, candidates: Sequence[str] | Iterable[str]) -> TitleMatch | None:
    """The candidate title closest to `title`, or None when there are none."""
    best: TitleMatch | None = None
    target = normalize_title(title)
    for index, candidate in enumerate(candidates):
        score = round(fuzz.ratio(target, normalize_title(candidate)), 1)
        if best is None or score > best.score:
            best = TitleMatch(candidate, index, score)
    return best
