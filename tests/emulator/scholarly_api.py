"""The scholarly graph on loopback: Semantic Scholar, Hugging Face papers, the Wayback Machine.

Shapes follow ../shared/reference/SCHOLARLY.md, failures included:

- S2 `POST /graph/v1/paper/batch`: a JSON array aligned with the ids, `null`
  for an unknown one; more than 500 ids is a 400; `GET /paper/search/match`
  gives `{"data": [best]}` or a 404 `{"error": "Title match not found"}`;
  `refuse=N` answers the next N calls with a 429 that has no Retry-After and
  S2's `{"message": ..., "code": "429"}` body; a wrong `x-api-key` is a 403.
- S2 `GET /paper/<id>` (a paperId, `ARXIV:<id>` or `DOI:<doi>`): the record
  with `authors`, or a 404; `GET /paper/<id>/references` and `/citations`:
  `{"offset", "next", "data": [{"citedPaper"|"citingPaper": {...}}]}`, pages
  of `limit` (default 100, at most 1000), `next` absent on the last page, a
  400 when `offset + limit` reaches 10,000 (S2's documented ceiling).
- HF `GET /api/papers/<id>`: the paper's fields, or a 404.
- Wayback `GET /cdx/search/cdx`: the header row then rows (`limit=-N` the
  last N, `to=` a bound, `filter=statuscode:200`), or `[]`; `GET
  /wayback/available`: `{"archived_snapshots": {"closest": ...}}` or `{}`,
  with `false_negatives` answering `{}` for pages that are archived;
  `refuse=N` gives 429s.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from rapidfuzz import fuzz

from tests.emulator.server import Emulator, Request, Response, delayed

__all__ = [
    "ArchiveWorld",
    "HfWorld",
    "S2Paper",
    "S2World",
    "mount_archive",
    "mount_hf",
    "mount_s2",
]

S2_HOST = "api.semanticscholar.org"
HF_HOST = "huggingface.co"
CDX_HOST = "web.archive.org"
AVAILABLE_HOST = "archive.org"
_JSON = {"Content-Type": "application/json"}
_NON_WORD = re.compile(r"[^0-9a-z]+")


def _json(status: int, value: Any) -> Response:
    return Response(status, dict(_JSON), json.dumps(value).encode())


@dataclass
class S2Paper:
    """One paper as S2 knows it."""

    paper_id: str
    title: str
    arxiv_id: str | None = None
    doi: str | None = None
    dblp: str | None = None
    year: int | None = None
    venue: str = "arXiv.org"
    publication_venue: dict[str, Any] | None = None
    citations: int = 0
    influential: int = 0
    authors: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)  # paperIds of the papers it cites

    def record(self) -> dict[str, Any]:
        """The paper in the batch's shape (every field the pipeline asks for)."""
        ids: dict[str, Any] = {"CorpusId": int(self.paper_id[-6:], 16)}
        if self.arxiv_id:
            ids["ArXiv"] = self.arxiv_id
        if self.doi:
            ids["DOI"] = self.doi
        if self.dblp:
            ids["DBLP"] = self.dblp
        return {
            "paperId": self.paper_id,
            "externalIds": ids,
            "title": self.title,
            "venue": self.venue,
            "publicationVenue": self.publication_venue,
            "year": self.year,
            "publicationDate": f"{self.year}-06-01" if self.year else None,
            "citationCount": self.citations,
            "influentialCitationCount": self.influential,
            "journal": None,
        }


@dataclass
class S2World:
    """Papers by id; switches for refusals, outages and a key."""

    papers: list[S2Paper] = field(default_factory=list)
    refuse: int = 0  # the next N calls answer 429 with no Retry-After
    fail_status: int | None = None  # every call answers this (e.g. 503)
    key: str | None = None  # when set, a request with another x-api-key gets 403
    match_floor: float = 70.0  # S2's match is fuzzy: below this it finds nothing

    def citing(self, paper: S2Paper) -> list[S2Paper]:
        """The papers whose references include `paper`, in world order."""
        return [p for p in self.papers if paper.paper_id in p.references]

    def by_id(self, s2_id: str) -> S2Paper | None:
        """The paper for `ARXIV:<id>`, `DOI:<doi>` or a paperId."""
        kind, _, value = s2_id.partition(":")
        for paper in self.papers:
            if (kind.upper() == "ARXIV" and paper.arxiv_id == value) or (
                kind.upper() == "DOI" and paper.doi and paper.doi.lower() == value.lower()
            ):
                return paper
            if not value and paper.paper_id == s2_id:
                return paper
        return None


