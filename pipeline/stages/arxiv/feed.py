"""Requests and answers of the arXiv API: query URLs, Atom feeds, records.

Parsing is the `arxiv` package's (`arxiv._feed.parse`, which builds
`arxiv.Result` objects); what it cannot tell us we check here first: a 200
HTML page parses as an empty feed with `totalResults` 0, exactly like "not
found" (API-NOTES.md §1), so `parse_feed` accepts only a document whose root
is an Atom `<feed>` carrying `opensearch:totalResults`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

import arxiv
from arxiv import _feed
from lxml import etree

from pipeline.model import ArxivRecord, FetchStatus

__all__ = [
    "MAX_URL_LENGTH",
    "Feed",
    "error_feed_message",
    "id_query_url",
    "is_withdrawn",
    "parse_feed",
    "record_from_result",
    "split_version",
    "title_query_urls",
]

# arXiv answers 414 somewhere past 700 ids (~8 KB); stay well below any proxy's limit.
MAX_URL_LENGTH = 4000
# Results asked for per title in a combined search: the right paper is near the top.
_RESULTS_PER_TITLE = 10
_MAX_RESULTS = 2000  # the API's page limit (API-NOTES.md §2)

_ATOM = "{http://www.w3.org/2005/Atom}"
_NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "opensearch": "http://a9.com/-/spec/opensearch/1.1/",
}
_VERSION = re.compile(r"^(?P<id>.+?)(?:v(?P<version>\d+))?$")
_WITHDRAWN_COMMENT = re.compile(r"\bwithdrawn\b", re.IGNORECASE)
_WITHDRAWN_SUMMARY = re.compile(r"^\s*this (paper|article|submission) has been withdrawn", re.I)


@dataclass(frozen=True)
class Feed:
    """A page of API results whose `totalResults` was read from a real Atom feed."""

    total: int
    results: list[arxiv.Result]


def _root(body: bytes) -> etree._Element | None:
    # The same hardening as the package's own parser; never recover: broken means unusable.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError:
        return None


def parse_feed(body: bytes) -> Feed | None:
    """The results of an Atom answer, or None when the body is not an arXiv feed."""
    root = _root(body)
    if root is None or root.tag != f"{_ATOM}feed":
        return None
    total = root.findtext("opensearch:totalResults", namespaces=_NS)
    if total is None or not total.strip().isdigit():
        return None
    parsed = _feed.parse(body)
    return Feed(total=int(total), results=parsed.results)


def error_feed_message(body: bytes) -> str | None:
    """The message of a 400 error feed ("incorrect id format for abc"), else None."""
    root = _root(body)
    if root is None:
        return None
    for entry in root.iterfind("atom:entry", _NS):
        if "/api/errors" in (entry.findtext("atom:id", namespaces=_NS) or ""):
            return (entry.findtext("atom:summary", namespaces=_NS) or "").strip() or None
    return None


def split_version(short_id: str) -> tuple[str, int | None]:
    """('2305.11175', 2) from '2305.11175v2'; the version is None when absent."""
    match = _VERSION.match(short_id)
    assert match is not None  # the pattern matches any non-empty string
    version = match["version"]
    return match["id"], int(version) if version else None


def is_withdrawn(result: arxiv.Result) -> bool:
    """True when the comment or the abstract says the paper was withdrawn."""
    return bool(
        (result.comment and _WITHDRAWN_COMMENT.search(result.comment))
        or _WITHDRAWN_SUMMARY.match(result.summary or "")
    )


def record_from_result(
    result: arxiv.Result,
    *,
    now: datetime,
    resolved_by: str = "link",
    score: float | None = None,
) -> ArxivRecord:
    """Our `ArxivRecord` from the package's `Result`."""
    arxiv_id, version = split_version(result.get_short_id())
    abs_url = next((link.href for link in result.links if link.rel == "alternate"), None)
    return ArxivRecord(
        arxiv_id=arxiv_id,
        version=version,
        title=result.title,
        authors=[author.name for author in result.authors],
        published=result.published,
        updated=result.updated,
        primary_category=result.primary_category or None,
        categories=list(result.categories),
        comment=result.comment,
        journal_ref=result.journal_ref,
        doi=result.doi,
        abs_url=abs_url or f"https://arxiv.org/abs/{arxiv_id}",
        pdf_url=result.pdf_url,
        withdrawn=is_withdrawn(result),
        resolved_by=resolved_by,
        match_score=score,
        fetched_at=now,
        status=FetchStatus.OK,
    )


def id_query_url(base: str, ids: list[str]) -> str:
    """The query for a batch of ids (unversioned: the API answers with the latest version)."""
    query = {"id_list": ",".join(ids), "start": 0, "max_results": len(ids)}
    return f"{base}?{urlencode(query)}"


def _title_url(base: str, phrases: list[str]) -> str:
    search = " OR ".join(f'ti:"{phrase}"' for phrase in phrases)
    max_results = min(_MAX_RESULTS, _RESULTS_PER_TITLE * len(phrases))
    return f"{base}?{urlencode({'search_query': search, 'start': 0, 'max_results': max_results})}"


def title_query_urls(
    base: str, phrases: list[str], *, max_length: int = MAX_URL_LENGTH
) -> list[tuple[str, list[str]]]:
    """OR-combined title searches, as few as fit under `max_length`, each with its phrases."""
    batches: list[tuple[str, list[str]]] = []
    current: list[str] = []
    for phrase in phrases:
        if current and len(_title_url(base, [*current, phrase])) > max_length:
            batches.append((_title_url(base, current), current))
            current = []
        current.append(phrase)
    if current:
        batches.append((_title_url(base, current), current))
    return batches
