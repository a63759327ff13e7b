"""Links in raw HTML: `<a href>`, `<img src>` and media sources, outside HTML comments.

GitHub renders an HTML block as HTML, so its anchors and images are links a
reader sees; a comment hides what it holds.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

__all__ = ["HtmlLink", "html_links"]

_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_TAG = re.compile(r"<(a|img|source|video|audio)\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""\b(href|src)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""", re.IGNORECASE)


@dataclass(frozen=True)
class HtmlLink:
    """A URL in an HTML fragment, with its offset in the fragment."""

    url: str
    offset: int
    image: bool


def html_links(fragment: str) -> list[HtmlLink]:
    """Every `href`/`src` URL of anchors, images and media tags, comments left out."""
    visible = _COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), fragment)
    found: list[HtmlLink] = []
    for tag in _TAG.finditer(visible):
        name = tag.group(1).lower()
        for attr in _ATTR.finditer(tag.group(0)):
            if (attr.group(1).lower() == "href") != (name == "a"):
                continue
            raw = next(g for g in attr.groups()[1:] if g is not None)
            url = html.unescape(raw).strip()
            if url:
                found.append(HtmlLink(url, tag.start() + attr.start(), image=name != "a"))
    return found
