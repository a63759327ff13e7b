"""What a conference paper's own page says: OpenReview's API and NeurIPS's pages.

Neither page carries an arXiv id or a DOI, so `pipeline add` reads the paper's
title (and, for a paper Semantic Scholar does not know, its authors, venue
and year) here, then finds the paper through S2's title match (sources.py).

- OpenReview (`openreview.net/forum?id=X`, `/pdf?id=X`): API v2
  `GET {openreview_api_url}/notes?id=X` answers `{"notes": [note], "count": 1}`
  with each content value nested as `{"value": ...}` (API v1 wrote them bare:
  both are read); a reply's `forum` names its paper; an unknown id is a 404,
  and a note the API will not show, `{"notes": []}`.
- NeurIPS (`proceedings.neurips.cc` / `papers.nips.cc` abstract and PDF
  URLs, `neurips.cc/virtual/...` pages): the Highwire `citation_title` and
  `citation_author` meta tags of the abstract page (a PDF's URL names it by
  its hash), else the page's `<title>` less its `NeurIPS Poster` prefix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

from pipeline.context import RunContext
from pipeline.errors import InputError, SourceDown
from pipeline.net import FetchError

__all__ = ["PageRecord", "neurips_page", "openreview_id", "read_neurips", "read_openreview"]

_OPENREVIEW_HOSTS = ("openreview.net", "www.openreview.net")
_NEURIPS_HOSTS = (
    "proceedings.neurips.cc",
    "papers.nips.cc",
    "papers.neurips.cc",
    "neurips.cc",
    "nips.cc",
)
# A proceedings PDF (or supplement) and the abstract page of the same hash.
_NEURIPS_FILE = re.compile(r"^(.*)/file/([0-9a-f]{32})-(?:Paper|Supplemental)(-[\w-]+)?\.\w+$")
_NEURIPS_PAGE = re.compile(
    r"^/(?:paper_files/)?paper/(?:\d{4}/hash/[0-9a-f]{32}-\S+\.html|\d+-\S+)$"
)
_VIRTUAL = re.compile(r"^/virtual/\d{4}/\w+/\d+/?$")
_TITLE_PREFIX = re.compile(r"^NeurIPS(?:\s+\d{4})?\s+(?:Poster|Oral|Spotlight\w*|Session)\s+", re.I)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_REDIRECTS = 3


@dataclass
class PageRecord:
    """The paper as its page describes it."""

    title: str
    authors: list[str] = field(default_factory=list)
    venue: str | None = None  # as the page writes it: "ICLR 2024 poster", "NeurIPS"
    year: int | None = None
    published: bool = True  # False: the page shows a submission, not an accepted paper


def openreview_id(url: str) -> str | None:
    """The note id of an OpenReview forum or PDF URL, None when `url` is not one."""
    parts = urlsplit(url)
    if (parts.hostname or "").lower() not in _OPENREVIEW_HOSTS:
        return None
    if parts.path.rstrip("/") not in ("/forum", "/pdf", "/attachment"):
        raise InputError(
            f"{url!r} is an OpenReview page but not a paper's: give its forum URL "
            "(https://openreview.net/forum?id=...)"
        )
    ids = parse_qs(parts.query).get("id", [])
    if not ids or not re.fullmatch(r"[\w-]{3,64}", ids[0]):
        raise InputError(f"{url!r} names no paper: an OpenReview URL needs ?id=<paper id>")
    return ids[0]


def neurips_page(url: str) -> str | None:
    """The NeurIPS page that names the paper of `url` (a PDF's abstract page), None when
    `url` is not on a NeurIPS host; InputError for a NeurIPS page that is not a paper's."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    if host not in _NEURIPS_HOSTS:
        return None
    path = parts.path
    file = _NEURIPS_FILE.match(path)
    if file:
        path = f"{file[1]}/hash/{file[2]}-Abstract{file[3] or ''}.html"
    if _NEURIPS_PAGE.match(path) or _VIRTUAL.match(path):
        return f"https://{parts.netloc}{path}"
    raise InputError(
        f"{url!r} is not a NeurIPS paper page: give its proceedings page "
        "(https://proceedings.neurips.cc/paper_files/paper/<year>/hash/<hash>-Abstract...html), "
        "its PDF, or its neurips.cc/virtual page"
    )


def _value(content: dict[str, Any], name: str) -> Any:
    """A content field of API v2 (`{"value": x}`) or v1 (`x`)."""
    value = content.get(name)
    return value.get("value") if isinstance(value, dict) else value


async def _get(ctx: RunContext, url: str, source: str) -> tuple[int, Any, str]:
    """(status, parsed JSON or None, text) after redirects; SourceDown when nothing answered."""
    for _ in range(_REDIRECTS + 1):
        try:
            fetched = await ctx.net.fetch("GET", url)
        except FetchError as exc:
            message = f"{source} did not answer ({exc.failure.value}); try again later"
            raise SourceDown(message) from None
        location = fetched.headers.get("location")
        if fetched.status in (301, 302, 303, 307, 308) and location:
            url = urljoin(url, location)
            continue
        if fetched.status == 429 or fetched.status >= 500:
            raise SourceDown(f"{source} did not answer (HTTP {fetched.status}); try again later")
        try:
            body = fetched.json()
        except ValueError:
            body = None
        return fetched.status, body, fetched.text
    raise SourceDown(f"{source} redirected more than {_REDIRECTS} times: {url}")


async def read_openreview(ctx: RunContext, note_id: str, *, hops: int = 1) -> PageRecord:
    """The paper of OpenReview note `note_id`; InputError when OpenReview has no such paper."""
    base = ctx.settings.openreview_api_url
    status, body, _ = await _get(ctx, f"{base}/notes?id={note_id}", "OpenReview")
    if status == 404:
        raise InputError(f"OpenReview has no paper {note_id!r} (HTTP 404)")
    if status in (401, 403):
        raise InputError(
            f"OpenReview does not show paper {note_id!r} to the public (HTTP {status})"
        )
    notes = body.get("notes") if status == 200 and isinstance(body, dict) else None
    if not isinstance(notes, list):
        raise SourceDown(f"OpenReview answered HTTP {status} with no notes; try again later")
    note = notes[0] if notes and isinstance(notes[0], dict) else None
    if note is None:
        raise InputError(
            f"OpenReview shows no paper {note_id!r} (no public note; an old venue only "
            "API v1 serves?): give its arXiv id or DOI"
        )
    forum = note.get("forum")
    if isinstance(forum, str) and forum and forum != note.get("id") and hops > 0:
        return await read_openreview(ctx, forum, hops=hops - 1)  # a review: its paper
    content = note.get("content") if isinstance(note.get("content"), dict) else {}
    title = " ".join(str(_value(content, "title") or "").split())
    if not title:
        raise InputError(f"OpenReview's note {note_id!r} has no title: is it a paper?")
    authors = _value(content, "authors")
    venue = str(_value(content, "venue") or "").strip() or None
    venueid = str(_value(content, "venueid") or "")
    year = int(found[1]) if venue and (found := _YEAR.search(venue)) else None
    stamp = note.get("pdate") or note.get("cdate")
    if year is None and isinstance(stamp, int) and stamp > 0:
        year = datetime.fromtimestamp(stamp / 1000, UTC).year
    published = bool(venue) and not re.search(
        r"submitted|submission|withdrawn|rejected|under review", f"{venue} {venueid}", re.I
    )
    return PageRecord(
        title=title,
        authors=[" ".join(str(a).split()) for a in authors if isinstance(a, str)]
        if isinstance(authors, list)
        else [],
        venue=venue,
        year=year,
        published=published,
    )


class _Meta(HTMLParser):
    """The `<meta name=... content=...>` tags and the `<title>` of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: list[tuple[str, str]] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): v or "" for k, v in attrs}
        if tag == "meta" and (values.get("name") or values.get("property")):
            key = (values.get("name") or values.get("property") or "").lower()
            self.meta.append((key, " ".join(values.get("content", "").split())))
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def _author(name: str) -> str:
    """`Last, First` (Highwire's form) as `First Last`."""
    last, comma, first = name.partition(",")
    return f"{first.strip()} {last.strip()}" if comma and first.strip() else name.strip()


async def read_neurips(ctx: RunContext, page: str) -> PageRecord:
    """The paper of a NeurIPS page; InputError when there is none or it names no title."""
    status, _, text = await _get(ctx, page, "NeurIPS's site")
    if status in (404, 410):
        raise InputError(f"NeurIPS has no page {page} (HTTP {status}): check the URL")
    if status != 200:
        raise InputError(f"NeurIPS's page {page} answered HTTP {status}")
    parser = _Meta()
    parser.feed(text)
    meta = parser.meta
    title = next((v for k, v in meta if k == "citation_title" and v), "")
    title = title or next((v for k, v in meta if k == "og:title" and v), "")
    title = title or _TITLE_PREFIX.sub("", " ".join(parser.title.split()))
    if not title:
        raise InputError(f"NeurIPS's page {page} names no title: give the paper's arXiv id")
    dates = [v for k, v in meta if k in ("citation_publication_date", "citation_date")]
    years = [int(m[1]) for d in dates if (m := _YEAR.search(d))]
    year = years[0] if years else (int(m[1]) if (m := _YEAR.search(urlsplit(page).path)) else None)
    return PageRecord(
        title=title,
        authors=[_author(v) for k, v in meta if k == "citation_author" and v],
        venue="NeurIPS",
        year=year,
    )
