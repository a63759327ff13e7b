"""`<details><summary>Topic</summary> … </details>` blocks as sections, under their heading.

Lists fold their topics into `<details>` blocks (awesome-NeRF's `## Papers`
holds one per topic, `<details open><summary>Faster Inference</summary>`),
which GitHub shows as headings a reader opens. A block with a summary is a
subsection of the heading it sits under (`Papers > Faster Inference`) until
its `</details>`; one with no summary adds nothing to a path. A heading at
the block's own level or above ends it (an unclosed block never runs past
its section), one below it nests inside it. Only blocks outside list items
count, as with headings: an entry's own `<details><summary>Abstract</summary>`
is its text.

The parse stage (stage.py) and `pipeline add`'s heading list
(grow/headings.py) both walk the list through an `Outline`, so their paths
agree.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from markdown_it import MarkdownIt
from markdown_it.token import Token

__all__ = ["DetailsTag", "Outline", "details_tags", "shown_text"]

_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
# An open or closing <details>, or a whole <summary>…</summary> (its text may span lines;
# one with no closing tag runs to the next <details> tag or the end of the block).
_TAG = re.compile(
    r"<(/?)details\b[^>]*>|<summary\b[^>]*>(.*?)(?:</summary\s*>|(?=</?details\b)|\Z)",
    re.IGNORECASE | re.DOTALL,
)
_ANY_TAG = re.compile(r"<[^>]*>")
_INLINE = MarkdownIt("commonmark")  # read-only: renders a summary's Markdown to its text

Ref = TypeVar("Ref")


@dataclass(frozen=True)
class DetailsTag:
    """One `<details>` (open), `</details>` (close) or `<summary>` (its plain text) of an
    HTML block, with its 0-based line in the block."""

    kind: str  # "open", "close" or "summary"
    line: int
    text: str = ""


def details_tags(content: str) -> list[DetailsTag]:
    """The `<details>`, `</details>` and `<summary>` tags of an HTML block, in order,
    outside HTML comments."""
    if "details" not in content.lower() and "summary" not in content.lower():
        return []
    visible = _COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), content)
    tags: list[DetailsTag] = []
    for match in _TAG.finditer(visible):
        line = visible.count("\n", 0, match.start())
        if match.group(2) is not None:
            tags.append(DetailsTag("summary", line, summary_text(match.group(2))))
        else:
            tags.append(DetailsTag("close" if match.group(1) else "open", line))
    return tags


def summary_text(raw: str) -> str:
    """What a summary shows: its HTML tags dropped, its Markdown read as the text it
    renders (`**Bold** `code`` → `Bold code`), spaces collapsed."""
    text = _ANY_TAG.sub(" ", raw)
    tokens = _INLINE.parseInline(" ".join(text.split()))
    return " ".join(shown_text(tokens).split())


def shown_text(tokens: Sequence[Token]) -> str:
    """The text inline tokens show: links' text included, images' alt text not."""
    return "".join(
        t.content
        if t.type in ("text", "code_inline")
        else ""
        if t.type == "image"
        else shown_text(t.children or [])
        for t in tokens
    )


@dataclass
class _Frame(Generic[Ref]):
    level: float  # a heading's level; a <details> block sits half a level below its heading
    ref: Ref | None  # None: a <details> with no summary (yet), no part of a path
    details: bool = False
    nameable: bool = False  # a <details> outside list items, with no summary yet


class Outline(Generic[Ref]):
    """The open headings and `<details>` blocks at a point of the list; each section is
    what the caller gives for it (`Ref`: a heading's index, its text)."""

    def __init__(self) -> None:
        self._frames: list[_Frame[Ref]] = []

    def heading(self, level: int, ref: Ref) -> None:
        """A heading outside list items: it ends the sections at its level and below."""
        while self._frames and self._frames[-1].level >= level:
            self._frames.pop()
        self._frames.append(_Frame(level, ref))

    def open_details(self, *, in_item: bool) -> None:
        """A `<details>`: a section once its summary names it (never inside a list item)."""
        base = next((f.level for f in reversed(self._frames) if not f.details), 0)
        self._frames.append(_Frame(base + 0.5, None, details=True, nameable=not in_item))

    def wants_name(self) -> bool:
        """Whether a `<summary>` here names a section: the innermost open `<details>` is
        outside list items and has none yet."""
        return bool(self._frames) and self._frames[-1].nameable

    def name(self, ref: Ref) -> None:
        """Name the innermost open `<details>` (after `wants_name`)."""
        frame = self._frames[-1]
        frame.ref, frame.nameable = ref, False

    def close_details(self) -> None:
        """A `</details>`: its block ends, with any heading opened inside it; a stray one
        (no block open) changes nothing."""
        if not any(f.details for f in self._frames):
            return
        while not self._frames.pop().details:
            pass

    def path(self) -> tuple[Ref, ...]:
        """The sections open here, outermost first."""
        return tuple(f.ref for f in self._frames if f.ref is not None)
