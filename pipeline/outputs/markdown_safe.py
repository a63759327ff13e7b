"""Markdown that stays inert whatever text the network sent us.

Titles, descriptions, messages and URLs in the report come from arXiv, GitHub
and arbitrary web servers, and the report becomes a pull request body. So
every such string passes through here before it is rendered:

- no raw HTML: `&`, `<` and `>` become entities;
- no Markdown structure: the punctuation that opens links, images, emphasis,
  code, tables, headings and math is backslash-escaped;
- no notifications: a zero-width space after each `@` stops GitHub from
  turning `@someone` into a mention (and `#123` is escaped, so no issue link);
- a URL becomes a live link only when its scheme is http or https, with the
  characters that could end a link destination percent-encoded.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from pipeline.safe_text import clean_text, invisible

__all__ = [
    "ZWSP",
    "escape_text",
    "md_link",
    "safe_http_url",
    "shorten",
]

ZWSP = "\u200b"
_MD_PUNCT = re.compile(r"([\\`*_\[\]()#!|~$^{}])")
_WHITESPACE = re.compile(r"\s+")
# Characters that would end or break a link destination, or a table cell.
_URL_UNSAFE = {
    " ": "%20",
    '"': "%22",
    "'": "%27",
    "(": "%28",
    ")": "%29",
    "<": "%3C",
    ">": "%3E",
    "[": "%5B",
    "\\": "%5C",
    "]": "%5D",
    "`": "%60",
    "|": "%7C",
}
_URL_UNSAFE_TABLE = str.maketrans(_URL_UNSAFE)
_LINE_START = re.compile(r"^(?:([-+=])|(\d+)([.)]))")


def escape_text(text: object) -> str:
    """`text` as one line of inert Markdown: no HTML, no markup, no mentions."""
    value = _WHITESPACE.sub(" ", clean_text(text)).strip()
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    value = _MD_PUNCT.sub(r"\\\1", value)
    value = value.replace("@", "@" + ZWSP)
    # A string that starts with "-", "+", "1." etc. would start a list or a heading underline.
    return _LINE_START.sub(_escape_line_start, value)


def _escape_line_start(match: re.Match[str]) -> str:
    if match[1]:
        return "\\" + match[1]
    return f"{match[2]}\\{match[3]}"


def safe_http_url(url: str | None) -> str | None:
    """`url` percent-encoded for a link destination, or None unless it is http(s) with a host."""
    if not url:
        return None
    candidate = url.strip()
    # Printable ASCII (nearly every URL) holds no control, bidi or zero-width character.
    plain = candidate.isascii() and candidate.isprintable()
    if not plain and any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in candidate):
        return None
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return None
    if plain:
        return candidate.translate(_URL_UNSAFE_TABLE)
    # Bidi and zero-width characters would make the link read differently: encode them.
    return "".join(
        quote(ch, safe="") if invisible(ch) else _URL_UNSAFE.get(ch, ch) for ch in candidate
    )


def md_link(label: object, url: str | None) -> str:
    """A live link when `url` is http(s), else the escaped label and the URL as inert text."""
    shown = escape_text(label) or escape_text(url or "")
    target = safe_http_url(url)
    if target is None:
        return f"{shown} ({escape_text(url)})" if url and str(label) != url else shown
    return f"[{shown}]({target})"


_CUT_ESCAPE = re.compile(r"%[0-9A-Fa-f]?$")


def shorten(text: str, limit: int) -> str:
    """`text` cut to `limit` characters with an ellipsis (before escaping), never inside `%XX`."""
    if len(text) <= limit:
        return text
    head = text[: max(limit - 1, 0)]
    return _CUT_ESCAPE.sub("", head).rstrip() + "…"
