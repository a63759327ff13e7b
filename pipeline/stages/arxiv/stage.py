"""The arXiv stage: batched metadata for every linked id, a title search for the rest.

1. Every arXiv id the list links is looked up, unversioned, `arxiv_batch_size`
   (up to 100) per request; a record cached less than `arxiv_ttl_days` ago is
   not asked again. The first batch may have gone out while the list was still
   parsed (`ids.IdLookup`, started by the runner).
2. Entries with no arXiv link are searched by title, many titles per request
   (`ti:"..." OR ti:"..."`, URLs kept under 4000 characters) and matched back
   by `arxiv_match.best_match`: at or above `title_match_threshold` (default
   90, see arxiv_match) the record is attached; a lower candidate is only a
   `title-match-suggestion`.
3. Findings: title-mismatch, venue-update, withdrawn, new-version,
   nonexistent-arxiv-id, resolved-by-title, title-match-suggestion.
4. An arXiv link whose id the API returned gets `Link.health` (ok, or dead
   for an id the API does not have), verified_by "arxiv-api", so the links
   stage sends it no request.

An id is called missing only when the API answered with a complete Atom feed
(`totalResults` counted) without it. When the API could not be asked (down,
stalled, 429/503 after retries, an HTML page) records are kept from the
previous catalog or the cache as `stale` (`unverified` when there is none),
link health is left to the links stage, and nothing is called missing.
"""

from __future__ import annotations

from pydantic import ValidationError

from pipeline.context import RunContext
from pipeline.model import (
    ArxivRecord,
    Catalog,
    Entry,
    FetchStatus,
    Finding,
    Link,
    LinkHealth,
    LinkKind,
    Verdict,
)
from pipeline.stages.arxiv.client import ArxivApi
from pipeline.stages.arxiv.feed import record_from_result
from pipeline.stages.arxiv.findings import (
    nonexistent_id_finding,
    record_findings,
    resolved_by_title_finding,
    suggestion_finding,
)
from pipeline.stages.arxiv.ids import KIND, IdLookup, Known, cached
from pipeline.stages.arxiv.match import SUGGESTION_FLOOR, best_match, normalize_title, query_title

__all__ = ["fetch_arxiv"]

STAGE_NAME = "arxiv"


def _linked_ids(catalog: Catalog) -> list[str]:
    ids = (link.arxiv_id for _, link in catalog.iter_links() if link.arxiv_id)
    return list(dict.fromkeys(ids))


def _lookup(ctx: RunContext) -> IdLookup:
    """The run's id lookup: the one the run started while the list was parsed, else a new one."""
    started = ctx.started.pop(STAGE_NAME, None)
    return started if isinstance(started, IdLookup) else IdLookup(ctx)


def _searched_titles(catalog: Catalog, known: Known) -> list[Entry]:
    def unresolved(entry: Entry) -> bool:
        record = known.records.get(entry.arxiv_id or "")
        return entry.arxiv_id is None or (
            record is not None and record.status is FetchStatus.NOT_FOUND
        )

    # A title the parser only guessed would search arXiv for a phrase no paper has.
    return [e for e in catalog.entries if unresolved(e) and "title" not in e.uncertain]


def _title_hit(value: dict) -> tuple[ArxivRecord | None, float] | None:
    """A cached title search (record, score), or None when the record does not parse."""
    record, score = value.get("record"), value.get("score")
    if not isinstance(score, int | float):
        return None
    try:
        return (ArxivRecord.model_validate(record) if record else None), float(score)
    except ValidationError:
        return None


async def _search_titles(
    entries: list[Entry], api: ArxivApi | None, ctx: RunContext, known: Known
) -> None:
    phrases: dict[str, str] = {}  # phrase -> the title it came from
    for entry in entries:
        norm = normalize_title(entry.title)
        value, fresh = cached(ctx, f"title:{norm}")
        hit = _title_hit(value) if value is not None and fresh else None
        if hit is not None:
            known.titles[norm] = hit
            ctx.counters["cache_hits"] += 1
        elif norm not in known.titles and norm:
            phrases.setdefault(query_title(entry.title), entry.title)
    if api is None or api.down or not phrases:
        return
    answered = await api.search_titles(list(phrases))
    for phrase, results in answered.items():
        title = phrases[phrase]
        match = best_match(title, [result.title for result in results])
        record, score = None, 0.0
        if match is not None:
            score = match.score
            record = record_from_result(
                results[match.index], now=ctx.now, resolved_by="title-search", score=score
            )
        known.titles[normalize_title(title)] = (record, score)
        value = {"record": record.model_dump(mode="json") if record else None, "score": score}
        ctx.net.cache.put(KIND, f"title:{normalize_title(title)}", value)


def _health(
    link: Link, record: ArxivRecord, previous: LinkHealth | None, ctx: RunContext
) -> LinkHealth:
    checked = record.fetched_at or ctx.now
    too_new = link.arxiv_version and record.version and link.arxiv_version > record.version
    if record.status is FetchStatus.OK and not too_new:
        return LinkHealth(
            verdict=Verdict.OK,
            detail=f"arXiv API: v{record.version}",
            checked_at=checked,
            verified_by="arxiv-api",
            last_ok_at=checked,
        )
    detail = (
        f"arXiv API: v{link.arxiv_version} does not exist (latest v{record.version})"
        if too_new
        else "arXiv API: no such id"
    )
    failing = previous is not None and previous.verdict is not Verdict.OK
    return LinkHealth(
        verdict=Verdict.DEAD,
        detail=detail,
        checked_at=checked,
        verified_by="arxiv-api",
        first_failed_at=(previous.first_failed_at if failing and previous else None) or checked,
        last_ok_at=previous.last_ok_at if previous else None,
        consecutive_failures=(previous.consecutive_failures if failing and previous else 0) + 1,
    )


