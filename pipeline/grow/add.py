"""`pipeline add`: a paper written into the list in the list's own style, at the right place.

For each identifier, in order (each sees the ones added before it):

1. refuse a paper the list already has (arXiv id, DOI, normalised title), naming its line;
2. the section: `--section` (a heading or a path, maybe a heading with no entries yet),
   else the section whose papers the new paper cites most (S2 references), else stop and
   print the candidate sections;
3. the metadata (sources.py), the template of the nearest entry of that section with the
   same kinds of links (style.py), the place the section's order implies (place.py);
4. the new text of the list: the caller prints its diff, or writes it atomically.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from pipeline.config import Settings
from pipeline.errors import InputError
from pipeline.grow.fields import NewEntry, arxiv_form_near
from pipeline.grow.headings import Heading, list_headings, model_section
from pipeline.grow.place import (
    entry_ends,
    find_duplicate,
    number_step,
    ordinal,
    place,
    renumber,
    resolve_section,
    section_path,
    sections,
    written_dates,
)
from pipeline.grow.sources import Found, Reference, fetch_paper, read_identifier
from pipeline.grow.style import (
    ListStyle,
    Slot,
    Template,
    learn_templates,
    list_style,
    pick_template,
    render,
)
from pipeline.model import Entry
from pipeline.stages.arxiv.match import normalize_title
from pipeline.stages.parse import parse_list
from pipeline.stages.resolve import resolve_entries

__all__ = ["Added", "add_papers", "choose_section", "insert_entry"]


@dataclass
class Added:
    """One paper added: where, how, and what the sources said."""

    identifier: str
    section: str
    line: int  # the new entry's first line in the new text
    order: str
    text: str
    notes: list[str] = field(default_factory=list)
    breaks: int = 0  # neighbours of a sorted section it is out of order with (the fewest)


def choose_section(entries: Sequence[Entry], references: list[Reference] | None) -> tuple[str, ...]:
    """The section whose papers the new paper cites most; InputError naming the candidates."""
    counts: Counter[tuple[str, ...]] = Counter()
    for ref in references or []:
        norm = normalize_title(ref.title)
        for entry in entries:
            ids = {entry.arxiv_id} | {link.arxiv_id for link in entry.links}
            dois = {link.doi.lower() for link in entry.links if link.doi}
            if (
                (ref.arxiv_id and ref.arxiv_id in ids)
                or (ref.doi and ref.doi.lower() in dois)
                or (norm and normalize_title(entry.title) == norm)
            ):
                counts[tuple(entry.section)] += 1
                break
    ranked = counts.most_common()
    if ranked and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
        return ranked[0][0]
    if ranked:
        tied = "; ".join(f"'{section_path(s)}' ({n} cited)" for s, n in ranked[:5])
        raise InputError(
            f"the paper cites papers of several sections equally: {tied}; choose one with --section"
        )
    why = (
        "Semantic Scholar could not say what it cites"
        if references is None
        else "it cites none of the list's papers"
    )
    listed = "; ".join(f"'{section_path(s)}'" for s in sections(entries))
    raise InputError(f"no section given and {why}; choose one with --section: {listed}")


def _gap(members: Sequence[Entry], ends: dict[int, int], lines: Sequence[str]) -> list[str]:
    """The blank lines the section puts between two entries (`\r` in a CRLF list, so the
    lines split on `\n` keep their endings)."""
    gaps: Counter[int] = Counter()
    for a, b in itertools.pairwise(members):
        between = lines[ends[a.line] : b.line - 1]
        if all(not line.strip() for line in between):
            gaps[len(between)] += 1
    count = gaps.most_common(1)[0][0] if gaps else 0
    blank = "\r" if members and lines[members[0].line - 1].endswith("\r") else ""
    return [blank] * count


def _style(members: Sequence[Entry], entries: Sequence[Entry], arxiv_id: str | None) -> ListStyle:
    own, whole = list_style(members), list_style(entries)
    has_preprint = any(e.venue_text and e.venue and e.venue.lower() == "arxiv" for e in members)
    return ListStyle(
        venue=own.venue or whole.venue,
        preprint=own.preprint if has_preprint else whole.preprint,
        preprint_form=own.preprint_form if has_preprint else whole.preprint_form,
        arxiv_form=own.arxiv_form if any(e.arxiv_id for e in members) else whole.arxiv_form,
        # A section's nearest entries must agree on a form (two at least) to outvote the
        # list's: a topic of two arXiv entries copied awesome-NeRF's one `abs/ID.pdf` typo.
        arxiv_near=arxiv_form_near(members, arxiv_id, least=2)
        or arxiv_form_near(entries, arxiv_id),
    )


def _roles(paper: NewEntry) -> frozenset[str]:
    """The kinds of link the sources give for the paper."""
    roles = {"paper"} | ({"code"} if paper.code_url else set())
    return frozenset(roles | ({"project"} if paper.project_url else set()))


def _given(paper: NewEntry) -> frozenset[str]:
    """The fields besides links the sources give (a model that writes them is preferred)."""
    given = {"when"} if paper.year or paper.venue_short else set()
    return frozenset(given | ({"authors"} if paper.authors else set()))


def insert_entry(
    text: str,
    entries: Sequence[Entry],
    section: tuple[str, ...],
    found: Found,
    tags: list[str],
    headings: Sequence[Heading] = (),
) -> tuple[str, Added]:
    """The list's text with the paper inserted in `section`, and what was done."""
    lines = text.split("\n")
    members = [e for e in entries if tuple(e.section) == section]
    heading = next((h for h in headings if h.path == section), None)
    if not members and heading is not None:
        return _insert_first(lines, entries, heading, found, tags)
    templates = learn_templates(members, lines) or learn_templates(entries, lines)
    if not templates:
        raise InputError(f"no entry of '{section_path(section)}' could be read as a model")
    paper = found.paper
    paper.tags = list(tags)
    ends = entry_ends(entries)
    dates = written_dates(entries, lines)
    spot = place(entries, section, paper.arxiv_id, ends, dates=dates, date=paper.date)
    roles, given = _roles(paper), _given(paper)
    template = pick_template(templates, roles, spot.neighbour, given, members)
    everywhere = learn_templates(entries, lines)
    if roles - template.roles:
        # No entry of the section links what a source gives (a project page): an entry of
        # the list written the same way that does is the model, so no field is dropped.
        alike = [t for t in everywhere if t.text[:2] == template.text[:2]]
        wider = pick_template(alike, roles, spot.neighbour, given) if alike else template
        if not roles - wider.roles:
            template, templates = wider, alike
    notes = list(found.notes)
    if tags and not any(isinstance(p, Slot) and p.kind == "tags" for p in template.pieces):
        notes.append(f"'{section_path(section)}' writes no tags: --tag left out")
    step = number_step(lines, members, template.entry, spot.line, ends)
    if step is None:
        step = _step(members, template.entry, spot.line, ends)
    style = _style(members, entries, paper.arxiv_id)
    block = render(template, templates, paper, style, step, everywhere).split("\n")
    number = ordinal(block[0])
    if number is not None:  # the numbered entries after it count on
        renumber(lines, [e for e in members if e.line > spot.line], number)
    gap = _gap(members, ends, lines)
    if spot.line == ends[spot.neighbour]:  # after the neighbour
        new_lines = [*lines[: spot.line], *gap, *block, *lines[spot.line :]]
        first = spot.line + len(gap) + 1
    else:  # before the neighbour
        new_lines = [*lines[: spot.line], *block, *gap, *lines[spot.line :]]
        first = spot.line + 1
    added = Added(
        identifier=paper.arxiv_id or paper.doi or paper.title,
        section=section_path(section),
        line=first,
        order=spot.order,
        text="\n".join(block),
        notes=notes,
        breaks=spot.breaks,
    )
    return "\n".join(new_lines), added


