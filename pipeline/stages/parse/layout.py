"""Read an entry's fields (title, authors, venue, year) from the layout of its lines.

Lists write an entry in many ways; each reader below knows one and says how
sure it is. A title is *sure* only when the layout marks it: a bold span or a
quoted string in front, a title-like link first on the line, the text before a
venue, a `|` field beside a venue field, the first line of a paragraph entry.
Anything else is a guess: kept for display, marked uncertain, and never
compared with arXiv or searched for (a wrong guess must not become a finding).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.stages.parse.fields import (
    Venue,
    canonical_label,
    clean_title,
    comma_venue,
    find_venue,
    split_tags,
    year_of,
)
from pipeline.stages.parse.inline import FoundLink, InlineText, Piece

__all__ = ["Fields", "Line", "block_lines", "is_date_line", "read_fields"]

_LABEL_WORDS = frozenset({"paper", "code", "project", "demo", "dataset", "video", "model", "link"})
_QUOTED = re.compile(r"[\"“]([^\"“”]{3,}?)[\"”]")
_NUMBERING = re.compile(r"^\s*\d{1,4}[.)]\s+")
_LEAD_YEAR = re.compile(r"^\s*[(\[]\s*((?:19|20)\d{2})\s*[)\]]")
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE_ONLY = re.compile(
    rf"^\W*(?:{_MONTH}\W*)?(?:(?:19|20)\d{{2}})(?:[-/.]\d{{1,2}}){{0,2}}\W*(?:{_MONTH})?\W*$",
    re.IGNORECASE,
)
_ET_AL = re.compile(r"\bet\.?\s*al\b\.?", re.IGNORECASE)
_NAME = re.compile(r"^[A-Z][\w'.\-]*(?:\s+[A-Z][\w'.\-]*){0,4}$")
_URLISH = re.compile(r"https?://|www\.", re.IGNORECASE)
_MAX_TITLE_WORDS = 40
_AUTHORS_MAX_CHARS = 2000  # a line's author list is shorter (100 names of 20 characters)
_DASHED_TITLE_WORDS = 15
# Where a title cell's title ends and its description starts: " - ", or two spaces.
_TITLE_END = re.compile(r"\s[-–—]\s|(?<=\S) {2,}")


@dataclass
class Line:
    """One visual line of a block: its pieces between two line breaks."""

    pieces: list[Piece]

    @property
    def text(self) -> str:
        """Text outside links."""
        return "".join(p.text for p in self.pieces if p.kind == "text")

    @property
    def links(self) -> list[FoundLink]:
        """Links a reader follows (image sources left out)."""
        return [p.link for p in self.pieces if p.link is not None and not p.link.image]

    @property
    def is_links_only(self) -> bool:
        """A line of links and punctuation (`[[Paper](..)] [[Code](..)]`)."""
        return bool(self.links) and not any(ch.isalnum() for ch in self.text)


@dataclass
class Fields:
    """What an entry's text says about it, and which fields are only guesses."""

    title: str = ""
    authors: list[str] = field(default_factory=list)
    venue: Venue | None = None
    year: int | None = None
    title_link: FoundLink | None = None
    uncertain: list[str] = field(default_factory=list)
    # The title sits in the layout's title slot (a paragraph entry's bold first line):
    # the entry exists whatever the title reads like; only its certainty varies.
    slotted: bool = False


def block_lines(parts: list[InlineText]) -> list[Line]:
    """The block's lines, across its paragraphs, without empty ones."""
    lines: list[Line] = []
    current: list[Piece] = []
    for part in parts:
        for piece in [*part.pieces, Piece("break")]:
            if piece.kind == "break":
                if current:
                    lines.append(Line(current))
                current = []
            else:
                current.append(piece)
    return [line for line in lines if line.text.strip() or line.links]