class _S2Api:
    def __init__(self, world: S2World) -> None:
        self.world = world
        self._lock = threading.Lock()

    def __call__(self, request: Request) -> Response:
        world = self.world
        with self._lock:
            if world.refuse > 0:
                world.refuse -= 1
                message = (
                    "Too Many Requests. Please wait and try again or apply for a key for "
                    "higher rate limits. https://www.semanticscholar.org/product/api#api-key-form"
                )
                return _json(429, {"message": message, "code": "429"})
        if world.fail_status is not None:
            return _json(world.fail_status, {"message": "Internal Server Error"})
        if world.key is not None and request.headers.get("x-api-key") != world.key:
            return _json(403, {"message": "Forbidden"})
        if request.path.endswith("/paper/batch") and request.method == "POST":
            return self._batch(request)
        if request.path.endswith("/paper/search/match"):
            return self._match(request.query.get("query", [""])[0])
        if request.method == "GET" and "/paper/" in request.path:
            return self._paper(request)
        return _json(404, {"error": "Requested resource not found"})

    def _paper(self, request: Request) -> Response:
        s2_id, what = unquote(request.path.split("/paper/", 1)[1]), ""
        for suffix in ("/references", "/citations"):
            if s2_id.endswith(suffix):
                s2_id, what = s2_id.removesuffix(suffix), suffix[1:]
        paper = self.world.by_id(s2_id)
        if paper is None:
            return _json(404, {"error": "Paper not found"})
        if not what:
            return _json(200, {**paper.record(), "authors": _authors(paper)})
        try:
            offset = int(request.query.get("offset", ["0"])[0])
            limit = int(request.query.get("limit", ["100"])[0])
        except ValueError:
            return _json(400, {"error": "offset and limit must be integers"})
        if limit > 1000 or limit < 1 or offset < 0:
            return _json(400, {"error": "limit must be <= 1000"})
        if offset + limit >= 10_000:
            return _json(400, {"error": "offset + limit must be < 10000"})
        if what == "references":
            others = [p for pid in paper.references if (p := self.world.by_id(pid))]
            key = "citedPaper"
        else:
            others = self.world.citing(paper)
            key = "citingPaper"
        page = others[offset : offset + limit]
        body: dict[str, Any] = {
            "offset": offset,
            "data": [{key: _brief(p)} for p in page],
        }
        if offset + limit < len(others):
            body["next"] = offset + limit
        return _json(200, body)

    def _batch(self, request: Request) -> Response:
        try:
            ids = json.loads(request.body)["ids"]
        except (ValueError, KeyError, TypeError):
            return _json(400, {"error": "Unacceptable JSON body"})
        if len(ids) > 500:
            return _json(400, {"error": "Cannot process more than 500 ids"})
        papers = [self.world.by_id(str(i)) for i in ids]
        return _json(200, [paper.record() if paper else None for paper in papers])

    def _match(self, query: str) -> Response:
        def words(text: str) -> str:
            return _NON_WORD.sub(" ", text.lower()).strip()

        best = max(
            self.world.papers, key=lambda p: fuzz.ratio(words(p.title), words(query)), default=None
        )
        if best is None or fuzz.ratio(words(best.title), words(query)) < self.world.match_floor:
            return _json(404, {"error": "Title match not found"})
        score = fuzz.ratio(words(best.title), words(query))
        return _json(200, {"data": [{**best.record(), "matchScore": score}]})


def _authors(paper: S2Paper) -> list[dict[str, Any]]:
    return [{"authorId": str(i + 1), "name": name} for i, name in enumerate(paper.authors)]


def _brief(paper: S2Paper) -> dict[str, Any]:
    """A paper as the references and citations endpoints give it (the fields asked for)."""
    record = paper.record()
    return {
        "paperId": paper.paper_id,
        "externalIds": record["externalIds"],
        "title": paper.title,
        "year": paper.year,
        "publicationDate": record["publicationDate"],
        "venue": paper.venue,
    }


def mount_s2(emulator: Emulator, world: S2World, latency: float = 0.0) -> str:
    """Serve `world` as Semantic Scholar's Graph API; returns the API's base URL."""
    emulator.mount(S2_HOST, delayed(_S2Api(world), latency), prefix="/graph/v1/")
    return emulator.url(S2_HOST, "/graph/v1")