def _insert_first(
    lines: list[str], entries: Sequence[Entry], heading: Heading, found: Found, tags: list[str]
) -> tuple[str, Added]:
    """The paper as the first entry under `heading`, styled like the nearest section with
    entries, after the heading's own text (an introduction stays first)."""
    model, how = model_section(heading.path, entries, heading.line)
    members = [e for e in entries if tuple(e.section) == model]
    everywhere = learn_templates(entries, lines)
    templates = learn_templates(members, lines) or everywhere
    if not templates:
        raise InputError(f"no entry of '{section_path(model)}' could be read as a model")
    paper = found.paper
    paper.tags = list(tags)
    roles = _roles(paper)
    if not any(roles <= t.roles for t in templates):
        # No entry of the model links every kind of link the paper has: the list's entries
        # that do, those that write tags as the model does first.
        tagged = {_has_tags(t) for t in templates}
        covering = [t for t in everywhere if roles <= t.roles]
        templates = [t for t in covering if _has_tags(t) in tagged] or covering or templates
    template = pick_template(templates, roles, heading.line, _given(paper))
    notes = [
        *found.notes,
        f"'{section_path(heading.path)}' has no entries yet: written in the style of "
        f"'{section_path(model)}' ({how})",
    ]
    if tags and not any(isinstance(p, Slot) and p.kind == "tags" for p in template.pieces):
        notes.append(f"'{section_path(model)}' writes no tags: --tag left out")
    block = render(
        template,
        templates,
        paper,
        _style(members, entries, paper.arxiv_id),
        None,
        everywhere,
    ).split("\n")
    head: list[str] = []
    if block[0].startswith("|"):
        # A table's first row needs the table's head: the model's header and separator rows.
        first = template.entry.line
        top = first
        while top > 1 and lines[top - 2].startswith("|"):
            top -= 1
        head = lines[top - 1 : top + 1] if first - top >= 2 else []
    after = _introduction(lines, heading)
    tail = lines[after:]
    blank = "\r" if lines[heading.line - 1].endswith("\r") else ""  # a CRLF list stays CRLF
    new_lines = [
        *lines[:after],
        blank,
        *head,
        *block,
        *([blank] if tail and tail[0].strip() else []),
        *tail,
    ]
    added = Added(
        identifier=paper.arxiv_id or paper.doi or paper.title,
        section=section_path(heading.path),
        line=after + 2 + len(head),
        order="first in its section",
        text="\n".join([*head, *block]),
        notes=notes,
    )
    return "\n".join(new_lines), added