def read_fields(
    lines: list[Line], *, tags: list[str] | None = None, title_first: bool = False
) -> Fields:
    """The fields of one entry's lines.

    `title_first` says the layout puts the title on the first line (a paragraph entry
    whose links follow, a table's title cell): its text is then a sure title.
    """
    if not lines:
        return Fields(uncertain=["title"])
    tags = tags or []
    while len(lines) > 1 and _is_badge_line(lines[0]):
        lines = lines[1:]  # a star badge above the title (`![Star](..) <br> **Title**`)
    first = Line([p for p in lines[0].pieces if not _is_tag_piece(p, tags)])
    found = (
        _bold_lead(first)
        or _link_lead(first)
        or _quoted(first)
        or _piped(first)
        or _before_venue(first)
        or _title_year(first)
        or _text_then_links(first)
        or _first_line(first, lines, title_first=title_first)
    )
    found.slotted = title_first and len(lines) > 1 and _is_bold_line(first)
    _more_from_lines(found, lines[1:])
    _doubt(found)
    return found


def _is_bold_line(line: Line) -> bool:
    """A line that is one bold span and nothing else (`**Title** \\`): a title slot."""
    words = {p.bold for p in line.pieces if p.kind == "text" and any(c.isalnum() for c in p.text)}
    return not line.links and words == {True}


def _lead_text(pieces: list[Piece]) -> tuple[str, int]:
    """The text before the first bold span or link, without numbering."""
    index = 0
    while index < len(pieces) and pieces[index].kind == "text" and not pieces[index].bold:
        index += 1
    lead = "".join(piece.text for piece in pieces[:index])
    return _NUMBERING.sub("", lead, count=1), index


def _bold_lead(line: Line) -> Fields | None:
    """`**Title**` first on the line; `**ABBR**: "Title"` or `**ABBR**: Title` too."""
    lead, start = _lead_text(line.pieces)
    if any(ch.isalnum() for ch in lead):
        return None
    bold, end = "", start
    while end < len(line.pieces) and line.pieces[end].kind == "text" and line.pieces[end].bold:
        bold += line.pieces[end].text
        end += 1
    name = clean_title(bold)
    if not name or split_tags([bold.strip()]) or re.fullmatch(r"\[[^\]]*\]", bold.strip()):
        return None
    if find_venue(name) and len(name.split()) <= 2:
        return None  # `**CVPR'24**` is a venue field
    rest = "".join(p.text for p in line.pieces[end:] if p.kind == "text")
    if rest.lstrip().startswith((":", "：")):
        after = rest.lstrip()[1:]
        quoted = _QUOTED.search(after)
        if quoted and not any(ch.isalnum() for ch in after[: quoted.start()]):
            return _with_tail(quoted.group(1), after[quoted.end() :])
        inner = _before_venue_text(after)
        if inner is not None:
            return inner
    return _with_tail(name, rest)


def _link_lead(line: Line) -> Fields | None:
    """A title-like link first on the line (`[Title](url), Authors, Venue Year`)."""
    for index, piece in enumerate(line.pieces):
        if piece.kind == "text":
            lead = piece.text.strip().rstrip(":：").strip()
            if any(ch.isalnum() for ch in lead) and not _is_label(lead):
                return None
            continue
        link = piece.link
        if link is None or link.image or link.bare or link.image_only:
            continue  # an image, a badge wrapped in a link, a bare URL: not a title
        text = clean_title(link.text)
        if not _title_like(text) or _is_label(text):
            return None
        rest = "".join(p.text for p in line.pieces[index + 1 :] if p.kind == "text")
        found = _with_tail(text, rest)
        found.title_link = link
        return found
    return None


def _quoted(line: Line) -> Fields | None:
    """`Name: "Title", Venue, Year`: a quoted title after at most a short name."""
    text = line.text
    quoted = _QUOTED.search(text)
    if quoted is None or len(text[: quoted.start()].split()) > 4:
        return None
    return _with_tail(quoted.group(1), text[quoted.end() :])


