"""Learning a list's entry style: each existing entry's raw lines become a *template*.

A template is the entry's lines (from its first line to its last link) with
every field a source can give replaced by a slot: the title, the venue as
written, the tags, the authors, a year, a `YYYY-MM` date, the short name
before the title's colon, and each link's URL (by role: paper, code,
project, or another link no source gives). What is left is the list's own
markup: emphasis, separators, link labels, table pipes, bullets.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.model import Entry, Link, LinkKind

__all__ = [
    "PLACEHOLDER",
    "AuthorStyle",
    "Piece",
    "Slot",
    "Template",
    "arxiv_form",
    "learn_templates",
    "link_role",
    "links_unsourced",
    "placeholder",
]

PLACEHOLDER = "TODO:"  # every field no source gives starts with this, e.g. `TODO:tags`
_ARXIV_ID = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(v\d+)?(?!\d)")
_YEAR = re.compile(r"(?<![\d.'’])(?:19|20)\d\d(?![\d.-])")
_MONTH = re.compile(r"(?<![\d.])(?:19|20)\d\d-[01]\d(?![\d-])")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_LINK_TARGET = re.compile(r"\]\(([^)\s]+)\)")
_BARE_URL = re.compile(r"https?://[^\s)\]>\"']+")
_DATE = re.compile(r"(?<![\d.])(?:19|20)\d\d-[01]\d-[0-3]\d(?!\d)")
_PAPER_LABELS = frozenset({"paper", "pdf", "arxiv", "abs", "abstract", "preprint"})
_CODE_LABELS = frozenset({"code", "github", "repo", "official code", "source code"})
_PROJECT_LABELS = frozenset(
    {"project", "project page", "homepage", "home page", "website", "page", "web", "demo"}
)


def placeholder(name: str) -> str:
    """A clearly marked placeholder for a field no source gives."""
    return f"{PLACEHOLDER}{name}"


@dataclass(frozen=True)
class AuthorStyle:
    """How a list writes authors: separators, how many before "et al.", name form."""

    separator: str = ", "
    last_separator: str = ", "
    shown: int | None = None  # names before `et_al`; None: all of them
    et_al: str = ""
    form: str = "full"  # full | initials | surname
    most_in_full: int | None = None  # more names than this: `shown` and `et_al`
    pair: str | None = None  # between two names, when the list joins two its own way


@dataclass(frozen=True)
class Slot:
    """A field in a template."""

    kind: str  # title | venue | tags | authors | year | month | short | url
    role: str = ""  # url: paper | code | project | other
    form: str = ""  # url (paper): how the list writes an arXiv URL, `{id}` for the id
    joiner: str = ""  # tags: text between two tags
    authors: AuthorStyle | None = None


Piece = str | Slot


@dataclass
class Template:
    """One existing entry's lines as literal text and slots."""

    entry: Entry
    start: int  # first line of the entry (1-based)
    end: int  # its last line
    pieces: list[Piece]
    text: str = ""  # the entry's lines as written

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(
            p.role for p in self.pieces if isinstance(p, Slot) and p.kind == "url" and p.role
        ) - {"other"}

    @property
    def skeleton(self) -> tuple[str, ...]:
        return tuple(f"{p.kind}:{p.role}" if isinstance(p, Slot) else "" for p in self.pieces)


def link_role(link: Link) -> str:
    """What a link is to its paper: paper | code | project | other (a tweet, a bibtex file)."""
    label = link.label.strip().strip("`[]*_ ").lower()
    if link.kind is LinkKind.ARXIV or label in _PAPER_LABELS:
        return "paper"
    if link.kind is LinkKind.GITHUB and label not in _PROJECT_LABELS | _PAPER_LABELS:
        return "code"
    if link.kind is LinkKind.GITHUB:
        # "[Project](https://github.com/…)": the list's way of linking code.
        return "code"
    if label in _CODE_LABELS:
        return "code"
    if label in _PROJECT_LABELS or link.kind is LinkKind.PROJECT:
        return "project"
    return "other"


def links_unsourced(entry: Entry) -> bool:
    """Whether an entry links something no source gives (a tweet, a bibtex file)."""
    return any(
        link.column > 0 and not link.image and link_role(link) == "other" for link in entry.links
    )


