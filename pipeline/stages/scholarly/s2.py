"""Talking to the Semantic Scholar Graph API: the batch lookup and the title match.

Facts we rely on (../shared/reference/SCHOLARLY.md): the batch answer is a
JSON array in request order, `null` for an id S2 does not know, at most 500
ids a call; a title with no match is a 404 `{"error": "Title match not found"}`;
a refusal is a 429 with no `Retry-After` (the net layer backs off with jitter
within the retry budget). A key goes in `x-api-key` and allows one request a
second on every endpoint, which is the pace we keep with or without one.

After the first call that gets no usable answer (down, refused after retries,
an answer of the wrong shape) S2 counts as down for the rest of the run: the
papers it was not asked about stay unverified, and nothing is judged on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pipeline.context import RunContext
from pipeline.model import FetchStatus, ScholarlyRecord
from pipeline.net import FetchError
from pipeline.stages.scholarly.venues import read_venue

__all__ = ["FIELDS", "NO_MATCH", "S2Api", "record_from_s2"]

FIELDS = (
    "title,venue,publicationVenue,year,publicationDate,externalIds,"
    "citationCount,influentialCitationCount"
)


@dataclass(frozen=True)
class _NoMatch:
    """S2 answered: no paper has that title."""


NO_MATCH = _NoMatch()


class S2Api:
    """Semantic Scholar for one run (requests counted in ctx.counters['requests:s2'])."""

    def __init__(self, ctx: RunContext) -> None:
        self._ctx = ctx
        self._net = ctx.net
        self._base = ctx.settings.s2_api_url
        self._net.configure_host(self._base, concurrency=1, interval=ctx.settings.s2_interval)
        key = ctx.settings.s2_api_key
        self._headers = {"x-api-key": key.get_secret_value()} if key else {}
        self.down: str | None = (
            None if ctx.reachable(self._base) else "unreachable"
        )  # why S2 is considered down, once it is

    async def _call(self, method: str, url: str, **kwargs: Any) -> tuple[int, Any] | None:
        """(status, parsed JSON) of one call, or None (and `down` set) when there was no answer."""
        if self.down:
            return None
        # Counted by this call's own attempts: two stages may ask S2 at once (the scholarly
        # stage's optional lookups beside the candidates stage's citations).
        try:
            fetched = await self._net.fetch(method, url, headers=self._headers, **kwargs)
        except FetchError as exc:
            self._ctx.counters["requests:s2"] += exc.attempts
            self.down = exc.failure.value
            return None
        self._ctx.counters["requests:s2"] += fetched.attempts
        try:
            body = fetched.json()
        except ValueError:
            body = None
        return fetched.status, body

    async def get(self, path: str, params: dict[str, Any]) -> tuple[int, Any] | None:
        """(status, parsed JSON) of a GET under the Graph API (`/paper/ARXIV:…/references`),
        None when unanswered (and `down` set)."""
        return await self._call("GET", f"{self._base}{path}", params=params)

    async def fetch_batch(self, ids: list[str]) -> list[dict[str, Any] | None] | None:
        """Records aligned with `ids` (None for an id S2 does not know), or None if unanswered."""
        answer = await self._call(
            "POST", f"{self._base}/paper/batch", params={"fields": FIELDS}, json={"ids": ids}
        )
        if answer is None:
            return None
        status, body = answer
        if status != 200 or not isinstance(body, list) or len(body) != len(ids):
            # A 400, a 403 (bad key) or a misaligned answer: nothing in it can be trusted.
            self.down = f"HTTP {status}" if status != 200 else "answer was not an aligned list"
            return None
        return [item if isinstance(item, dict) else None for item in body]

    async def match_title(self, title: str) -> dict[str, Any] | _NoMatch | None:
        """S2's best match for `title`, NO_MATCH when it has none, None when unanswered."""
        answer = await self._call(
            "GET", f"{self._base}/paper/search/match", params={"query": title, "fields": FIELDS}
        )
        if answer is None:
            return None
        status, body = answer
        if status == 404 and isinstance(body, dict) and "error" in body:
            return NO_MATCH
        data = body.get("data") if status == 200 and isinstance(body, dict) else None
        if not isinstance(data, list):
            self.down = f"HTTP {status}" if status != 200 else "answer had no data"
            return None
        first = data[0] if data else None
        return first if isinstance(first, dict) else NO_MATCH


def record_from_s2(
    data: dict[str, Any], matched_by: str, now: datetime, score: float | None = None
) -> ScholarlyRecord:
    """Our record of an S2 paper: every field checked for its type, unreadable ones empty."""
    name, short, kind = read_venue(data)
    ids = data.get("externalIds") if isinstance(data.get("externalIds"), dict) else {}

    def count(field: str) -> int | None:
        value = data.get(field)
        return value if isinstance(value, int) and value >= 0 else None

    year = data.get("year")
    return ScholarlyRecord(
        paper_id=str(data.get("paperId") or "") or None,
        matched_by=matched_by,
        match_score=score,
        title=str(data.get("title") or "") or None,
        venue=name,
        venue_type=kind,
        venue_short=short,
        year=year if isinstance(year, int) else None,
        publication_date=str(data.get("publicationDate") or "") or None,
        doi=str(ids.get("DOI") or "") or None,
        dblp_key=str(ids.get("DBLP") or "") or None,
        arxiv_id=str(ids.get("ArXiv") or "") or None,
        citation_count=count("citationCount"),
        influential_citation_count=count("influentialCitationCount"),
        citations_read_at=now,
        fetched_at=now,
        status=FetchStatus.OK,
    )
