"""Rendering a new entry in a list's own style, from the template of an existing entry.

Learning the templates is template.py's job, formatting each field fields.py's;
this module picks the template and writes the entry.

Literal text that differs between entries of the same shape (an ordered list's
number, a table's "keywords" cell, a description) is a field no source gives:
it becomes a marked placeholder (`TODO:text`), never a copy of another paper's.

A new entry is rendered from the template of the nearest entry of the target
section that links the same kinds of links (paper, code, project), so a list
whose style drifted over the years gets the style of its neighbours.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from difflib import SequenceMatcher

from pipeline.grow.fields import (
    ListStyle,
    NewEntry,
    format_authors,
    format_url,
    format_venue_of,
    list_style,
    section_authors,
)
from pipeline.grow.lines import pad_row, tidy_lines
from pipeline.grow.template import (
    PLACEHOLDER,
    AuthorStyle,
    Piece,
    Slot,
    Template,
    arxiv_form,
    learn_templates,
    placeholder,
)
from pipeline.stages.resolve import repo_from_url

__all__ = [
    "PLACEHOLDER",
    "AuthorStyle",
    "ListStyle",
    "NewEntry",
    "Slot",
    "Template",
    "arxiv_form",
    "learn_templates",
    "list_style",
    "pick_template",
    "placeholder",
    "render",
]

_TOKEN = re.compile(r"\s+|[A-Za-z0-9]+|[^\sA-Za-z0-9]")
_CLOSERS = ")]>*`_"


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
        # Spaces before a line break only some entries have (at the entry's end, lines.py
        # decides; before a field they are markup).
        last = index + 1 < len(tokens) and tokens[index + 1] == "\n"
        if token.isspace() and last and "\n" not in token and count < need:
            continue
        if token in _SENTENCE and "".join(run).strip():
            run.append(token)  # a description's own full stop or comma is part of it
            continue
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


def _words_shared(ours: str, others: list[str], step: int | None = None) -> str:
    """For an entry of a shape no other has: its words most entries also have are the list's;
    the others are placeholders; its numbers count on by `step` (see `_variable`)."""
    if not others:
        return ours
    seen = Counter(w for other in others for w in set(_TOKEN.findall(other)) if w.isalnum())
    need = max(1, (len(others) + 1) // 2)
    tokens = _TOKEN.findall(ours)
    label = _label_tokens(tokens)
    out = []
    for index, token in enumerate(tokens):
        if step is not None and token.isdigit():
            out.append(str(int(token) + step).zfill(len(token)))
            continue
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
    """Indexes of the tokens of a link label right before a URL (`[Project](`, or
    `- Homepage: ` before a bare one): the role's name, not a field."""
    end = len(tokens)
    while end > 0 and tokens[end - 1].isspace() and "\n" not in tokens[end - 1]:
        end -= 1
    if end > 1 and tokens[end - 1] == ":":
        start = end - 1
        while start > 0 and tokens[start - 1] not in ("\n", "-", "*", "|", "(", "["):
            start -= 1
        return set(range(start, end - 1))
    if len(tokens) < 2 or tokens[-2:] != ["]", "("]:
        return set()
    start = len(tokens) - 2
    while start > 0 and tokens[start - 1] != "[":
        start -= 1
    return set(range(start, len(tokens) - 2))


_SENTENCE = frozenset(".,;:!?")
_WORDS_BEFORE = re.compile(
    r"(?<=[\s(])(?:[A-Za-z][\w'’-]* +){1,3}(?=" + re.escape(PLACEHOLDER) + "text)"
)
_SHORT = 30  # the longest title part before a colon that is a name (as template.py reads it)
# A link target with a placeholder in it (`./citations/TODO:text.txt`): the whole target is
# one field no source gives.
_VARIABLE_TARGET = re.compile(r"\]\(([^)\s]*" + re.escape(PLACEHOLDER) + r"[^)\s]*)\)")
_MARKUP = re.compile(r"[|\[\]<>*`\n]")  # parentheses are a description's as often as a link's


