"""A list's own entry style, learned from the raw lines of its existing entries.

Each existing entry becomes a *template*: its lines (from the entry's first
line to its last link) with every field a source can give replaced by a slot:
the title, the venue as written, the tags, the authors, a year, a `YYYY-MM`
date, the short name before the title's colon, and each link's URL (by role:
paper, code, project, or another link no source gives). What is left is the
list's own markup: emphasis, separators, link labels, table pipes, bullets.

Literal text that differs between entries of the same shape (an ordered list's
number, a table's "keywords" cell, a description) is a field no source gives:
it becomes a marked placeholder (`TODO:text`), never a copy of another paper's.

A new entry is rendered from the template of the nearest entry of the target
section that links the same kinds of links (paper, code, project), so a list
whose style drifted over the years gets the style of its neighbours.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from pipeline.model import Entry, Link, LinkKind
from pipeline.stages.scholarly.venues import VenueStyle, format_venue, is_preprint, learn_style

__all__ = [
    "PLACEHOLDER",
    "AuthorStyle",
    "NewEntry",
    "Slot",
    "Template",
    "arxiv_form",
    "learn_templates",
    "pick_template",
    "placeholder",
    "render",
]

PLACEHOLDER = "TODO:"  # every field no source gives starts with this, e.g. `TODO:tags`
_ARXIV_ID = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(v\d+)?(?!\d)")
_YEAR = re.compile(r"(?<![\d.'’])(?:19|20)\d\d(?![\d.-])")
_MONTH = re.compile(r"(?<![\d.])(?:19|20)\d\d-[01]\d(?!\d)")
_TOKEN = re.compile(r"\s+|[A-Za-z0-9]+|[^\sA-Za-z0-9]")
_PAPER_LABELS = frozenset({"paper", "pdf", "arxiv", "abs", "abstract", "preprint"})
_CODE_LABELS = frozenset({"code", "github", "repo", "official code", "source code"})
_PROJECT_LABELS = frozenset(
    {"project", "project page", "homepage", "home page", "website", "page", "web", "demo"}
)
_CLOSERS = ")]>*`_"


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

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(
            p.role for p in self.pieces if isinstance(p, Slot) and p.kind == "url" and p.role
        ) - {"other"}

    @property
    def skeleton(self) -> tuple[str, ...]:
        return tuple(f"{p.kind}:{p.role}" if isinstance(p, Slot) else "" for p in self.pieces)


@dataclass
class NewEntry:
    """What the sources say about the paper to add (None: no source gives it)."""

    title: str
    arxiv_id: str | None = None
    arxiv_version: int | None = None
    doi: str | None = None
    authors: list[str] = field(default_factory=list)
    year: int | None = None  # the venue's year, else arXiv's
    month: str | None = None  # YYYY-MM of the first version
    venue_short: str | None = None  # None: a preprint
    venue_unknown: bool = False  # S2 could not be asked: the venue is a placeholder
    venue_year: int | None = None
    code_url: str | None = None
    project_url: str | None = None
    tags: list[str] = field(default_factory=list)


def _role(link: Link) -> str:
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
    for link in placed:
        pos = offsets[link.line - entry.line] + link.column - 1
        if text[pos : pos + len(link.url)] != link.url:
            continue
        role = _role(link)
        form = arxiv_form(link.url) or "" if role == "paper" else ""
        spans.add(pos, pos + len(link.url), Slot("url", role=role, form=form))
    title_end = 0
    if entry.title and "title" not in entry.uncertain and spans.find(entry.title, Slot("title")):
        title_end = max(e for s, e, sl in spans.spans if sl.kind == "title")
    if entry.venue_text:
        spans.find(entry.venue_text, Slot("venue"), after=title_end)
    if entry.tags:
        _tags(spans, entry.tags)
    if entry.authors:
        found = _author_span(text, entry.authors, title_end)
        style = _author_style(text[found[0] : found[1]], entry.authors) if found else None
        if found and style and spans.free(*found):
            spans.add(found[0], found[1], Slot("authors", authors=style))
    if ":" in entry.title:
        short = entry.title.split(":")[0].strip()
        if 0 < len(short) <= 30:
            spans.find(short, Slot("short"), word=True)
    for match in _MONTH.finditer(text):
        if spans.free(match.start(), match.end()):
            spans.add(match.start(), match.end(), Slot("month"))
            break
    if entry.year:
        for match in _YEAR.finditer(text):
            if match.group() == str(entry.year) and spans.free(match.start(), match.end()):
                spans.add(match.start(), match.end(), Slot("year"))
                break
    return Template(entry=entry, start=entry.line, end=end, pieces=spans.pieces())


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


def _variable(ours: str, others: list[str]) -> str:
    """`ours` with the words no other entry of the same shape shares replaced by placeholders."""
    if not others or all(other == ours for other in others):
        return ours
    tokens = _TOKEN.findall(ours)
    shared = [False] * len(tokens)
    for other in others:
        theirs = _TOKEN.findall(other)
        matcher = SequenceMatcher(a=tokens, b=theirs, autojunk=False)
        for block in matcher.get_matching_blocks():
            for i in range(block.a, block.a + block.size):
                shared[i] = True
    # A token is ours alone when it matched nowhere; a run of them is one placeholder.
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if not run:
            return
        joined = "".join(run)
        core = joined.strip()
        if core:
            lead = joined[: len(joined) - len(joined.lstrip())]
            trail = joined[len(joined.rstrip()) :]
            out.append(lead + placeholder("text") + trail)
        else:
            out.append(joined)
        run.clear()

    for token, ok in zip(tokens, shared, strict=True):
        if ok or token.isspace():
            if ok:
                flush()
                out.append(token)
            else:
                run.append(token)
        else:
            run.append(token)
    flush()
    return "".join(out)


def pick_template(templates: Sequence[Template], roles: frozenset[str], near: int) -> Template:
    """The template of the entry nearest line `near` that links the same roles; else the one
    missing fewest of them (extra roles are dropped when rendering)."""

    def cost(t: Template) -> tuple[int, int, int]:
        missing = len(roles - t.roles)
        extra = len(t.roles - roles)
        return (missing, extra, abs(t.start - near))

    return min(templates, key=cost)


def _with_placeholders(template: Template, templates: Sequence[Template]) -> list[Piece]:
    same = [t for t in templates if t is not template and t.skeleton == template.skeleton]
    pieces = []
    for index, piece in enumerate(template.pieces):
        if isinstance(piece, str):
            others = [t.pieces[index] for t in same]
            piece = _variable(piece, [o for o in others if isinstance(o, str)])
        pieces.append(piece)
    return pieces


def _closing(text: str) -> int:
    n = 0
    while n < len(text) and text[n] in _CLOSERS:
        n += 1
    return n


def _drop_urls(pieces: list[Piece], keep: set[str]) -> list[Piece]:
    """Pieces without the URL slots of roles not in `keep`, with their markup and separator."""
    out = list(pieces)
    index = len(out) - 2
    while index > 0:
        piece = out[index]
        if isinstance(piece, Slot) and piece.kind == "url" and piece.role not in keep:
            before, after = out[index - 1], out[index + 1]
            assert isinstance(before, str) and isinstance(after, str)
            # `)] | [[code](` + URL + `)]`: keep the closing of what came before.
            head = before[: _closing(before)]
            tail = after[_closing(after) :]
            out[index - 1 : index + 2] = [head + tail]
        index -= 1
    # Merge neighbouring literals so the result alternates again.
    merged: list[Piece] = []
    for piece in out:
        if isinstance(piece, str) and merged and isinstance(merged[-1], str):
            merged[-1] += piece
        else:
            merged.append(piece)
    return merged


def _name(full: str, form: str) -> str:
    parts = full.split()
    if not parts:
        return full
    if form == "surname":
        return parts[-1]
    if form == "initials" and len(parts) > 1:
        initials = " ".join(
            "-".join(f"{p[0]}." for p in part.split("-") if p) for part in parts[:-1]
        )
        return f"{initials} {parts[-1]}"
    return full


def _authors(names: list[str], style: AuthorStyle) -> str:
    if not names:
        return placeholder("authors")
    shown = [_name(n, style.form) for n in names]
    if style.shown is not None and len(shown) > style.shown:
        return style.separator.join(shown[: style.shown]) + style.et_al
    if len(shown) == 1:
        return shown[0]
    return style.separator.join(shown[:-1]) + style.last_separator + shown[-1]


@dataclass(frozen=True)
class ListStyle:
    """List-wide facts a template needs: venue style, the preprint's name, arXiv URL form."""

    venue: VenueStyle | None
    preprint: str
    arxiv_form: str


