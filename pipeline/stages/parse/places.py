"""Where a list writes each link destination, as the parser reads it: for `pipeline fix`.

`fix` edits a URL only where the parser, reading the list as it is now, finds a
link destination that is exactly that URL: never a URL in a comment, an
attribute or a code span, and never the start of a longer URL (issue 19, point 14).
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.helpers import parseLinkDestination

from pipeline.stages.parse.stage import rendered_links, source_lines

__all__ = ["link_places"]

Place = tuple[int, int]  # 1-based line and column


def link_places(text: str) -> dict[Place, str]:
    """Every link destination's (line, column) in `text`, with the URL written there.

    A destination whose source differs from the URL read (an escape, an entity) is left
    out: replacing it would have to rewrite them. Reference definitions are in.
    """
    places: dict[Place, str] = {}
    for link in rendered_links(text):
        if link.column > 0 and link.written:
            places[(link.line, link.column)] = link.written
    places.update(_definitions(text))
    return places


def _definitions(text: str) -> dict[Place, str]:
    """Reference definitions (`[label]: https://...`): where each destination is written."""
    lines = source_lines(text)
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    md.core.ruler.disable(["inline", "text_join"])
    env: dict[str, dict[str, dict[str, object]]] = {}
    md.parse("\n".join(lines), env)
    found: dict[Place, str] = {}
    for ref in env.get("references", {}).values():
        first, last = ref["map"]  # type: ignore[misc]
        href = str(ref["href"])
        for index in range(int(first), min(int(last), len(lines))):
            line = lines[index]
            at = line.find("]:")
            if at < 0:
                continue
            pos = at + 2
            while pos < len(line) and line[pos] in " \t":
                pos += 1
            result = parseLinkDestination(line, pos, len(line))
            if result.ok and md.normalizeLink(result.str) == href:
                bracketed = line.startswith("<", pos)
                found[(index + 1, pos + 1 + bracketed)] = line[
                    pos + bracketed : result.pos - bracketed
                ]
                break
    return found
