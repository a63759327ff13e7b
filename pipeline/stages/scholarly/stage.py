"""The scholarly stage: where each paper stands now, and archived copies of dead pages.

`fetch_scholarly` runs beside the arXiv and GitHub stages:

1. Semantic Scholar's batch lookup for every entry with an arXiv id or a DOI
   (`s2_batch_size`, up to 500, ids a request): venue, year, DOI, DBLP key,
   citations. Entries with neither (CVF-, NeurIPS- or OpenReview-only) are
   matched by title, only when the parser is sure of the title, and accepted
   at the arXiv title search's threshold; at most `s2_match_budget` a run.
2. Hugging Face papers for entries that link no code (and have an arXiv id):
   the repository it names is added to the catalog's repos as `proposed`, so
   the GitHub stage checks it like any other before it is ever proposed.
3. Findings: `published`, `venue-disagrees` (findings.py).

`settle_scholarly` runs when every API stage is done: `code-available` for
code GitHub confirmed. Archived copies of dead links are archive.py's, after
the links stage.

Every answer is cached per paper (`s2_ttl_days`, `hf_ttl_days`,
`archive_ttl_days`), so a warm rerun sends nothing. When a source cannot
answer, each entry keeps the last run's values (status `stale`, or
`unverified` when there are none) and no finding flips.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from pipeline.context import RunContext
from pipeline.model import (
    Catalog,
    CodeLink,
    Entry,
    FetchStatus,
    Finding,
    RepoRecord,
    ScholarlyRecord,
)
from pipeline.stages.arxiv.match import normalize_title, title_score
from pipeline.stages.resolve import repo_from_url
from pipeline.stages.scholarly import SCHOLARLY
from pipeline.stages.scholarly.cache import HF_KIND, S2_KIND, cached
from pipeline.stages.scholarly.findings import code_findings, has_code, venue_findings
from pipeline.stages.scholarly.hf import HfPapers
from pipeline.stages.scholarly.s2 import NO_MATCH, S2Api, record_from_s2
from pipeline.stages.scholarly.venues import learn_style

__all__ = ["fetch_scholarly", "settle_scholarly"]

_FLOOR_SECONDS = 10.0  # optional lookups may always take this long (1 S2 batch + 9 matches)
_HF_WORKERS = 2


def _s2_id(entry: Entry) -> str | None:
    if entry.arxiv_id:
        return f"ARXIV:{entry.arxiv_id}"
    doi = next((link.doi for link in entry.links if link.doi), None)
    return f"DOI:{doi}" if doi else None


async def _lookup_ids(catalog: Catalog, api: S2Api | None, ctx: RunContext) -> dict[str, Any]:
    """S2 id -> its record (None: S2 does not know it); ids not answered are absent."""
    known: dict[str, Any] = {}
    wanted: list[str] = []
    for entry in catalog.entries:
        s2_id = _s2_id(entry)
        if s2_id is None or s2_id in known or s2_id in wanted:
            continue
        value, fresh = cached(ctx, S2_KIND, f"id:{s2_id}")
        if fresh:
            known[s2_id] = value["record"]
            ctx.counters["cache_hits"] += 1
        else:
            wanted.append(s2_id)
    size = ctx.settings.s2_batch_size
    for start in range(0, len(wanted), size):
        batch = wanted[start : start + size]
        answer = await api.fetch_batch(batch) if api is not None else None
        if answer is None:
            break
        for s2_id, record in zip(batch, answer, strict=True):
            known[s2_id] = record
            ctx.net.cache.put(S2_KIND, f"id:{s2_id}", {"record": record})
    return known


async def _match_titles(
    catalog: Catalog, api: S2Api | None, ctx: RunContext
) -> dict[str, tuple[Any, float]]:
    """Normalized title -> (record or None, score) for entries with no id and a sure title."""
    known: dict[str, tuple[Any, float]] = {}
    batches = ctx.counters["requests:s2"]
    budget = _budget(ctx, ctx.settings.s2_match_budget, ctx.settings.s2_interval, batches)
    for entry in catalog.entries:
        norm = normalize_title(entry.title)
        if _s2_id(entry) or "title" in entry.uncertain or not norm or norm in known:
            continue
        value, fresh = cached(ctx, S2_KIND, f"title:{norm}")
        if fresh:
            known[norm] = (value["record"], value["score"])
            ctx.counters["cache_hits"] += 1
            continue
        if api is None or budget <= 0:
            continue  # asked in a later run: what is cached stays fresh for days
        budget -= 1
        answer = await api.match_title(entry.title)
        if answer is None:
            break
        record, score = None, 0.0
        if answer is not NO_MATCH and isinstance(answer, dict):
            score = title_score(entry.title, str(answer.get("title") or ""))
            if score >= ctx.settings.title_match_threshold:
                record = answer
        known[norm] = (record, score)
        ctx.net.cache.put(S2_KIND, f"title:{norm}", {"record": record, "score": score})
    return known


def _budget(ctx: RunContext, most: int, interval: float, spent: int = 0) -> int:
    """Optional lookups (title matches, code links) a run sends: what fits, at the service's
    pace, in the time the slowest API stage takes anyway by its pacing rules, or in
    `_FLOOR_SECONDS` when that is shorter (so a small list is done in one run), less the
    `spent` requests already sent to that service, at most `most`. The rest are asked first
    by later runs; what was asked stays cached for days."""
    if interval <= 0:
        return most
    seconds = max(ctx.pacing_bound, _FLOOR_SECONDS)
    return max(0, min(most, int(seconds / interval) - spent))


def _kept(old: ScholarlyRecord | None) -> ScholarlyRecord:
    # S2 could not be asked: the last known values, marked as such; never "not found".
    if old is not None and old.status in (FetchStatus.OK, FetchStatus.STALE):
        return old.model_copy(update={"status": FetchStatus.STALE})
    return ScholarlyRecord(status=FetchStatus.UNVERIFIED)


def _scholarly(
    entry: Entry,
    ids: dict[str, Any],
    titles: dict[str, tuple[Any, float]],
    old: ScholarlyRecord | None,
    now: datetime,
) -> ScholarlyRecord | None:
    s2_id = _s2_id(entry)
    if s2_id is not None:
        if s2_id not in ids:
            return _kept(old)
        data = ids[s2_id]
        if data is None:
            return ScholarlyRecord(status=FetchStatus.NOT_FOUND, fetched_at=now)
        return record_from_s2(data, "doi" if s2_id.startswith("DOI:") else "arxiv", now)
    norm = normalize_title(entry.title)
    if norm not in titles:
        return _kept(old) if old is not None and old.matched_by == "title" else None
    data, score = titles[norm]
    return record_from_s2(data, "title", now, score) if data is not None else None


async def _lookup_code(arxiv_ids: list[str], ctx: RunContext, api: HfPapers | None) -> dict:
    """arXiv id -> Hugging Face's fields for it ({} when it has no page); unasked ids absent."""
    found: dict[str, Any] = {}
    pending = []
    for arxiv_id in dict.fromkeys(arxiv_ids):
        value, fresh = cached(ctx, HF_KIND, arxiv_id)
        if fresh:
            found[arxiv_id] = value
            ctx.counters["cache_hits"] += 1
        else:
            pending.append(arxiv_id)
    if api is None:
        return found
    pending.reverse()  # popped from the end: list order

    async def worker() -> None:
        while pending and api.left > 0 and not api.down:
            arxiv_id = pending.pop()
            api.left -= 1
            value = await api.paper(arxiv_id)
            if value is not None:
                kept = {k: value.get(k) for k in ("githubRepo", "githubStars", "projectPage")}
                found[arxiv_id] = kept
                ctx.net.cache.put(HF_KIND, arxiv_id, kept)

    await asyncio.gather(*(worker() for _ in range(_HF_WORKERS)))
    return found


