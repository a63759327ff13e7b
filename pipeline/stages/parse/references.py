"""Link reference definitions (`[label]: https://...`): where each one writes its URL.

A reference link (`[paper][c]`) shows its label where it is used and its URL
on the definition's line, often far below. `check-pr` needs the definitions a
change touched (the entries using them changed too), and `fix` rewrites a
reference link's URL in its definition. Both take the definitions as
markdown-it's own block parse found them (`env["references"]`, with line maps),
so a `[c]: url` inside a code block or a paragraph is not one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.helpers import parseLinkDestination

__all__ = ["Definition", "reference_definitions"]

_NEWLINE = re.compile(r"\r\n?")
# The label and its colon, as a definition opens (after any `>` or list prefix on its line).
_LABEL = re.compile(r"\[(?:[^\\\[\]]|\\.){0,999}\]:", re.DOTALL)
_SPACE = re.compile(r"[ \t]*(?:\n[ \t>]*)?")


@dataclass(frozen=True)
class Definition:
    """One definition: its URL as links using it get it, the lines it spans (1-based, as the
    parser counts them), and where the URL is written (`column` 0 when it cannot be told)."""

    label: str
    url: str
    first: int
    last: int
    line: int = 0
    column: int = 0
    written: str = ""


def reference_definitions(text: str) -> list[Definition]:
    """Every link reference definition markdown-it finds in `text`, in file order."""
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    md.core.ruler.disable(["inline", "text_join"])  # definitions are found by the block parse
    normalized = _NEWLINE.sub("\n", text.removeprefix("\ufeff")).replace("\x00", "\ufffd")
    env: dict[str, object] = {}
    md.parse(normalized, env)
    lines = normalized.split("\n")
    found = []
    references = env.get("references")
    for label, ref in (references if isinstance(references, dict) else {}).items():
        first, end = ref["map"]
        found.append(_placed(md, lines, label, ref["href"], first, end))
    return sorted(found, key=lambda d: d.first)


def _placed(
    md: MarkdownIt, lines: list[str], label: str, url: str, first: int, end: int
) -> Definition:
    """The definition with the line and column of its destination, when the source shows it
    as the parser read it."""
    plain = Definition(label=label, url=url, first=first + 1, last=end)
    block = "\n".join(lines[first:end])
    opening = _LABEL.search(block)
    if opening is None:
        return plain
    start = _SPACE.match(block, opening.end())
    pos = start.end() if start else opening.end()
    result = parseLinkDestination(block, pos, len(block))
    if not result.ok or md.normalizeLink(result.str) != url:
        return plain
    written = block[pos : result.pos]
    if written.startswith("<"):
        written, pos = written[1:-1], pos + 1
    line = block.count("\n", 0, pos)
    column = pos - (block.rfind("\n", 0, pos) + 1) + 1
    return Definition(
        label=label, url=url, first=first + 1, last=end, line=first + line + 1, column=column,
        written=written,
    )  # fmt: skip