def arxiv_form(url: str) -> str | None:
    """`https://arxiv.org/pdf/{id}.pdf` from a URL with an arXiv id in it; `{v}` for a version."""
    match = _ARXIV_ID.search(url)
    if match is None:
        return None
    version = "{v}" if match.group(2) else ""
    return url[: match.start()] + "{id}" + version + url[match.end() :]


class _Spans:
    """Non-overlapping (start, end, slot) spans of a block of text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.spans: list[tuple[int, int, Slot]] = []

    def free(self, start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e, _ in self.spans)

    def add(self, start: int, end: int, slot: Slot) -> None:
        self.spans.append((start, end, slot))

    def find(self, needle: str, slot: Slot, *, after: int = 0, word: bool = False) -> bool:
        if not needle:
            return False
        for begin in (after, 0):
            pos = self.text.find(needle, begin)
            while pos >= 0:
                end = pos + len(needle)
                bounded = not word or (
                    (pos == 0 or not self.text[pos - 1].isalnum())
                    and (end == len(self.text) or not self.text[end].isalnum())
                )
                if bounded and self.free(pos, end):
                    self.add(pos, end, slot)
                    return True
                pos = self.text.find(needle, pos + 1)
        return False

    def pieces(self) -> list[Piece]:
        out: list[Piece] = []
        at = 0
        for start, end, slot in sorted(self.spans, key=lambda s: s[0]):
            out.append(self.text[at:start])
            out.append(slot)
            at = end
        out.append(self.text[at:])
        return out


def _author_style(text: str, names: list[str]) -> AuthorStyle | None:
    """The style of the authors written in `text` (parsed as `names`), or None."""
    names = [n.strip() for n in names if n.strip()]
    last = names[-1]
    et_al = ""
    match = re.search(r"\s*,?\s*et\.?\s*al\.?$", last)
    if match:
        et_al = last[match.start() :]
        names[-1] = last[: match.start()]
    positions = []
    at = 0
    for name in names:
        pos = text.find(name, at)
        if pos < 0:
            return None
        positions.append((pos, pos + len(name)))
        at = pos + len(name)
    if et_al:
        et_al = text[positions[-1][1] :]  # as written, with its period when it has one
    gaps = [text[a[1] : b[0]] for a, b in itertools.pairwise(positions)]
    separator = gaps[0] if gaps else ", "
    last_separator = gaps[-1] if gaps else separator
    if len(gaps) >= 2 and gaps[0] != gaps[-1]:
        separator = gaps[0]
    first = names[0].split()
    if len(first) == 1:
        form = "surname"
    elif all(re.fullmatch(r"[A-Z]\.(?:-?[A-Z]\.)*", part) for part in first[:-1]):
        form = "initials"
    else:
        form = "full"
    return AuthorStyle(
        separator=separator,
        last_separator=last_separator,
        shown=len(names) if et_al else None,
        et_al=et_al,
        form=form,
    )


def _author_span(text: str, names: list[str], after: int) -> tuple[int, int] | None:
    first = names[0].strip()
    last = names[-1].strip()
    start = text.find(first, after)
    if start < 0:
        start = text.find(first)
    if start < 0:
        return None
    end = text.find(last, start)
    if end < 0:
        return None
    return start, end + len(last)


def _template(entry: Entry, lines: Sequence[str]) -> Template | None:
    placed = [link for link in entry.links if link.column > 0 and not link.image]
    end = max([entry.line, *(link.line for link in placed)])
    if not 0 < entry.line <= end <= len(lines):
        return None
    block_lines = lines[entry.line - 1 : end]
    offsets = [0]
    for line in block_lines:
        offsets.append(offsets[-1] + len(line) + 1)
    text = "\n".join(block_lines)
    spans = _Spans(text)
    urls: list[tuple[int, int]] = []  # every URL's span, images too: no field is inside one
    for link in entry.links:
        if link.column <= 0 or not entry.line <= link.line <= end:
            continue
        pos = offsets[link.line - entry.line] + link.column - 1
        if text[pos : pos + len(link.url)] != link.url:
            continue
        urls.append((pos, pos + len(link.url)))
        if link.image:
            continue
        role = link_role(link)
        form = arxiv_form(link.url) or "" if role == "paper" else ""
        spans.add(pos, pos + len(link.url), Slot("url", role=role, form=form))
    urls += [m.span() for m in _BARE_URL.finditer(text)]
    urls += [m.span(1) for m in _LINK_TARGET.finditer(text)]
    urls += [m.span() for m in _COMMENT.finditer(text)]  # no field is inside a comment
    # A star badge names the code's repository inside its image URL.
    for repo in entry.repos:
        at = text.find(f"/{repo}")
        while at >= 0:
            if spans.free(at + 1, at + 1 + len(repo)):
                spans.add(at + 1, at + 1 + len(repo), Slot("repo"))
            at = text.find(f"/{repo}", at + 1)
    blocked = _Spans(text)
    blocked.spans = [*spans.spans, *((a, b, Slot("url")) for a, b in urls)]
    title_end = 0
    if entry.title and "title" not in entry.uncertain:
        labelled = text.find(f"[{entry.title}](")
        labelled = labelled if labelled >= 0 else text.find(f"[**{entry.title}**](")
        if labelled >= 0:
            at = text.index(entry.title, labelled)
            spans.add(at, at + len(entry.title), Slot("title"))
        else:
            spans.find(entry.title, Slot("title"))
    if any(sl.kind == "title" for _, _, sl in spans.spans):
        title_end = max(e for s, e, sl in spans.spans if sl.kind == "title")
    if entry.venue_text:
        spans.find(entry.venue_text, Slot("venue"), after=title_end)
    elif entry.venue and "venue" not in entry.uncertain:
        spans.find(entry.venue, Slot("venue", form="name"), after=title_end, word=True)
    if entry.tags:
        _tags(spans, entry.tags)
    if entry.authors:
        found = _author_span(text, entry.authors, title_end)
        if found and text[: found[1]].endswith("et al") and text[found[1] : found[1] + 1] == ".":
            found = (found[0], found[1] + 1)
        style = _author_style(text[found[0] : found[1]], entry.authors) if found else None
        if found and style and spans.free(*found):
            spans.add(found[0], found[1], Slot("authors", authors=style))
    blocked.spans = [*spans.spans, *((a, b, Slot("url")) for a, b in urls)]
    if ":" in entry.title:
        short = entry.title.split(":")[0].strip()
        if 0 < len(short) <= 30 and blocked.find(short, Slot("short"), word=True):
            spans.spans.append(blocked.spans[-1])
    for pattern, kind in ((_DATE, "date"), (_MONTH, "month")):
        for match in pattern.finditer(text):
            if spans.free(match.start(), match.end()) and _outside(urls, match.start()):
                spans.add(match.start(), match.end(), Slot(kind))
                break
    if entry.year or not any(sl.kind == "venue" for _, _, sl in spans.spans):
        for match in _YEAR.finditer(text):
            if (
                match.group() == str(entry.year or match.group())
                and spans.free(match.start(), match.end())
                and _outside(urls, match.start())
            ):
                spans.add(match.start(), match.end(), Slot("year"))
                break
    return Template(entry=entry, start=entry.line, end=end, pieces=spans.pieces(), text=text)


def _outside(urls: list[tuple[int, int]], pos: int) -> bool:
    return all(not a <= pos < b for a, b in urls)


def _tags(spans: _Spans, tags: list[str]) -> None:
    text = spans.text
    at = 0
    found = []
    for tag in tags:
        pos = text.find(tag, at)
        if pos < 0:
            return
        found.append((pos, pos + len(tag)))
        at = pos + len(tag)
    joiners = {text[a[1] : b[0]] for a, b in itertools.pairwise(found)}
    if len(joiners) > 1 or not spans.free(found[0][0], found[-1][1]):
        return
    joiner = joiners.pop() if joiners else ""
    spans.add(found[0][0], found[-1][1], Slot("tags", joiner=joiner))


def learn_templates(entries: Sequence[Entry], lines: Sequence[str]) -> list[Template]:
    """A template per entry whose lines could be read (in list order)."""
    templates = []
    for entry in entries:
        template = _template(entry, lines)
        if template is not None and any(
            isinstance(p, Slot) and p.kind == "title" for p in template.pieces
        ):
            templates.append(template)
    return templates
