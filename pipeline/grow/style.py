"""Rendering a new entry in a list's own style, from the template of an existing entry.

Learning the templates is template.py's job, formatting each field fields.py's,
telling a model's markup from its text no source gives (`TODO:text`) literal.py's,
and its lines' padding, spacing and closing comment lines.py's; this module picks
the template and writes the entry.

A new entry is rendered from the template of the nearest entry of the target
section that links the same kinds of links (paper, code, project), so a list
whose style drifted over the years gets the style of its neighbours.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from pipeline.grow.fields import (
    ListStyle,
    NewEntry,
    format_authors,
    format_url,
    format_venue_of,
    list_style,
    section_authors,
)
from pipeline.grow.lines import end_comment, pad_row, tidy_lines
from pipeline.grow.literal import ends_inside_image, literal_text, varying_cells
from pipeline.grow.template import (
    PLACEHOLDER,
    AuthorStyle,
    Piece,
    Slot,
    Template,
    arxiv_form,
    learn_templates,
    links_unsourced,
    placeholder,
)
from pipeline.model import Entry
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

_CLOSERS = ")]>*`_"
_SHORT = 30  # the longest title part before a colon that is a name (as template.py reads it)
# A link target with a placeholder in it (`./citations/TODO:text.txt`): the whole target is
# one field no source gives.
_VARIABLE_TARGET = re.compile(r"\]\(([^)\s]*" + re.escape(PLACEHOLDER) + r"[^)\s]*)\)")


def _writes(template: Template) -> frozenset[str]:
    """The kinds of field a template writes: a venue or year counts as `when`."""
    kinds = {p.kind for p in template.pieces if isinstance(p, Slot)}
    return frozenset({"when" if k in ("venue", "year") else k for k in kinds})


def _markup(template: Template) -> tuple[str, ...]:
    """The template's literal text, its skeleton in it: what it writes between its fields."""
    return (*template.skeleton, *(p for p in template.pieces if isinstance(p, str)))


def _shape(template: Template) -> tuple[str, ...]:
    """The fields a template writes, in order, but for links no source gives."""
    return tuple(kind for kind in template.skeleton if kind and kind != "url:other")


def _usual_unsourced(entries: Sequence[Entry]) -> bool | None:
    """Whether most of `entries` link something no source gives (None: as many do as not)."""
    count = sum(1 for e in entries if links_unsourced(e))
    return None if count * 2 == len(entries) else count * 2 > len(entries)


def pick_template(
    templates: Sequence[Template],
    roles: frozenset[str],
    near: int,
    fields: frozenset[str] = frozenset(),
    section: Sequence[Entry] = (),
) -> Template:
    """The template of the entry nearest line `near` that links the same roles and writes
    the `fields` the sources give (`when`, `authors`), preferring a shape other entries
    share, and a link no source gives (a tweet) where most entries have one (of `section`,
    else of the templates); else the one missing fewest of them."""
    # A shape no other entry shares is an odd one out; a link no source gives (a tweet) is
    # not part of the shape: whether to write one is the section's habit, below.
    shapes = Counter(_shape(t) for t in templates)
    # How many entries write the same markup between their fields: a typical entry's
    # separators, not the one entry's slip (terryum's `(2014) D. Kingma` for `(2014), …`).
    markup = Counter(_markup(t) for t in templates)
    # A link no source gives is a habit of the section, not of the one entry nearest: a
    # dair-ai row has a tweet as most rows of its week do (right for 95.8% of rows, leave
    # one out; the row nearest it, where a paper is added at a week's bottom, 91.6%).
    # Every entry of the section counts, not only those that read as templates: a 2025
    # dair-ai row whose name is only guessed (`MAGI  MAGI is …`) links its tweet all the same.
    usual = _usual_unsourced(section or [t.entry for t in templates])

    def cost(t: Template) -> tuple[int, int, int, int, int, int, int, int]:
        # A field the sources give and the model cannot write would be lost.
        missing = len(roles - t.roles) + len(fields - _writes(t))
        extra = len(t.roles - roles)
        alone = 1 if shapes[_shape(t)] < 2 and len(templates) > 1 else 0
        read = sum(1 for p in t.pieces if isinstance(p, Slot) and p.kind != "url")
        # Among nearby entries, the one whose fields could be read best.
        typical = -markup[_markup(t)]
        odd = 0 if usual is None else int(links_unsourced(t.entry) != usual)
        return (
            missing,
            extra,
            alone,
            abs(t.start - near) // 20,
            odd,
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
    table = template.text.startswith("|")
    pieces = []
    for index, piece in enumerate(template.pieces):
        if isinstance(piece, str):
            others = [p for t in same if isinstance(p := t.pieces[index], str)]
            before = template.pieces[index - 2] if index >= 2 else ""
            piece = literal_text(
                piece,
                others,
                rest,
                step,
                inside_image=isinstance(before, str) and ends_inside_image(before),
                table=table,
                first=index == 0,
                last=index == len(template.pieces) - 1,
            )
            piece = _VARIABLE_TARGET.sub(f"]({placeholder('url')})", piece)
        pieces.append(piece)
    if table:
        return varying_cells(pieces, [t.text for t in templates if t is not template])
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
            if len(short.split()) > _longest_name(everywhere or templates):
                short = ""  # more words than any name the list writes: a phrase
            out.append(short if short and _names_by_title(everywhere or templates) else "")
            if not out[-1]:
                out[-1] = placeholder("name")
        else:
            out.append(format_url(piece, new, style))
    # A table's padding drifts as a list grows (Hannibal's rows of 2024 are padded each to
    # its own width): the rows nearest the model say how the new one is padded.
    rows = [t.text for t in sorted(templates, key=lambda t: abs(t.start - template.start))[:7]]
    written = [t.text for t in everywhere or templates]
    # A closing comment (a key no source gives) as the four entries nearest the model close.
    text = end_comment(pad_row("".join(out), rows), rows[:4])
    return tidy_lines(text, written)


def _longest_name(templates: Sequence[Template]) -> int:
    """The most words of a title's part before its colon the list writes as a name: mc-lan
    names `PixFoundation 2.0` so, but `One Token to Seg Them All: …` `VideoLISA` (no title
    part of three words or more is a name there, 67 of 71 of one or two are)."""
    return max(
        (
            len(t.entry.title.split(":")[0].split())
            for t in templates
            if ":" in t.entry.title
            and any(isinstance(p, Slot) and p.kind == "short" for p in t.pieces)
        ),
        default=0,
    )


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