def _collapse(text: str) -> str:
    """`TODO:text TODO:text, to TODO:text` → one placeholder, where no markup is between;
    a word or three before one (`- a TODO:text`: words a description shares with others)
    are part of it."""
    mark = placeholder("text")
    text = _WORDS_BEFORE.sub("", text)
    parts = text.split(mark)
    if len(parts) <= 2:
        return text
    rebuilt = parts[0]
    opened = 0  # parentheses of the free text merged in, not closed yet: `TODO:text (TODO:text).`
    for middle in parts[1:-1]:
        if _MARKUP.search(middle) is not None or "](" in middle:
            rebuilt += mark + middle
            opened = 0
        else:
            opened += middle.count("(") - middle.count(")")
    tail = parts[-1]
    if opened > 0 and tail.startswith(")" * opened):
        tail = tail[opened:]
        tail = tail[1:] if tail[:1] in _SENTENCE and tail[1:2] in ("", " ") else tail
    return rebuilt + mark + tail


def _writes(template: Template) -> frozenset[str]:
    """The kinds of field a template writes: a venue or year counts as `when`."""
    kinds = {p.kind for p in template.pieces if isinstance(p, Slot)}
    return frozenset({"when" if k in ("venue", "year") else k for k in kinds})


def _markup(template: Template) -> tuple[str, ...]:
    """The template's literal text, its skeleton in it: what it writes between its fields."""
    return (*template.skeleton, *(p for p in template.pieces if isinstance(p, str)))


def pick_template(
    templates: Sequence[Template],
    roles: frozenset[str],
    near: int,
    fields: frozenset[str] = frozenset(),
) -> Template:
    """The template of the entry nearest line `near` that links the same roles and writes
    the `fields` the sources give (`when`, `authors`), preferring a shape other entries
    share; else the one missing fewest of them."""
    shapes = Counter(t.skeleton for t in templates)
    # How many entries write the same markup between their fields: a typical entry's
    # separators, not the one entry's slip (terryum's `(2014) D. Kingma` for `(2014), …`).
    markup = Counter(_markup(t) for t in templates)

    def cost(t: Template) -> tuple[int, int, int, int, int, int, int]:
        # A field the sources give and the model cannot write would be lost.
        missing = len(roles - t.roles) + len(fields - _writes(t))
        extra = len(t.roles - roles)
        alone = 1 if shapes[t.skeleton] < 2 and len(templates) > 1 else 0
        read = sum(1 for p in t.pieces if isinstance(p, Slot) and p.kind != "url")
        # Among nearby entries, the one whose fields could be read best.
        typical = -markup[_markup(t)]
        return (
            missing,
            extra,
            alone,
            abs(t.start - near) // 20,
            -read,
            typical,
            abs(t.start - near),
        )

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
            piece = _variable(piece, others, step) if others else _words_shared(piece, rest, step)
            if template.text.startswith("|"):
                piece = _whole_cells(piece)
            piece = _VARIABLE_TARGET.sub(f"]({placeholder('url')})", piece)
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
    authors = section_authors(everywhere or templates, template.start)
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
                out.append(format_venue_of(new, style))
        elif kind == "tags":
            out.append(piece.joiner.join(new.tags) if new.tags else placeholder("tags"))
        elif kind == "authors":
            written = format_authors(new.authors, authors or piece.authors or AuthorStyle())
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
            short = short if len(short) <= _SHORT else ""  # a sentence, not a name
            out.append(short if short and _names_by_title(everywhere or templates) else "")
            if not out[-1]:
                out[-1] = placeholder("name")
        else:
            out.append(format_url(piece, new, style))
    # A table's padding drifts as a list grows (Hannibal's rows of 2024 are padded each to
    # its own width): the rows nearest the model say how the new one is padded.
    rows = [t.text for t in sorted(templates, key=lambda t: abs(t.start - template.start))[:7]]
    written = [t.text for t in everywhere or templates]
    return tidy_lines(pad_row("".join(out), rows), written)


def _names_by_title(templates: Sequence[Template]) -> bool:
    """Whether the list names a paper by its title's part before the colon (`OPT-IML: …` is
    `OPT-IML`) nearly always (80%); where it often names it otherwise (`ToT` for `Tree of
    Thoughts: …`) the name is a field no source gives."""
    titled = [
        t
        for t in templates
        if ":" in t.entry.title and 0 < len(t.entry.title.split(":")[0].strip()) <= _SHORT
    ]
    named = sum(
        1 for t in titled if any(isinstance(p, Slot) and p.kind == "short" for p in t.pieces)
    )
    return not titled or named >= 0.8 * len(titled)