def _fallback(arxiv_id: str, previous: ArxivRecord | None, known: Known) -> ArxivRecord:
    # The API could not be asked: the last known values, marked as such; never "not found".
    if (
        previous is not None
        and previous.arxiv_id == arxiv_id
        and previous.status is not FetchStatus.NOT_FOUND
    ):
        return previous.model_copy(update={"status": FetchStatus.STALE})
    if arxiv_id in known.stale and known.stale[arxiv_id].status is FetchStatus.OK:
        return known.stale[arxiv_id].model_copy(update={"status": FetchStatus.STALE})
    return ArxivRecord(arxiv_id=arxiv_id, status=FetchStatus.UNVERIFIED)


def _by_title(
    entry: Entry, previous: ArxivRecord | None, known: Known, ctx: RunContext
) -> tuple[ArxivRecord | None, list[Finding]]:
    """(record, findings) for an entry looked up by its title."""
    norm = normalize_title(entry.title)
    if norm not in known.titles:
        kept = previous if previous is not None and previous.resolved_by == "title-search" else None
        return (kept.model_copy(update={"status": FetchStatus.STALE}) if kept else None), []
    record, score = known.titles[norm]
    if record is None:
        return None, []
    if score >= ctx.settings.title_match_threshold:
        return record, [resolved_by_title_finding(entry, record)]
    if score >= SUGGESTION_FLOOR:
        return None, [suggestion_finding(entry, record, score)]
    return None, []


def _checked_links(
    links: list[Link],
    old_links: list[Link],
    known: Known,
    ctx: RunContext,
    entry: Entry | None,
    record: ArxivRecord | None,
) -> tuple[list[Link], list[Finding]]:
    """Links with the health the API gave their arXiv ids, and a finding per unknown id."""
    old_health = {link.normalized_url: link.health for link in old_links if link.health}
    checked, findings = [], []
    for link in links:
        linked = known.records.get(link.arxiv_id or "")
        if link.kind is LinkKind.ARXIV and linked is not None:
            health = _health(link, linked, old_health.get(link.normalized_url), ctx)
            link = link.model_copy(update={"health": health})
            if linked.status is FetchStatus.NOT_FOUND:
                detail = known.missing.get(linked.arxiv_id, "the API answered without it")
                findings.append(nonexistent_id_finding(entry, link, detail, found=record))
        checked.append(link)
    return checked, findings


def _rebuild(
    entry: Entry, known: Known, ctx: RunContext, old: Entry | None
) -> tuple[Entry, list[Finding]]:
    previous = old.arxiv if old is not None else None
    findings: list[Finding] = []
    record: ArxivRecord | None = None
    arxiv_id = entry.arxiv_id
    if entry.arxiv_id is not None:
        record = known.records.get(entry.arxiv_id) or _fallback(entry.arxiv_id, previous, known)
    if record is None or record.status is FetchStatus.NOT_FOUND:
        found, extra = _by_title(entry, previous, known, ctx)
        findings += extra
        if found is not None:
            record, arxiv_id = found, found.arxiv_id
    links, extra = _checked_links(entry.links, old.links if old else [], known, ctx, entry, record)
    findings += extra
    if record is not None and record.status in (FetchStatus.OK, FetchStatus.STALE):
        threshold = ctx.settings.title_match_threshold
        findings += record_findings(entry, record, previous, threshold=threshold)
    update = {"arxiv": record, "arxiv_id": arxiv_id, "links": links}
    return entry.model_copy(update=update), findings


async def fetch_arxiv(catalog: Catalog, ctx: RunContext) -> Catalog:
    """Attach arXiv records to entries, set health of arXiv links, and add arXiv findings."""
    lookup = _lookup(ctx)
    api, known = lookup.api, lookup.known
    await lookup.lookup(_linked_ids(catalog))
    await _search_titles(_searched_titles(catalog, known), api, ctx, known)
    known.down = api.down if api is not None else "offline"
    old_entries = {e.key: e for e in ctx.previous.entries} if ctx.previous else {}
    entries, findings = [], list(catalog.findings)
    for entry in catalog.entries:
        rebuilt, extra = _rebuild(entry, known, ctx, old_entries.get(entry.key))
        entries.append(rebuilt)
        findings += extra
    old_others = ctx.previous.other_links if ctx.previous else []
    others, extra = _checked_links(catalog.other_links, old_others, known, ctx, None, None)
    findings += extra
    _note(ctx, entries, known, api.requests if api is not None else 0)
    update = {"entries": entries, "other_links": others, "findings": findings}
    return catalog.model_copy(update=update)


def _note(ctx: RunContext, entries: list[Entry], known: Known, requests: int) -> None:
    by_title = sum(1 for e in entries if e.arxiv and e.arxiv.resolved_by == "title-search")
    line = (
        f"arxiv: {requests} request(s), {len(known.records)} id(s) known, "
        f"{by_title} resolved by title"
    )
    if known.down:
        kept = sum(1 for e in entries if e.arxiv and e.arxiv.status is FetchStatus.STALE)
        line += f"; API unavailable ({known.down}): {kept} record(s) kept from before, none judged"
    ctx.notes.append(line)