@dataclass
class HfWorld:
    """Hugging Face paper pages by arXiv id (the fields the pipeline reads)."""

    papers: dict[str, dict[str, Any]] = field(default_factory=dict)
    fail_status: int | None = None


def mount_hf(emulator: Emulator, world: HfWorld, latency: float = 0.0) -> str:
    """Serve `world` as huggingface.co's papers API; returns the API's base URL (…/api)."""

    def handler(request: Request) -> Response:
        if world.fail_status is not None:
            return _json(world.fail_status, {"error": "Service unavailable"})
        arxiv_id = request.path.removeprefix("/api/papers/")
        paper = world.papers.get(arxiv_id)
        if paper is None:
            return _json(404, {"error": "Paper not found"})
        return _json(200, {"id": arxiv_id, "title": f"Paper {arxiv_id}", "upvotes": 3, **paper})

    emulator.mount(HF_HOST, delayed(handler, latency), prefix="/api/papers/")
    return emulator.url(HF_HOST, "/api")


@dataclass
class ArchiveWorld:
    """Captures by original URL: (timestamp, status) pairs."""

    captures: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    false_negatives: set[str] = field(default_factory=set)  # availability answers {} for these
    refuse: int = 0  # the next N calls answer 429
    fail_status: int | None = None
    cdx_status: int | None = None  # CDX alone answers this (the availability API still works)


class _Archive:
    def __init__(self, world: ArchiveWorld) -> None:
        self.world = world
        self._lock = threading.Lock()

    def _refused(self) -> Response | None:
        with self._lock:
            if self.world.refuse > 0:
                self.world.refuse -= 1
                return Response(429, {"Content-Type": "text/html"}, b"<h1>Too Many Requests</h1>")
        if self.world.fail_status is not None:
            return Response(self.world.fail_status, {}, b"<h1>Service Unavailable</h1>")
        return None

    def cdx(self, request: Request) -> Response:
        refused = self._refused()
        if refused is not None:
            return refused
        if self.world.cdx_status is not None:
            return Response(self.world.cdx_status, {}, b"<h1>Service Unavailable</h1>")
        query = {k: v[0] for k, v in request.query.items()}
        rows = sorted(self.world.captures.get(query.get("url", ""), []))
        if query.get("filter") == "statuscode:200":
            rows = [r for r in rows if r[1] == "200"]
        if query.get("to"):
            rows = [r for r in rows if r[0] <= query["to"].ljust(14, "9")]
        limit = int(query.get("limit", "0") or 0)
        rows = rows[limit:] if limit < 0 else rows[:limit] if limit > 0 else rows
        if not rows:
            return _json(200, [])
        header = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]
        body = [header] + [
            ["key", stamp, query["url"], "text/html", status, "DIGEST", "1234"]
            for stamp, status in rows
        ]
        return _json(200, body)

    def available(self, request: Request) -> Response:
        refused = self._refused()
        if refused is not None:
            return refused
        url = request.query.get("url", [""])[0]
        bound = request.query.get("timestamp", ["99999999999999"])[0]
        good = [stamp for stamp, status in self.world.captures.get(url, []) if status == "200"]
        if not good or url in self.world.false_negatives:
            return _json(200, {"url": url, "archived_snapshots": {}})
        # "closest" may be after the bound: the API picks the nearest either way.
        stamp = min(good, key=lambda s: abs(int(s) - int(bound.ljust(14, "0"))))
        closest = {
            "status": "200",
            "available": True,
            "url": f"http://web.archive.org/web/{stamp}/{url}",
            "timestamp": stamp,
        }
        return _json(200, {"url": url, "archived_snapshots": {"closest": closest}})


def mount_archive(emulator: Emulator, world: ArchiveWorld, latency: float = 0.0) -> tuple[str, str]:
    """Serve `world` as the Wayback Machine; returns (CDX URL, availability URL)."""
    archive = _Archive(world)
    emulator.mount(CDX_HOST, delayed(archive.cdx, latency), prefix="/cdx/")
    emulator.mount(AVAILABLE_HOST, delayed(archive.available, latency), prefix="/wayback/")
    return (
        emulator.url(CDX_HOST, "/cdx/search/cdx"),
        emulator.url(AVAILABLE_HOST, "/wayback/available"),
    )
