"""Links in raw HTML: `<a href>`, `<img src>` and media sources, outside HTML comments.

GitHub renders an HTML block as HTML, so its anchors and images are links a
reader sees; a comment hides what it holds.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass

from pipeline.stages.parse.inline import FoundLink

__all__ = ["HtmlLink", "html_block_links", "html_links"]

_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_TAG_START = re.compile(r"<(a|img|source|video|audio)\b", re.IGNORECASE)
_ATTR = re.compile(r"""\b(href|src)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""", re.IGNORECASE)


@dataclass(frozen=True)
class HtmlLink:
    """A URL in an HTML fragment: its value as written starts at `offset` of the fragment."""

    url: str
    offset: int
    image: bool
    written: str = ""  # the attribute's value as the source shows it (`&amp;` and all)


def html_links(fragment: str) -> list[HtmlLink]:
    """Every `href`/`src` URL of anchors, images and media tags, comments left out."""
    visible = _COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), fragment)
    found: list[HtmlLink] = []
    for start, name, tag in _tags(visible):
        for attr in _ATTR.finditer(tag):
            if (attr.group(1).lower() == "href") != (name == "a"):
                continue
            index = next(i for i in (2, 3, 4) if attr.group(i) is not None)
            raw = attr.group(index)
            url = html.unescape(raw).strip()
            if url:
                written = raw.strip()
                offset = start + attr.start(index) + len(raw) - len(raw.lstrip())
                found.append(HtmlLink(url, offset, image=name != "a", written=written))
    return found


def _tags(fragment: str) -> Iterator[tuple[int, str, str]]:
    """(offset, lower-case name, text) of each tag we read, a tag ending at the next `>`.

    A scan, not one regex: `<a\\b[^>]*>` tried at each of n unclosed `<a ` reads to the end
    every time (quadratic); once no `>` follows, no later tag can close either.
    """
    pos = 0
    while True:
        match = _TAG_START.search(fragment, pos)
        if match is None:
            return
        end = fragment.find(">", match.end())
        if end < 0:
            return
        yield match.start(), match.group(1).lower(), fragment[match.start() : end + 1]
        pos = end + 1


def html_block_links(content: str, lines: list[str], first: int) -> list[FoundLink]:
    """The links of an HTML block whose content starts at 0-based source line `first`.

    Each link's line and column come from its offset in the block, counted forward once:
    a count from the block's start for every link was quadratic in an HTML table of
    links, and a search for the URL could land in a comment (issue 19, points 14, 21).
    """
    links: list[FoundLink] = []
    line_no, line_start, next_break = 0, 0, content.find("\n")
    indent = _indent(lines, first, content, 0, next_break)
    for found in html_links(content):
        if 0 <= next_break < found.offset:
            while 0 <= next_break < found.offset:
                line_no, line_start = line_no + 1, next_break + 1
                next_break = content.find("\n", line_start)
            indent = _indent(lines, first + line_no, content, line_start, next_break)
        column = 0 if indent is None else indent + found.offset - line_start + 1
        link = FoundLink(
            text="", url=found.url, line=first + line_no + 1, column=column, image=found.image
        )
        if "\n" in found.written:
            link.column = 0  # a value over several lines: no one place holds it
        link.written = found.written if link.column else ""
        links.append(link)
    return links


def _indent(lines: list[str], index: int, content: str, start: int, stop: int) -> int | None:
    """How many characters of source line `index` precede the HTML block's line that runs
    from `start` to `stop` (-1: the end) of its content; None if unknown.

    markdown-it strips the block's indentation from each line it keeps, so the source
    line ends with what it kept.
    """
    shown = content[start:] if stop < 0 else content[start:stop]
    if index >= len(lines) or not lines[index].endswith(shown):
        return None
    return len(lines[index]) - len(shown)
