"""The list's headings, those with no entries yet included, and whose style an empty one takes.

The parse stage knows a section only through its entries; `pipeline add
--section` may also name a heading with no entry under it yet (a new topic).
Heading paths are built as the parse stage builds them (`General > Benchmark`;
a `<details><summary>Topic</summary>` block is a subsection of its heading,
`Papers > Topic`; a heading inside a list item is text, and the list's H1
title is no part of a path when no entry sits right under it), so the paths
of headings with entries are the entries' own.

An empty section has no entries to learn a style from: it takes the style of
the nearest section that has some, its parent's own entries first, then its
siblings' (the nearest), else the section with the most entries.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from markdown_it import MarkdownIt

from pipeline.model import Entry
from pipeline.stages.parse.details import Outline, details_tags, shown_text

__all__ = ["Heading", "list_headings", "model_section"]


@dataclass(frozen=True)
class Heading:
    """One heading: its path, its line (1-based), and the last line before the next heading."""

    path: tuple[str, ...]
    line: int
    end: int


def _clean(text: str) -> str:
    """Heading text as the parse stage keeps it: no emoji or symbols in front, one space."""
    text = " ".join(text.split())
    while text and (unicodedata.category(text[0])[0] in "SZC" or text[0] == "\ufe0f"):
        text = text[1:].lstrip()
    return text


def list_headings(text: str, entries: Sequence[Entry]) -> list[Heading]:
    """Every heading of the list outside list items, and every `<details>` block with a
    summary, in order, with its section path (a block's line is its summary's)."""
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    tokens = md.parse(text)
    found: list[tuple[int, str, int]] = []  # (level, 0 for a <details>; text; 0-based line)
    paths: list[tuple[int, ...]] = []  # each one's path: indices in `found`
    closes: dict[int, int] = {}  # a <details> block's index in `found` -> its closing line
    outline: Outline[int] = Outline()
    items = 0
    for i, token in enumerate(tokens):
        if token.type == "list_item_open":
            items += 1
        elif token.type == "list_item_close":
            items -= 1
        elif token.type == "heading_open" and not items and token.map:
            level = int(token.tag[1:])
            found.append((level, _clean(shown_text([tokens[i + 1]])), token.map[0]))
            outline.heading(level, len(found) - 1)
            paths.append(outline.path())
        elif token.type == "html_block" and token.map:
            for tag in details_tags(token.content):
                line = token.map[0] + tag.line
                if tag.kind == "open":
                    outline.open_details(in_item=bool(items))
                elif tag.kind == "close":
                    inner = outline.path()
                    outline.close_details()
                    for ref in inner[len(outline.path()) :]:
                        closes.setdefault(ref, line)
                elif tag.text and not items and outline.wants_name():
                    found.append((0, _clean(tag.text), line))
                    outline.name(len(found) - 1)
                    paths.append(outline.path())
    if not found:
        return []
    top = found[0]
    drop_title = top[0] == 1 and not any(e.section[:1] == [top[1]] for e in entries)
    total = len(text.split("\n"))
    out: list[Heading] = []
    for n, (_, _, line) in enumerate(found):
        names = [found[i][1] for i in paths[n] if not (drop_title and i == 0)]
        # A heading's section runs to the next heading or block; a block's, to its close.
        end = found[n + 1][2] if n + 1 < len(found) else total
        end = min(end, closes.get(n, end))
        if n > 0 or not drop_title:
            out.append(Heading(tuple(names), line + 1, end))
    return out


def model_section(
    path: tuple[str, ...], entries: Sequence[Entry], heading_line: int
) -> tuple[tuple[str, ...], str]:
    """The section whose entries an empty section `path` copies, and how it is related."""
    held = Counter(tuple(e.section) for e in entries if e.section)
    parent = path[:-1]
    if parent and held[parent]:
        return parent, "its parent's"
    siblings = [p for p in held if len(p) == len(path) and p[:-1] == parent]
    if siblings:

        def distance(p: tuple[str, ...]) -> int:
            return min(abs(e.line - heading_line) for e in entries if tuple(e.section) == p)

        return min(siblings, key=distance), "its nearest sibling's"
    return held.most_common(1)[0][0], "the section with the most entries"
