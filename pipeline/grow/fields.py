"""Formatting the fields a source gives in a list's own way: venue, authors, the paper's URL."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from pipeline.grow.template import AuthorStyle, Slot, Template, arxiv_form, placeholder
from pipeline.model import Entry
from pipeline.stages.scholarly.venues import VenueStyle, format_venue, is_preprint, learn_style

__all__ = [
    "ListStyle",
    "NewEntry",
    "arxiv_form_near",
    "format_authors",
    "format_url",
    "format_venue_of",
    "list_style",
    "section_authors",
]


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


# Words that start a surname after the given names: `Fons van der Sommen`, `Simon Le
# Cleac'h`, `Peter H. N. de With` (a name's last word is its surname all the same: `Quoc V. Le`).
_PARTICLES = frozenset(
    {"al", "bin", "da", "das", "de", "del", "della", "der", "di", "dos", "du", "el", "ibn"}
    | {"la", "le", "ten", "ter", "van", "von"}
)


def _surname(full: str) -> tuple[list[str], str]:
    """The given names and the surname of a name as arXiv gives it: the surname is what
    follows the given names, from its first particle (`van der Sommen`), else the last word."""
    parts = full.split()
    if len(parts) < 2:
        return [], full
    for at in range(1, len(parts) - 1):
        word = parts[at]
        if word.lower() in _PARTICLES or word[:1].islower():
            return parts[:at], " ".join(parts[at:])
    return parts[:-1], parts[-1]


def _name(full: str, form: str) -> str:
    given, surname = _surname(full)
    if form == "surname":
        return surname
    if form == "initials" and given:
        initials = " ".join("-".join(f"{p[0]}." for p in part.split("-") if p) for part in given)
        return f"{initials} {surname}"
    return full


def format_authors(names: list[str], style: AuthorStyle) -> str:
    if not names:
        return placeholder("authors")
    shown = [_name(n, style.form) for n in names]
    limit = style.shown if style.most_in_full is None else style.most_in_full
    if style.shown is not None and limit is not None and len(shown) > limit:
        return style.separator.join(shown[: style.shown]) + style.et_al
    if len(shown) == 1:
        return shown[0]
    if len(shown) == 2 and style.pair:
        return style.pair.join(shown)
    return style.separator.join(shown[:-1]) + style.last_separator + shown[-1]


@dataclass(frozen=True)
class ListStyle:
    """List-wide facts a template needs: venue style, the preprint's name, arXiv URL form."""

    venue: VenueStyle | None
    preprint: str
    arxiv_form: str
    arxiv_near: str | None = None  # the form of the entries nearest the new paper's date
    preprint_form: str | None = None  # `ArXiv'{yymm}`, `arXiv {year}`: how preprints are written


def _preprint_form(entry: Entry) -> str | None:
    """How `entry` writes its preprint venue, its dates as `{yymm}` (the arXiv id's month,
    mc-lan's `ArXiv'2408`), `{year}` or `{yy}`."""
    text = entry.venue_text or ""
    month = (entry.arxiv_id or "").partition(".")[0]
    if len(month) == 4 and month.isdigit() and re.search(rf"(?<!\d){month}(?!\d)", text):
        return re.sub(rf"(?<!\d){month}(?!\d)", "{yymm}", text, count=1)
    if entry.year and str(entry.year) in text:
        return text.replace(str(entry.year), "{year}", 1)
    if entry.year and re.search(rf"'{entry.year % 100:02d}(?!\d)", text):
        return re.sub(rf"'{entry.year % 100:02d}(?!\d)", "'{yy}", text, count=1)
    return None


def _id_number(arxiv_id: str) -> int | None:
    month, _, number = arxiv_id.partition(".")
    return int(month) * 100_000 + int(number) if month.isdigit() and number.isdigit() else None


def arxiv_form_near(
    entries: Sequence[Entry], arxiv_id: str | None, k: int = 7, *, least: int = 1
) -> str | None:
    """The commonest arXiv URL form among the `k` entries nearest `arxiv_id` in date.

    Lists change how they link arXiv over the years (`/pdf/ID.pdf`, later `/pdf/ID`), and
    the entries of the same months say best how a new one is linked: on the seven shared
    lists this guesses an entry's own form right more often than the nearest entry's form
    or the section's commonest (BradyFU 93% against 88% and 70%)."""
    target = _id_number(arxiv_id) if arxiv_id else None
    if target is None:
        return None
    dated: list[tuple[int, str]] = []
    for entry in entries:
        number = _id_number(entry.arxiv_id) if entry.arxiv_id else None
        form = next(
            (
                f
                for link in entry.links
                if link.arxiv_id == entry.arxiv_id and (f := arxiv_form(link.url))
            ),
            None,
        )
        if number is not None and form is not None:
            dated.append((number, form))
    if not dated:
        return None
    overall = Counter(form for _, form in dated)
    near = Counter(form for _, form in sorted(dated, key=lambda d: abs(d[0] - target))[:k])
    best = max(near, key=lambda form: (near[form], overall[form]))
    return best if near[best] >= least else None


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
    written_preprints = Counter(
        form
        for e in entries
        if e.venue and is_preprint(e.venue) and (form := _preprint_form(e)) is not None
    )
    return ListStyle(
        venue=learn_style(written),
        preprint=preprints.most_common(1)[0][0] if preprints else "arXiv",
        arxiv_form=forms.most_common(1)[0][0] if forms else "https://arxiv.org/abs/{id}",
        preprint_form=written_preprints.most_common(1)[0][0] if written_preprints else None,
    )