def list_style(entries: Sequence[Entry]) -> ListStyle:
    """Learned from `entries` (a section's, or the whole list's)."""
    written = [e.venue_text for e in entries if e.venue_text]
    preprints = Counter(
        re.split(r"[\s'’]", text, maxsplit=1)[0]
        for e in entries
        if e.venue and is_preprint(e.venue) and (text := e.venue_text)
    )
    forms = Counter(
        form for e in entries for link in e.links if (form := arxiv_form(link.url)) is not None
    )
    return ListStyle(
        venue=learn_style(written),
        preprint=preprints.most_common(1)[0][0] if preprints else "arXiv",
        arxiv_form=forms.most_common(1)[0][0] if forms else "https://arxiv.org/abs/{id}",
    )


def _venue(new: NewEntry, style: ListStyle) -> str:
    if new.venue_unknown:
        return placeholder("venue")
    if new.venue_short:
        return format_venue(new.venue_short, new.venue_year or new.year, style.venue)
    return format_venue(style.preprint, new.year, style.venue)


def _url(slot: Slot, new: NewEntry, style: ListStyle) -> str:
    if slot.role == "paper":
        if new.arxiv_id:
            form = slot.form or style.arxiv_form
            version = f"v{new.arxiv_version or 1}"
            return form.replace("{id}", new.arxiv_id).replace("{v}", version)
        return f"https://doi.org/{new.doi}" if new.doi else placeholder("url")
    if slot.role == "code":
        return new.code_url or placeholder("url")
    if slot.role == "project":
        return new.project_url or placeholder("url")
    return placeholder("url")


def render(
    template: Template, templates: Sequence[Template], new: NewEntry, style: ListStyle
) -> str:
    """The new entry's text (one or more lines, no trailing newline) in `template`'s style."""
    keep = {"paper", "other"}
    if new.code_url:
        keep.add("code")
    if new.project_url:
        keep.add("project")
    pieces = _drop_urls(_with_placeholders(template, templates), keep)
    out = []
    for piece in pieces:
        if isinstance(piece, str):
            out.append(piece)
            continue
        kind = piece.kind
        if kind == "title":
            out.append(new.title)
        elif kind == "venue":
            out.append(_venue(new, style))
        elif kind == "tags":
            out.append(piece.joiner.join(new.tags) if new.tags else placeholder("tags"))
        elif kind == "authors":
            out.append(_authors(new.authors, piece.authors or AuthorStyle()))
        elif kind == "year":
            out.append(str(new.venue_year or new.year) if new.year else placeholder("year"))
        elif kind == "month":
            out.append(new.month or placeholder("date"))
        elif kind == "short":
            short = new.title.split(":")[0].strip() if ":" in new.title else ""
            out.append(short or placeholder("name"))
        else:
            out.append(_url(piece, new, style))
    return "".join(out)