def _piped(line: Line) -> Fields | None:
    """`[LISA] | CVPR'24 | LISA: Reasoning ... | [pdf]`: the venue is a field of its own."""
    fields = [f for f in line.text.split("|") if any(ch.isalnum() for ch in f)]
    if len(fields) < 2:
        return None
    venue_fields = [f for f in fields if _is_venue_field(f)]
    named = [f for f in fields if re.fullmatch(r"\s*\[[^\[\]]*\]\s*", f)]
    others = [f for f in fields if f not in venue_fields and f not in named]
    if not others or not (venue_fields or named):
        return None
    title = clean_title(max(others, key=lambda f: len(f.strip())))
    venue = find_venue(" ".join(venue_fields))
    return Fields(title=title, venue=venue, year=venue.year if venue else None)


def _before_venue(line: Line) -> Fields | None:
    return _before_venue_text(line.text)


def _before_venue_text(text: str) -> Fields | None:
    """`Title. CVPR'2024.`: the title is the text before the venue."""
    venue = find_venue(text)
    if venue is None:
        return None
    before = clean_title(text[: venue.start])
    if not _title_like(before):
        return None
    return Fields(title=before, venue=venue, year=venue.year)


def _title_year(line: Line) -> Fields | None:
    """`Title (2015), A. Author et al. [[pdf]](..)`: the title ends at a year in brackets."""
    text = line.text
    match = re.search(r"\s[(\[]\s*(?:19|20)\d{2}\s*[)\]]", text)
    if match is None:
        return None
    title = clean_title(_NUMBERING.sub("", text[: match.start()], count=1))
    if not _title_like(title) or len(title.split()) > _MAX_TITLE_WORDS:
        return None
    return _with_tail(title, text[match.start() :])


def _text_then_links(line: Line) -> Fields | None:
    """`Title. [[paper](..)] [[code](..)]`: words, then nothing but links."""
    pieces = line.pieces
    first_link = next((i for i, p in enumerate(pieces) if p.link is not None), None)
    if first_link is None or any(p.link is not None and p.link.bare for p in pieces):
        return None
    after = "".join(p.text for p in pieces[first_link:] if p.kind == "text")
    if any(ch.isalnum() for ch in after):
        return None
    text = "".join(p.text for p in pieces[:first_link])
    title, authors = _split_authors(clean_title(_NUMBERING.sub("", text, count=1)))
    return Fields(title=title, authors=authors) if _title_like(title) else None


def _split_authors(text: str) -> tuple[str, list[str]]:
    """`Title, G. Hinton and R. Salakhutdinov`: the title and the names after it, if any."""
    for match in re.finditer(r"[,.]\s+", text):
        # Only a tail short enough to be names is read: reading each of n tails was
        # quadratic on a line of `a, a, a, ...` (issue 19, point 21).
        if len(text) - match.end() > _AUTHORS_MAX_CHARS:
            continue
        names = _authors(text[match.end() :])
        if names and _THREE_LETTERS.search(text, 0, match.start()):
            return clean_title(text[: match.start()]), names
    return text, []


def _first_line(first: Line, lines: list[Line], *, title_first: bool) -> Fields:
    """The first line's text: sure only where the layout puts the title there.

    A long first line (`3) Title - what the paper does ...`) keeps the part before its
    dash when that part is short enough to be a title.
    """
    text = _NUMBERING.sub("", first.text, count=1)
    head = _TITLE_END.split(text.strip(), maxsplit=1)[0]
    if head != text and len(head.split()) <= _DASHED_TITLE_WORDS:
        text = head
    found = Fields(title=clean_title(text))
    if not (title_first and not first.links):
        found.uncertain.append("title")
    return found


def _is_badge_line(line: Line) -> bool:
    return not line.text.strip() and all(link.image_only for link in line.links)


def _is_tag_piece(piece: Piece, tags: list[str]) -> bool:
    """A `[ReferIS][GRES]` code span of tags in front of the title."""
    text = piece.text.strip()
    return piece.kind == "text" and bool(text) and bool(tags) and bool(split_tags([text]))


