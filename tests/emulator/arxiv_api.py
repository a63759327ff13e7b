"""The arXiv API on loopback: GET /api/query with id_list and/or search_query.

Answers are shaped like the recordings in shared/reference/arxiv/ (the
arxiv-search "classic_api" serializer): entries in an order other than asked,
unversioned ids answered with the latest version, unknown ids simply absent,
a 400 error feed for malformed ids and bad parameters. Switches on `ArxivWorld`
make it misbehave: `min_interval` (a client asking faster gets `limit_status`
with Retry-After), `fault` ("503", "429", "stall", "html") for the first
`fault_count` requests (None: all of them).

    world = seed_arxiv_world(Path("data/awesome-list.md"))
    api = mount_arxiv(emulator, world)
    settings = Settings(arxiv_api_url=arxiv_url(emulator))
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from xml.sax.saxutils import escape, quoteattr

from tests.emulator.server import Emulator, Request, Response

__all__ = [
    "ARXIV_HOST",
    "ArxivApi",
    "ArxivWorld",
    "Paper",
    "arxiv_url",
    "mount_arxiv",
]

ARXIV_HOST = "export.arxiv.org"
_NOW = datetime(2026, 4, 12, 22, 9, 26, tzinfo=UTC)
_ID = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})(?:v(\d+))?$")
_TERM = re.compile(r'(?P<field>ti|all|abs|au):(?P<value>"[^"]*"|[^\s()"]+)|(?P<op>AND|OR|ANDNOT)')
_MAINTENANCE = (
    b"<!DOCTYPE html><html><head><title>arXiv is down for maintenance</title></head>"
    b"<body><h1>We are performing scheduled maintenance</h1></body></html>"
)


@dataclass
class Paper:
    """One arXiv paper in the world, with all its versions."""

    arxiv_id: str  # without version
    title: str
    versions: int = 1
    authors: list[str] = field(default_factory=lambda: ["A. Author", "B. Author"])
    published: datetime = _NOW - timedelta(days=400)
    summary: str = "We present a method for pixel-level understanding with language models."
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    primary_category: str = "cs.CV"
    categories: list[str] = field(default_factory=lambda: ["cs.CV", "cs.CL"])

    def updated(self, version: int) -> datetime:
        """When `version` appeared: v1 is `published`, then one every 30 days."""
        return self.published + timedelta(days=30 * (version - 1))


@dataclass
class ArxivWorld:
    """The papers arXiv knows, and how the API behaves this time."""

    papers: dict[str, Paper] = field(default_factory=dict)
    min_interval: float = 0.0  # a request sooner than this after the previous one is refused
    limit_status: int = 429
    retry_after: str | None = "1"
    fault: str | None = None  # "503", "429", "stall", "html"
    fault_count: int | None = None  # the first N requests misbehave; None: all

    def add(self, paper: Paper) -> Paper:
        """Put `paper` in the world (replacing one with the same id)."""
        self.papers[paper.arxiv_id] = paper
        return paper


def _words(text: str) -> list[str]:
    # Roughly Elasticsearch's standard analyzer plus a plural stemmer.
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return [w[:-1] if len(w) > 3 and w.endswith("s") else w for w in re.findall(r"[0-9a-z]+", text)]


def _phrase_in(phrase: str, title: str) -> bool:
    want, have = _words(phrase), _words(title)
    return bool(want) and any(
        have[i : i + len(want)] == want for i in range(len(have) - len(want) + 1)
    )


class _BadRequest(Exception):
    pass


class ArxivApi:
    """The handler for /api/query; counts requests and remembers the last arrival."""

    def __init__(self, world: ArxivWorld) -> None:
        self.world = world
        self.count = 0
        self._last: float | None = None
        self._lock = threading.Lock()

    def __call__(self, request: Request) -> Response:
        with self._lock:
            self.count += 1
            too_soon = (
                self._last is not None and request.time - self._last < self.world.min_interval
            )
            self._last = request.time
            faulty = self.world.fault is not None and (
                self.world.fault_count is None or self.count <= self.world.fault_count
            )
        if faulty:
            return self._fault(self.world.fault or "")
        if too_soon:
            headers = {"Retry-After": self.world.retry_after} if self.world.retry_after else {}
            return Response(self.world.limit_status, headers, b"Rate exceeded.\n")
        try:
            return self._answer(request)
        except _BadRequest as exc:
            return _atom(400, _error_feed(str(exc)))

    def _fault(self, fault: str) -> Response:
        if fault == "stall":
            return Response(fault="hang")
        if fault == "html":
            return Response(200, {"Content-Type": "text/html; charset=utf-8"}, _MAINTENANCE)
        status = int(fault)
        headers = {"Retry-After": self.world.retry_after} if self.world.retry_after else {}
        return Response(status, headers, b"Service temporarily unavailable\n")

    def _answer(self, request: Request) -> Response:
        query = {k: v[-1] for k, v in request.query.items()}
        start = _non_negative(query.get("start", "0"), "start")
        max_results = _non_negative(query.get("max_results", "10"), "max_results")
        if max_results > 30000:
            raise _BadRequest("max_results must be <= 30000")
        found = self._by_ids(query["id_list"]) if query.get("id_list") else None
        search = query.get("search_query", "")
        if search:
            found = self._search(search, found)
        matches = found or []
        page = matches[start : start + max_results]
        return _atom(200, _feed(query, page, total=len(matches), per_page=max_results))

    def _by_ids(self, id_list: str) -> list[tuple[Paper, int]]:
        found = []
        for item in id_list.split(","):
            match = _ID.match(item.strip())
            if not match:
                raise _BadRequest(f"incorrect id format for {item}")
            paper = self.world.papers.get(re.sub(r"v\d+$", "", item.strip()))
            version = int(match[1]) if match[1] else paper.versions if paper else 0
            if paper is not None and version <= paper.versions:
                found.append((paper, version))
        # The real API sorts by relevance, not by the order asked: a stable shuffle.
        return sorted(found, key=lambda pv: hashlib.sha1(pv[0].arxiv_id.encode()).hexdigest())

    def _search(
        self, search: str, within: list[tuple[Paper, int]] | None
    ) -> list[tuple[Paper, int]]:
        if search.count('"') % 2:
            raise _BadRequest(f"Invalid query string: '{search}'")
        terms = [m for m in _TERM.finditer(search) if m["field"]]
        if not terms:
            raise _BadRequest(f"Invalid query string: '{search}'")
        need_all = " AND " in search
        pool = (
            within if within is not None else [(p, p.versions) for p in self.world.papers.values()]
        )

        def hits(paper: Paper) -> bool:
            tests = [
                _phrase_in(
                    t["value"].strip('"'),
                    paper.title if t["field"] == "ti" else paper.title + " " + paper.summary,
                )
                for t in terms
            ]
            return all(tests) if need_all else any(tests)

        return [pv for pv in pool if hits(pv[0])]


def _non_negative(value: str, name: str) -> int:
    if not value.lstrip("-").isdigit():
        raise _BadRequest(f"{name} must be an integer")
    if int(value) < 0:
        raise _BadRequest(f"{name} must be non-negative")
    return int(value)


def _atom(status: int, body: str) -> Response:
    return Response(status, {"Content-Type": "application/atom+xml; charset=utf-8"}, body.encode())


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _feed(
    query: dict[str, str], page: list[tuple[Paper, int]], *, total: int, per_page: int
) -> str:
    # The real feed echoes the query unencoded (commas and colons as sent, decoded).
    canonical = (
        f"search_query={query.get('search_query', '')}&id_list={query.get('id_list', '')}"
        f"&start={query.get('start', '0')}&max_results={per_page}"
    )
    link = (
        f"https://arxiv.org/api/query?search_query={query.get('search_query', '')}"
        f"&start={query.get('start', '0')}&max_results={per_page}"
        f"&id_list={query.get('id_list', '')}"
    )
    digest = base64.b64encode(hashlib.sha1(canonical.encode()).digest()).decode()[:27]
    entries = "".join(_entry(paper, version) for paper, version in page)
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">\n'
        f"  <id>https://arxiv.org/api/{digest}</id>\n"
        f"  <title>arXiv Query: {escape(canonical)}</title>\n"
        f"  <updated>{_stamp(_NOW)}</updated>\n"
        f'  <link href={quoteattr(link)} type="application/atom+xml"/>\n'
        f"  <opensearch:itemsPerPage>{per_page}</opensearch:itemsPerPage>\n"
        f"  <opensearch:totalResults>{total}</opensearch:totalResults>\n"
        f"  <opensearch:startIndex>{query.get('start', '0')}</opensearch:startIndex>\n"
        f"{entries}</feed>\n"
    )


def _entry(paper: Paper, version: int) -> str:
    vid = f"{paper.arxiv_id}v{version}"
    parts = [
        "  <entry>\n",
        f"    <id>http://arxiv.org/abs/{vid}</id>\n",
        f"    <title>{escape(paper.title)}</title>\n",
        f"    <updated>{_stamp(paper.updated(version))}</updated>\n",
        f'    <link href="https://arxiv.org/abs/{vid}" rel="alternate" type="text/html"/>\n',
        f'    <link href="https://arxiv.org/pdf/{vid}" rel="related" type="application/pdf"'
        ' title="pdf"/>\n',
        f"    <summary>{escape(paper.summary)}</summary>\n",
        *(
            f'    <category term="{c}" scheme="http://arxiv.org/schemas/atom"/>\n'
            for c in paper.categories
        ),
        f"    <published>{_stamp(paper.published)}</published>\n",
    ]
    if paper.comment:
        parts.append(f"    <arxiv:comment>{escape(paper.comment)}</arxiv:comment>\n")
    parts.append(f'    <arxiv:primary_category term="{paper.primary_category}"/>\n')
    if paper.journal_ref:
        parts.append(f"    <arxiv:journal_ref>{escape(paper.journal_ref)}</arxiv:journal_ref>\n")
    parts += [
        f"    <author>\n      <name>{escape(a)}</name>\n    </author>\n" for a in paper.authors
    ]
    if paper.doi:
        parts.append(f"    <arxiv:doi>{escape(paper.doi)}</arxiv:doi>\n")
        parts.append(
            f'    <link rel="related" href="https://doi.org/{escape(paper.doi)}" title="doi"/>\n'
        )
    parts.append("  </entry>\n")
    return "".join(parts)


def _error_feed(message: str) -> str:
    anchor = "https://arxiv.org/api/errors#" + re.sub(r"\W+", "_", message)
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">\n'
        "  <id>https://arxiv.org/</id>\n  <title>arXiv Search Results</title>\n"
        f"  <updated>{_stamp(_NOW)}</updated>\n"
        "  <opensearch:itemsPerPage>1</opensearch:itemsPerPage>\n"
        "  <opensearch:totalResults>1</opensearch:totalResults>\n"
        "  <opensearch:startIndex>0</opensearch:startIndex>\n"
        f"  <entry>\n    <id>{escape(anchor)}</id>\n    <title>Error</title>\n"
        f"    <updated>{_stamp(_NOW)}</updated>\n"
        f'    <link href={quoteattr(anchor)} rel="alternate" type="text/html"/>\n'
        f"    <summary>{escape(message)}</summary>\n"
        "    <author>\n      <name>arXiv api core</name>\n    </author>\n  </entry>\n</feed>\n"
    )


def mount_arxiv(emulator: Emulator, world: ArxivWorld) -> ArxivApi:
    """Serve `world` as the arXiv API on the emulator's `export.arxiv.org` host."""
    api = ArxivApi(world)
    emulator.mount(ARXIV_HOST, api, prefix="/api/")
    return api


def arxiv_url(emulator: Emulator) -> str:
    """The value for Settings.arxiv_api_url (ARXIV_API_URL) pointing at the emulator."""
    return emulator.url(ARXIV_HOST, "/api/query")
