"""Text from the list and the network made safe to show: no control or invisible characters.

Titles, descriptions and messages may hold ESC sequences (which recolour or
rewrite a terminal), BEL, bidi overrides such as U+202E (which reorder what a
reviewer reads, "Trojan Source"), or zero-width characters (which hide text).
`clean_text` removes them before any of it reaches report.md, catalog.md,
catalog.csv, stars.csv, a GitHub annotation or the terminal; line and
paragraph separators become spaces. The catalog keeps the raw data.

`csv_cell` also keeps a spreadsheet from running a cell as a formula (OWASP
CSV injection).

`load_json` reads JSON from outside (an API answer, a catalog someone edited):
a `\\ud800` escape decodes to a lone surrogate, which no UTF-8 file can hold, so
writing the catalog would fail at the end of the run; it becomes U+FFFD.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["clean_text", "csv_cell", "invisible", "load_json"]

# C0 and C1 controls (tab, LF and CR are kept: callers fold whitespace as they need),
# DEL, the soft hyphen, Arabic letter mark, Mongolian vowel separator, zero-width and
# bidi marks, embeddings, overrides and isolates, invisible operators, BOM, interlinear
# annotation marks, and tag characters.
_INVISIBLE = (
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000e0000-\U000e007f"
)
_INVISIBLE_RE = re.compile(f"[{_INVISIBLE}]")
_SEPARATORS = re.compile("[\u2028\u2029]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def invisible(char: str) -> bool:
    """True for a control, bidi or zero-width character `clean_text` removes."""
    return _INVISIBLE_RE.fullmatch(char) is not None


def clean_text(text: object) -> str:
    """`text` without control, bidi and zero-width characters (U+2028/2029 become spaces)."""
    value = str(text)
    if value.isascii() and value.isprintable():
        return value  # nearly every title and URL: no regex over 10^5 cells of a big catalog
    return _SEPARATORS.sub(" ", _INVISIBLE_RE.sub("", value))


def csv_cell(value: object) -> str:
    """A cleaned cell that a spreadsheet shows as text, never runs as a formula."""
    cell = clean_text(value)
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


# What can put a lone surrogate in decoded JSON: an escape (`\\ud800`; a pair, an emoji
# written as two escapes, decodes to one character) or raw surrogate bytes, which
# json.loads lets through for bytes. In a decoded string any surrogate is a lone one.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def load_json(data: str | bytes) -> Any:
    """Parse JSON (ValueError when it is not), lone surrogates replaced by U+FFFD."""
    text = (
        data if isinstance(data, str) else data.decode(json.detect_encoding(data), "surrogatepass")
    )
    value = json.loads(text)
    if _SURROGATE_ESCAPE.search(text) or _LONE_SURROGATE.search(text):
        return _mend(value)
    return value


def _mend(value: Any) -> Any:
    # Walked with a stack, not recursion: JSON may nest as deep as json.loads allows.
    holder = [value]
    stack: list[tuple[Any, Any]] = [(holder, 0)]
    while stack:
        container, key = stack.pop()
        item = container[key]
        if isinstance(item, str):
            container[key] = _LONE_SURROGATE.sub("\ufffd", item)
        elif isinstance(item, list):
            stack.extend((item, index) for index in range(len(item)))
        elif isinstance(item, dict):
            mended = {_LONE_SURROGATE.sub("\ufffd", name): part for name, part in item.items()}
            container[key] = mended
            stack.extend((mended, name) for name in mended)
    return holder[0]