def _with_tail(title: str, tail: str) -> Fields:
    """A sure title, and what the text after it says: `(2016), K. He et al.`, `, Venue, 2024`."""
    found = Fields(title=clean_title(title))
    year = _LEAD_YEAR.match(tail)
    if year:
        found.year = int(year.group(1))
        tail = tail[year.end() :]
    venue = comma_venue(tail) or find_venue(tail)
    if venue is not None:
        found.venue, found.year = venue, venue.year or found.year
        authors_text = tail[: venue.start]
    else:
        authors_text = tail
    found.authors = _authors(authors_text)
    return found


def _authors(text: str) -> list[str]:
    """Names in a `, A. Author, B. Author et al.` segment, or none when it is not names."""
    segment = re.sub(r"\(.*?\)|\[.*?\]", " ", text)
    segment = segment.strip(" ,.;:|-–—\t")
    if not segment or _URLISH.search(segment):
        return []
    parts = [p.strip(" .") for p in re.split(r",|\band\b|&", segment) if p.strip(" .")]
    names = [_ET_AL.sub("et al.", p).strip() for p in parts]
    if names and all(_NAME.match(_ET_AL.sub("", n).strip() or "X") for n in names):
        return names
    return []


def _more_from_lines(found: Fields, rest: list[Line]) -> None:
    """Authors, venue and year from the lines after the title (paragraph entries)."""
    for line in rest:
        text = line.text.strip()
        if not text or line.is_links_only:
            continue
        if _DATE_ONLY.match(text):
            found.year = found.year or year_of(text)
            continue
        if not found.authors and not line.links:
            names = _authors(text)
            if names:
                found.authors = names
                continue
        if found.venue is None:
            venue = find_venue(text)
            if venue is not None:
                found.venue, found.year = venue, found.year or venue.year


def is_date_line(text: str) -> bool:
    """A line that is only a date: `(Mar., 2026)`, `2024-05`, `May 2024`."""
    return bool(_DATE_ONLY.match(text))


def _is_venue_field(text: str) -> bool:
    venue = find_venue(text)
    if venue is None:
        return False
    rest = text[: venue.start] + text[venue.end :]
    return not any(ch.isalnum() for ch in rest)


def _is_author_line(text: str) -> bool:
    """`Lin et al. (Mar., 2026)` or `Ada Lovelace, Alan Turing`: people, not a title."""
    if _ET_AL.search(text):
        return bool(_authors(re.sub(r"\(.*?\)", " ", text)))
    names = _authors(text)
    # "Listen, Think, and Understand" is a title: people have two names or an initial.
    return len(names) >= 2 and all(len(name.split()) >= 2 for name in names)


def _is_label(text: str) -> bool:
    """A generic link text or label (`Paper`, `[pdf]`, `Project page`), not a title."""
    words = re.findall(r"[a-z]+", text.lower())
    if len(words) == 2:
        return " ".join(words) in {"project page", "home page"}
    return len(words) == 1 and canonical_label(text) in _LABEL_WORDS


_THREE_LETTERS = re.compile(r"[^\W\d_](?:.*?[^\W\d_]){2}", re.DOTALL)


def _title_like(text: str) -> bool:
    return _THREE_LETTERS.search(text) is not None


def _doubt(found: Fields) -> None:
    """Mark (and empty) a title that does not read like one; a slotted title is kept."""
    title = found.title
    words = title.split()
    venue = find_venue(title)
    garbage = (
        not _title_like(title)
        or (venue is not None and not any(ch.isalpha() for ch in title[: venue.start]))
        or _is_label(title)
        # "Sparse Attention Networks and Efficient Image Transformers" reads like two
        # names, but in the title slot it is the title (issue 19, point 11).
        or (_is_author_line(title) and not found.slotted)
        or bool(_DATE_ONLY.match(title))
        or bool(_URLISH.match(title))
    )
    if garbage and not found.slotted:
        found.title = ""
    if garbage or len(words) < 2 or len(words) > _MAX_TITLE_WORDS or _ET_AL.search(title):
        if "title" not in found.uncertain:
            found.uncertain.append("title")
