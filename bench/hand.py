"""Which round-trip differences no style learner could reproduce: "the list's own hand".

A regenerated entry that is not identical differs from the removed one in one or more
places. For each place, the removed entry's form there is the differing text with one
token of context either side, where every URL is one token: an arXiv URL written as its
form (`https://arxiv.org/pdf/{id}.pdf`), a GitHub URL as `github`, any other as `web`,
every arXiv id as `{id}`, an HTML comment as `comment`, and the end of each line a token
of its own (so a space at a line's end is a form). The difference is the list's own hand
when none of those forms occurs in any of its section neighbours (the entries nearest it
in its section, by line): no entry near it writes it that way, so nothing near it could
have taught it. Computed, not hand-labelled; a placeholder (`TODO:…`) stands for what the
list wrote there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher

from pipeline.grow.template import PLACEHOLDER, arxiv_form

__all__ = ["NEIGHBOURS", "own_hand"]

NEIGHBOURS = 6  # the section's entries nearest the removed one: what a learner sees near it
_URL = re.compile(r"https?://[^\s)\]>\"'|]+")
_ID = re.compile(r"(?<![\d.])\d{4}\.\d{4,5}(?:v\d+)?(?!\d)")
_TOKEN = re.compile(
    r"\x00[^\x00]*\x00|" + re.escape(PLACEHOLDER) + r"[a-z]+|\n|[ \t]+|[A-Za-z0-9]+|[^\sA-Za-z0-9]"
)
_END = "\x00end\x00"
_COMMENT = re.compile(r"<!--.*?-->")  # a comment's text is a field no source gives


def _url(match: re.Match[str]) -> str:
    url = match.group()
    form = arxiv_form(url)
    kind = form if form else "github" if "github.com/" in url else "web"
    return f"\x00{kind}\x00"


def _tokens(text: str) -> list[str]:
    text = _COMMENT.sub("\x00comment\x00", text)
    lines = [_ID.sub("{id}", _URL.sub(_url, line.rstrip("\r"))) + _END for line in text.split("\n")]
    return _TOKEN.findall("\n".join(lines))


def _forms(removed: list[str], generated: list[str]) -> list[str]:
    """The removed side's form at each place the two differ (none where a placeholder
    stands for it)."""
    forms = []
    matcher = SequenceMatcher(a=removed, b=generated, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or any(t.startswith(PLACEHOLDER) for t in generated[j1:j2]):
            continue
        if all(t.isspace() for t in removed[i1:i2] + generated[j1:j2]) and (
            any(t.startswith(PLACEHOLDER) for t in generated[max(j1 - 1, 0) : j2 + 1])
        ):
            continue  # the padding around a placeholder's text
        forms.append("".join(removed[max(i1 - 1, 0) : i2 + 1]))
    return forms


def own_hand(removed: str, generated: str, neighbours: Sequence[str]) -> bool:
    """Whether every place `generated` differs from `removed` is written in a form none of
    the `neighbours` (the raw text of the section's entries nearest it) write."""
    forms = _forms(_tokens(removed), _tokens(generated))
    if not forms:
        return False
    near = ["".join(_tokens(text)) for text in neighbours]
    return all(not any(form in text for text in near) for form in forms)
