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
from pipeline.stages.resolve import repo_from_url
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
_MONTH = re.compile(r"(?<![\d.])(?:19|20)\d\d-[01]\d(?![\d-])")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_LINK_TARGET = re.compile(r"\]\(([^)\s]+)\)")
_BARE_URL = re.compile(r"https?://[^\s)\]>\"']+")
_DATE = re.compile(r"(?<![\d.])(?:19|20)\d\d-[01]\d-[0-3]\d(?!\d)")
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
    most_in_full: int | None = None  # more names than this: `shown` and `et_al`


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
    date: str | None = None  # YYYY-MM-DD of the first version
    venue_short: str | None = None  # None: a preprint
    venue_unknown: bool = False  # S2 could not be asked: the venue is a placeholder
    venue_year: int | None = None
    code_url: str | None = None
    project_url: str | None = None
    tags: list[str] = field(default_factory=list)
    paper_url: str | None = None  # no arXiv id: the page it was added from


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
        role = _role(link)
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


def _variable(ours: str, others: list[str], step: int | None) -> str:
    """`ours` with the words most other entries do not share replaced by placeholders.

    A token is the list's own markup when at least half of `others` (the same
    literal in entries of the same shape) have it too. A number that differs
    (an ordered list's, an anchor's) counts on from the neighbour's when the
    template is the new entry's neighbour (`step`); a run of words is one
    placeholder.
    """
    if not others or all(other == ours for other in others):
        return ours
    tokens = _TOKEN.findall(ours)
    shared = [0] * len(tokens)
    for other in others:
        theirs = _TOKEN.findall(other)
        matcher = SequenceMatcher(a=tokens, b=theirs, autojunk=False)
        for block in matcher.get_matching_blocks():
            for i in range(block.a, block.a + block.size):
                shared[i] += 1
    label = _label_tokens(tokens)
    # Markup is what (nearly) every entry of the shape has; a value several share is a field.
    need = max(1, -(-len(others) * 4 // 5))
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        joined = "".join(run)
        run.clear()
        core = joined.strip()
        if not core:
            out.append(joined)
            return
        lead = joined[: len(joined) - len(joined.lstrip())]
        trail = joined[len(joined.rstrip()) :]
        out.append(lead + placeholder("text") + trail)

    for index, (token, count) in enumerate(zip(tokens, shared, strict=True)):
        last = index + 1 == len(tokens) or tokens[index + 1] == "\n"
        if token.isspace() and last and "\n" not in token and count < need:
            continue  # trailing spaces only some entries have
        if count >= need or index in label or not (token.isalnum() or token.isspace()):
            flush()
            out.append(token)
        elif token.isdigit():
            # A number of its own (an ordered list's, an anchor's): counted on from the
            # neighbour's; an ordered list's marker is kept a number, which any renders.
            flush()
            after = tokens[index + 1] if index + 1 < len(tokens) else ""
            if step is not None:
                out.append(str(int(token) + step).zfill(len(token)))
            elif not "".join(out).strip() and after in (".", ")"):
                out.append("1")
            else:
                out.append(placeholder("text"))
        else:
            run.append(token)
    flush()
    return _collapse("".join(out))


def _words_shared(ours: str, others: list[str]) -> str:
    """For an entry of a shape no other has: its words most entries also have are the list's;
    the others are placeholders."""
    if not others:
        return ours
    seen = Counter(w for other in others for w in set(_TOKEN.findall(other)) if w.isalnum())
    need = max(1, (len(others) + 1) // 2)
    tokens = _TOKEN.findall(ours)
    label = _label_tokens(tokens)
    out = []
    for index, token in enumerate(tokens):
        keep = not token.isalnum() or seen[token] >= need or index in label
        out.append(token if keep else placeholder("text"))
    return _collapse("".join(out))


def _whole_cells(literal: str) -> str:
    """A table cell (between two pipes of this literal) with a placeholder in it is one field."""
    cells = literal.split("|")
    for i in range(1, len(cells) - 1):
        cell = cells[i]
        if placeholder("text") in cell:
            lead = cell[: len(cell) - len(cell.lstrip())]
            trail = cell[len(cell.rstrip()) :]
            cells[i] = lead + placeholder("text") + trail
    return "|".join(cells)


def _label_tokens(tokens: list[str]) -> set[int]:
    """Indexes of the tokens of a link label right before a URL (`[Project](`): the role's
    name, not a field."""
    if len(tokens) < 2 or tokens[-2:] != ["]", "("]:
        return set()
    start = len(tokens) - 2
    while start > 0 and tokens[start - 1] != "[":
        start -= 1
    return set(range(start, len(tokens) - 2))


_MARKUP = re.compile(r"[|\[\]()<>*`\n]")


def _collapse(text: str) -> str:
    """`TODO:text TODO:text, to TODO:text` → one placeholder, where no markup is between."""
    mark = placeholder("text")
    parts = text.split(mark)
    if len(parts) <= 2:
        return text
    rebuilt = parts[0]
    for middle in parts[1:-1]:
        if _MARKUP.search(middle) is not None:
            rebuilt += mark + middle
    return rebuilt + mark + parts[-1]


def pick_template(templates: Sequence[Template], roles: frozenset[str], near: int) -> Template:
    """The template of the entry nearest line `near` that links the same roles (preferring
    a shape other entries share); else the one missing fewest of them."""
    shapes = Counter(t.skeleton for t in templates)

    def cost(t: Template) -> tuple[int, int, int, int, int, int]:
        missing = len(roles - t.roles)
        extra = len(t.roles - roles)
        alone = 1 if shapes[t.skeleton] < 2 and len(templates) > 1 else 0
        fields = sum(1 for p in t.pieces if isinstance(p, Slot) and p.kind != "url")
        # Among nearby entries, the one whose fields could be read best.
        return (missing, extra, alone, abs(t.start - near) // 20, -fields, abs(t.start - near))

    return min(templates, key=cost)


def _with_placeholders(
    template: Template, templates: Sequence[Template], step: int | None
) -> list[Piece]:
    same = [t for t in templates if t is not template and t.skeleton == template.skeleton]
    rest = [
        "".join(p for p in t.pieces if isinstance(p, str)) for t in templates if t is not template
    ]
    pieces = []
    for index, piece in enumerate(template.pieces):
        if isinstance(piece, str):
            others = [p for t in same if isinstance(p := t.pieces[index], str)]
            piece = _variable(piece, others, step) if others else _words_shared(piece, rest)
            if template.text.startswith("|"):
                piece = _whole_cells(piece)
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
            rest = before[len(head) :]
            if "\n" in rest:  # a link on a line of its own: the line goes, not the break
                head += rest[: rest.rindex("\n")]
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
    limit = style.shown if style.most_in_full is None else style.most_in_full
    if style.shown is not None and limit is not None and len(shown) > limit:
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
        if new.paper_url:
            return new.paper_url
        return f"https://doi.org/{new.doi}" if new.doi else placeholder("url")
    if slot.role == "code":
        return new.code_url or placeholder("url")
    if slot.role == "project":
        return new.project_url or placeholder("url")
    return placeholder("url")


def section_authors(templates: Sequence[Template]) -> AuthorStyle | None:
    """One author style for the section: separators from entries written in full, and
    "et al." after `shown` names for papers with more authors than any written in full."""
    full: Counter[tuple[str, str, str]] = Counter()
    et_al: Counter[tuple[int, str]] = Counter()
    forms: Counter[str] = Counter()
    counts: Counter[int] = Counter()
    for t in templates:
        for p in t.pieces:
            if not (isinstance(p, Slot) and p.kind == "authors" and p.authors):
                continue
            style = p.authors
            forms[style.form] += 1
            if style.et_al:
                et_al[(style.shown or 1, style.et_al)] += 1
            else:
                count = len(t.entry.authors)
                counts[count] += 1
                if count >= 2:
                    sep = style.separator if count >= 3 else ""
                    full[(sep, style.last_separator, "")] += 1
    if not forms:
        return None
    # "et al." after more names than the list commonly writes in full.
    most = max((c for c, _ in counts.most_common(1)), default=0)
    seps = Counter({k: v for k, v in full.items() if k[0]})
    separator = seps.most_common(1)[0][0][0] if seps else ", "
    last = Counter(k[1] for k in full.elements()).most_common(1)
    shown, suffix = et_al.most_common(1)[0][0] if et_al else (None, "")
    return AuthorStyle(
        separator=separator,
        last_separator=last[0][0] if last else separator,
        shown=shown,
        et_al=suffix,
        form=forms.most_common(1)[0][0],
        most_in_full=most if et_al else None,
    )


def _cells(row: str) -> list[str] | None:
    if not row.startswith("|") or "\n" in row:
        return None
    return row.split("|")


def _pad_table(row: str, exemplar: str) -> str:
    """A table row with its cells padded as the exemplar row's are (left or centred)."""
    new, old = _cells(row), _cells(exemplar)
    if new is None or old is None or len(new) != len(old):
        return row
    out = [new[0]]
    for cell, model in zip(new[1:-1], old[1:-1], strict=True):
        content = cell.strip()
        width = len(model)
        lead = len(model) - len(model.lstrip())
        trail = len(model) - len(model.rstrip())
        if not model.strip() or len(content) + 2 > width or (lead <= 1 and trail <= 1):
            out.append(cell)
            continue
        room = width - len(content)
        if lead <= 1:
            out.append(" " * lead + content + " " * (room - lead))
        else:
            left = (room + 1) // 2
            out.append(" " * left + content + " " * (room - left))
    out.append(new[-1])
    return "|".join(out)


def render(
    template: Template,
    templates: Sequence[Template],
    new: NewEntry,
    style: ListStyle,
    step: int | None = None,
    everywhere: Sequence[Template] = (),
) -> str:
    """The new entry's text (one or more lines, no trailing newline) in `template`'s style;
    `step`: how a number in it counts on from the template's (see add._step)."""
    keep = {"paper", "other"}
    if new.code_url:
        keep.add("code")
    if new.project_url:
        keep.add("project")
    pieces = _drop_urls(_with_placeholders(template, templates, step), keep)
    authors = section_authors(everywhere or templates)
    out = []
    for piece in pieces:
        if isinstance(piece, str):
            out.append(piece)
            continue
        kind = piece.kind
        if kind == "title":
            out.append(new.title)
        elif kind == "venue":
            if piece.form == "name":
                name = new.venue_short or style.preprint
                out.append(placeholder("venue") if new.venue_unknown else name)
            else:
                out.append(_venue(new, style))
        elif kind == "tags":
            out.append(piece.joiner.join(new.tags) if new.tags else placeholder("tags"))
        elif kind == "authors":
            written = _authors(new.authors, authors or piece.authors or AuthorStyle())
            following = pieces[len(out) + 1] if len(out) + 1 < len(pieces) else ""
            if written.endswith(".") and isinstance(following, str) and following[:1] == ".":
                written = written[:-1]  # "et al." before the list's own period
            out.append(written)
        elif kind == "year":
            out.append(str(new.venue_year or new.year) if new.year else placeholder("year"))
        elif kind == "month":
            out.append(new.month or placeholder("date"))
        elif kind == "date":
            out.append(new.date or placeholder("date"))
        elif kind == "repo":
            repo = repo_from_url(new.code_url) if new.code_url else None
            out.append(repo or placeholder("repo"))
        elif kind == "short":
            short = new.title.split(":")[0].strip() if ":" in new.title else ""
            out.append(short or placeholder("name"))
        else:
            out.append(_url(piece, new, style))
    return _pad_table("".join(out), template.text)