def _has_tags(template: Template) -> bool:
    return any(isinstance(p, Slot) and p.kind == "tags" for p in template.pieces)


def _introduction(lines: Sequence[str], heading: Heading) -> int:
    """The last line of the paragraph that introduces the heading's section, else the
    heading's own: an HTML anchor or a "back to top" link there belongs to the next one."""
    n = heading.line + 1
    while n <= heading.end and not lines[n - 1].strip():
        n += 1
    text = lines[n - 1].strip() if n <= heading.end else ""
    if not text or text.startswith("<") or "](#" in text:
        return heading.line
    while n < heading.end and lines[n].strip():
        n += 1
    return n


def _step(members: Sequence[Entry], model: Entry, after: int, ends: dict[int, int]) -> int | None:
    """How the new entry's number follows the model's (an ordered list's, an anchor's): +1
    when the model comes right before it, -1 right after, else None (a placeholder)."""
    before = [e for e in members if ends[e.line] <= after]
    later = [e for e in members if e.line > after]
    if before and before[-1] is model:
        return 1
    if later and later[0] is model:
        return -1
    return None


def _check_tags(tags: list[str], vocabulary: set[str]) -> None:
    unknown = [t for t in tags if t not in vocabulary]
    if not unknown:
        return
    if not vocabulary:
        raise InputError("this list uses no tags; leave out --tag")
    known = ", ".join(sorted(vocabulary))
    raise InputError(f"unknown tag(s) {', '.join(unknown)}; the list uses: {known}")


def _refuse_duplicate(entries: Sequence[Entry], ident: str, paper_like: dict) -> None:
    duplicate = find_duplicate(entries, **paper_like)
    if duplicate is not None:
        entry, by = duplicate
        raise InputError(f"{ident} is already listed at line {entry.line} (same {by})")


async def add_papers(
    settings: Settings,
    text: str,
    identifiers: Sequence[str],
    *,
    section: str | None = None,
    tags: Sequence[str] = (),
) -> tuple[str, list[Added]]:
    """The list's new text with every paper added, and what was done for each."""
    added: list[Added] = []
    wanted_all = [(ident, read_identifier(ident)) for ident in identifiers]
    for ident, wanted in wanted_all:
        parsed = parse_list(text, source=str(settings.input))
        entries, _ = resolve_entries(parsed)
        vocabulary = set(parsed.legend) | {t for e in entries for t in e.tags}
        if wanted.arxiv_id or wanted.doi:
            _refuse_duplicate(
                entries, ident, {"arxiv_id": wanted.arxiv_id, "doi": wanted.doi, "title": ""}
            )
        _check_tags(list(tags), vocabulary)
        headings = list_headings(text, entries)
        paths = [h.path for h in headings]
        target = resolve_section(section, entries, paths) if section else None
        found = await fetch_paper(settings, wanted, references=target is None)
        paper = found.paper
        _refuse_duplicate(
            entries, ident, {"arxiv_id": paper.arxiv_id, "doi": paper.doi, "title": paper.title}
        )
        if target is None:
            target = choose_section(entries, found.references)
            found.notes.append(f"section chosen by what it cites: '{section_path(target)}'")
        text, done = insert_entry(text, entries, target, found, list(tags), headings)
        done.identifier = ident
        added.append(done)
    return text, added
