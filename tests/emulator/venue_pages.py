"""Where conference papers live on loopback: OpenReview's API and NeurIPS's pages.

- OpenReview API v2 `GET /notes?id=<id>` (api2.openreview.net): `{"notes": [note],
  "count": 1}`, each content value nested as `{"value": ...}` (title, authors,
  venue such as `ICLR 2024 poster`, venueid, pdf); an unknown id is a 404
  `{"name": "NotFoundError", "message": "The Note <id> was not found", "status": 404}`;
  `empty` ids answer `{"notes": [], "count": 0}` (a note the caller may not read,
  or one only API v1 serves); `refuse=N` answers the next N calls with a 429
  `{"name": "RateLimitError", ...}`; `fail_status` answers every call with it.
- NeurIPS pages (proceedings.neurips.cc, papers.nips.cc, neurips.cc/virtual):
  an abstract page with Highwire `citation_*` meta tags, or a virtual-site page
  whose only title is `<title>NeurIPS Poster <title></title>`; any other path
  is a 404 page; `refuse` and `fail_status` as above.
"""

from __future__ import annotations

import html
import json
import threading
from dataclasses import dataclass, field
from typing import Any

from tests.emulator.server import Emulator, Request, Response

__all__ = [
    "NEURIPS_HOSTS",
    "NeurIPSPage",
    "OpenReviewNote",
    "VenueWorld",
    "mount_venue_pages",
]

OPENREVIEW_HOST = "api2.openreview.net"
NEURIPS_HOSTS = ("proceedings.neurips.cc", "papers.nips.cc", "neurips.cc")
_JSON = {"Content-Type": "application/json; charset=utf-8"}


@dataclass
class OpenReviewNote:
    """A submission as OpenReview's API v2 gives it."""

    note_id: str
    title: str
    authors: list[str] = field(default_factory=list)
    venue: str = "ICLR 2024 poster"
    venueid: str = "ICLR.cc/2024/Conference"
    forum: str | None = None  # another note's id: this one is a reply (a review) in its forum
    pdate: int = 1_705_000_000_000  # ms since the epoch: 2024-01-11

    def record(self) -> dict[str, Any]:
        """The note in API v2's shape."""
        return {
            "id": self.note_id,
            "forum": self.forum or self.note_id,
            "content": {
                "title": {"value": self.title},
                "authors": {"value": self.authors},
                "authorids": {"value": [f"~{n.replace(' ', '_')}1" for n in self.authors]},
                "abstract": {"value": "We study things."},
                "pdf": {"value": f"/pdf/{self.note_id:0>40}.pdf"},
                "venue": {"value": self.venue},
                "venueid": {"value": self.venueid},
            },
            "invitations": [f"{self.venueid}/-/Submission"],
            "domain": self.venueid,
            "readers": ["everyone"],
            "cdate": self.pdate - 86_400_000,
            "pdate": self.pdate,
            "mdate": self.pdate,
            "version": 2,
        }


@dataclass
class NeurIPSPage:
    """A NeurIPS paper page: `meta` False serves the virtual site's bare `<title>`."""

    path: str
    title: str
    authors: list[str] = field(default_factory=list)  # "First Last"
    year: int = 2023
    meta: bool = True

    def body(self) -> bytes:
        """The page's HTML."""
        if not self.meta:
            return (
                "<!DOCTYPE html><html><head><meta charset='utf-8'>"
                f"<title>NeurIPS Poster {html.escape(self.title)}</title></head>"
                f"<body><h2>{html.escape(self.title)}</h2></body></html>"
            ).encode()
        tags = [f'<meta name="citation_title" content="{html.escape(self.title)}">']
        for name in self.authors:
            first, _, last = name.rpartition(" ")
            tags.append(
                f'<meta name="citation_author" content="{html.escape(f"{last}, {first}")}">'
            )
        tags += [
            '<meta name="citation_journal_title" content="Advances in Neural Information '
            'Processing Systems">',
            f'<meta name="citation_publication_date" content="{self.year}">',
        ]
        head = "\n".join(tags)
        return (
            f"<!doctype html>\n<html lang='en'><head>\n<title>{html.escape(self.title)}</title>\n"
            f"{head}\n</head><body><h4>{html.escape(self.title)}</h4></body></html>"
        ).encode()


@dataclass
class VenueWorld:
    """OpenReview notes by id, NeurIPS pages by (host, path), and switches for failures."""

    notes: dict[str, OpenReviewNote] = field(default_factory=dict)
    empty: set[str] = field(default_factory=set)  # ids answered `{"notes": [], "count": 0}`
    pages: dict[tuple[str, str], NeurIPSPage] = field(default_factory=dict)
    refuse: int = 0  # the next N calls (to either) answer 429
    fail_status: int | None = None

    def add_note(self, note: OpenReviewNote) -> None:
        """Serve `note`."""
        self.notes[note.note_id] = note

    def add_page(self, host: str, page: NeurIPSPage) -> None:
        """Serve `page` on `host`."""
        self.pages[(host, page.path)] = page


class _Served:
    def __init__(self, world: VenueWorld) -> None:
        self.world = world
        self._lock = threading.Lock()

    def _refused(self, as_json: bool) -> Response | None:
        with self._lock:
            if self.world.refuse > 0:
                self.world.refuse -= 1
                if as_json:
                    return _json(
                        429,
                        {"name": "RateLimitError", "message": "Too many requests", "status": 429},
                    )
                return Response(429, {"Content-Type": "text/html"}, b"<h1>429 Too Many</h1>")
        if self.world.fail_status is not None:
            return Response(self.world.fail_status, {"Content-Type": "text/html"}, b"<h1>Down</h1>")
        return None

    def notes(self, request: Request) -> Response:
        refused = self._refused(as_json=True)
        if refused is not None:
            return refused
        note_id = (request.query.get("id") or request.query.get("forum") or [""])[0]
        if not note_id:
            return _json(400, {"name": "ValidationError", "message": "id or forum is required"})
        if note_id in self.world.empty:
            return _json(200, {"notes": [], "count": 0})
        note = self.world.notes.get(note_id)
        if note is None:
            message = f"The Note {note_id} was not found"
            return _json(404, {"name": "NotFoundError", "message": message, "status": 404})
        return _json(200, {"notes": [note.record()], "count": 1})

    def page(self, request: Request) -> Response:
        refused = self._refused(as_json=False)
        if refused is not None:
            return refused
        page = self.world.pages.get((request.host, request.path))
        if page is None:
            return Response(404, {"Content-Type": "text/html"}, b"<h1>Page not found</h1>")
        return Response(200, {"Content-Type": "text/html; charset=utf-8"}, page.body())


def _json(status: int, value: Any) -> Response:
    return Response(status, dict(_JSON), json.dumps(value).encode())


def mount_venue_pages(emulator: Emulator, world: VenueWorld) -> tuple[str, dict[str, str]]:
    """Serve `world`; returns OpenReview's API base URL and the host map of NeurIPS's hosts."""
    served = _Served(world)
    emulator.mount(OPENREVIEW_HOST, served.notes, prefix="/notes")
    for host in NEURIPS_HOSTS:
        emulator.mount(host, served.page, prefix="/")
    host_map = {host: f"{emulator.address(host)}:{emulator.port}" for host in NEURIPS_HOSTS}
    return emulator.base_url(OPENREVIEW_HOST), host_map