def _code(arxiv_id: str, value: Any, old: Entry | None, ctx: RunContext) -> CodeLink | None:
    if value is None:  # not asked, or no answer: what the last run found
        kept = old.code if old is not None else None
        return kept.model_copy(update={"status": FetchStatus.STALE}) if kept else None
    url = value.get("githubRepo")
    repo = repo_from_url(url) if isinstance(url, str) else None
    if repo is None:
        return None
    stars = value.get("githubStars")
    page = value.get("projectPage")
    return CodeLink(
        arxiv_id=arxiv_id,
        repo_url=url,
        repo=repo,
        project_page=page if isinstance(page, str) and page.startswith("http") else None,
        stars=stars if isinstance(stars, int) else None,
        fetched_at=ctx.now,
        status=FetchStatus.OK,
    )


def _code_wanted(entry: Entry) -> str | None:
    """The arXiv id to ask Hugging Face about, for an entry that links no code."""
    if has_code(entry):
        return None
    return entry.arxiv_id or (entry.scholarly.arxiv_id if entry.scholarly else None)


async def fetch_scholarly(catalog: Catalog, ctx: RunContext) -> Catalog:
    """Attach S2 records and found code links to entries; add venue findings."""
    old = {e.key: e for e in ctx.previous.entries} if ctx.previous else {}
    if ctx.offline:
        return SCHOLARLY.carry(catalog, ctx.previous) if ctx.previous else catalog
    api, hf = S2Api(ctx), HfPapers(ctx)
    # One pace for the host however many calls are in flight: workers only hide latency.
    hf.left = _budget(ctx, ctx.settings.hf_budget, ctx.settings.hf_interval)

    async def ask_s2() -> tuple[dict[str, Any], dict[str, tuple[Any, float]]]:
        return await _lookup_ids(catalog, api, ctx), await _match_titles(catalog, api, ctx)

    # Code for papers the list links by arXiv id is asked at once, beside S2.
    linked = [wanted for e in catalog.entries if (wanted := _code_wanted(e))]
    (ids, titles), code = await asyncio.gather(ask_s2(), _lookup_code(linked, ctx, hf))
    entries = []
    for entry in catalog.entries:
        previous = old[entry.key].scholarly if entry.key in old else None
        record = _scholarly(entry, ids, titles, previous, ctx.now)
        entries.append(entry.model_copy(update={"scholarly": record}))
    # Then for papers S2 found an arXiv id for (matched by title).
    more = [wanted for e in entries if (wanted := _code_wanted(e)) and wanted not in code]
    code.update(await _lookup_code(more, ctx, hf))
    entries = [
        entry.model_copy(update={"code": _code(wanted, code.get(wanted), old.get(entry.key), ctx)})
        if (wanted := _code_wanted(entry))
        else entry
        for entry in entries
    ]
    if hf.down:
        ctx.notes.append(f"huggingface: unavailable ({hf.down}): code links kept from before")
    style = learn_style(e.venue_text for e in catalog.entries)
    with_venue = sum(1 for e in catalog.entries if e.venue)
    findings: list[Finding] = []
    for entry in entries:
        if entry.scholarly is not None:
            findings += venue_findings(
                entry, entry.scholarly, style, venues_written=2 * with_venue >= len(entries)
            )
    repos = dict(catalog.repos)
    for entry in entries:
        if entry.code is not None and entry.code.repo:
            record = RepoRecord(linked_as=entry.code.repo, proposed=True)
            repos.setdefault(entry.code.repo.lower(), record)
    _note(ctx, entries, api)
    update = {"entries": entries, "repos": repos, "findings": [*catalog.findings, *findings]}
    return catalog.model_copy(update=update)


def _note(ctx: RunContext, entries: list[Entry], api: S2Api) -> None:
    records = [e.scholarly for e in entries if e.scholarly is not None]
    ok = sum(1 for r in records if r.status is FetchStatus.OK)
    published = sum(1 for r in records if r.published)
    line = (
        f"scholarly: {ctx.counters['requests:s2']} Semantic Scholar request(s), "
        f"{ok} paper(s) found, {published} published at a venue"
    )
    if api.down:
        kept = sum(1 for r in records if r.status is FetchStatus.STALE)
        line += f"; Semantic Scholar unavailable ({api.down}): {kept} kept from before, none judged"
    ctx.notes.append(line)


def settle_scholarly(catalog: Catalog) -> Catalog:
    """Add `code-available` findings, now that GitHub has checked the proposed repos; drop a
    `published` finding where the arXiv stage reports the venue from the authors' own words."""
    told = {f.entry_key for f in catalog.findings if f.code == "venue-update"}
    findings = [
        f
        for f in catalog.findings
        if f.code != "code-available" and not (f.code == "published" and f.entry_key in told)
    ]
    return catalog.model_copy(update={"findings": [*findings, *code_findings(catalog)]})