def format_venue_of(new: NewEntry, style: ListStyle) -> str:
    if new.venue_unknown:
        return placeholder("venue")
    if new.venue_short:
        return format_venue(new.venue_short, new.venue_year or new.year, style.venue)
    month = (new.arxiv_id or "").partition(".")[0]
    if style.preprint_form and new.year and ("{yymm}" not in style.preprint_form or month):
        return (
            style.preprint_form.replace("{yymm}", month)
            .replace("{year}", str(new.year))
            .replace("{yy}", f"{new.year % 100:02d}")
        )
    return format_venue(style.preprint, new.year, style.venue)


def format_url(slot: Slot, new: NewEntry, style: ListStyle) -> str:
    if slot.role == "paper":
        if new.arxiv_id:
            form = style.arxiv_near or slot.form or style.arxiv_form
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


def _most_in_full(counts: Counter[int]) -> int:
    """The most names the list writes in full before it switches to "et al.": the largest
    count at least two entries (and a tenth of those written in full) write in full, so
    neither the commonest count (terryum writes one name more often than two, and two in
    full) nor one entry that lists eight names sets it."""
    total = sum(counts.values())
    usual = [c for c, n in counts.items() if n >= 2 and n * 10 >= total]
    if usual:
        return max(usual)
    return max((c for c, _ in counts.most_common(1)), default=0)


_NEAR = 3  # entries with two names nearest the new one whose joiner wins when they agree


def _nearest(found: Sequence[tuple[int, str]], near: int | None) -> str | None:
    """What the `_NEAR` entries nearest line `near` (line, value) mostly write, when they
    agree (at least two of them); else what most entries write."""
    if not found:
        return None
    overall = Counter(value for _, value in found)
    if near is not None:
        close = Counter(v for _, v in sorted(found, key=lambda f: abs(f[0] - near))[:_NEAR])
        value, count = close.most_common(1)[0]
        if count >= 2 and count * 2 > sum(close.values()):
            return value
    return max(overall, key=lambda value: overall[value])


def section_authors(templates: Sequence[Template], near: int | None = None) -> AuthorStyle | None:
    """One author style for the section: separators from entries written in full, and
    "et al." after `shown` names for papers with more authors than any written in full;
    two names joined as the entries with two nearest line `near` join them when they agree.

    The name form is the list's: where neighbours write first names in full and the list
    initials (terryum's "New papers"), the neighbours' form would be right there and wrong
    in awesome-NeRF's survey (`Dellaert and Yen-Chen` among names in full)."""
    full: Counter[tuple[str, str, str]] = Counter()
    et_al: Counter[tuple[int, str]] = Counter()
    forms: list[str] = []
    pairs: list[tuple[int, str]] = []
    counts: Counter[int] = Counter()
    for t in templates:
        for p in t.pieces:
            if not (isinstance(p, Slot) and p.kind == "authors" and p.authors):
                continue
            style = p.authors
            forms.append(style.form)
            if style.et_al:
                et_al[(style.shown or 1, style.et_al)] += 1
            else:
                count = len(t.entry.authors)
                counts[count] += 1
                if count >= 2:
                    sep = style.separator if count >= 3 else ""
                    full[(sep, style.last_separator, "")] += 1
                if count == 2:
                    pairs.append((t.start, style.last_separator))
    if not forms:
        return None
    most = _most_in_full(counts)
    seps = Counter({k: v for k, v in full.items() if k[0]})
    separator = seps.most_common(1)[0][0][0] if seps else ", "
    last = Counter(k[1] for k in full.elements()).most_common(1)
    shown, suffix = et_al.most_common(1)[0][0] if et_al else (None, "")
    return AuthorStyle(
        separator=separator,
        last_separator=last[0][0] if last else separator,
        shown=shown,
        et_al=suffix,
        form=Counter(forms).most_common(1)[0][0],
        most_in_full=most if et_al else None,
        pair=_nearest(pairs, near),
    )
