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
from pipeline.stages.arxiv.match import normalize_title
from pipeline.stages.resolve import repo_from_url
from pipeline.stages.scholarly import SCHOLARLY
from pipeline.stages.scholarly.cache import HF_KIND, S2_KIND, cached
from pipeline.stages.scholarly.findings import code_findings, has_code, venue_findings
from pipeline.stages.scholarly.s2 import S2Api, record_from_s2
from pipeline.stages.scholarly.venues import learn_style

__all__ = [
    "code_link",
    "code_wanted",
    "fetch_scholarly",
    "s2_id_of",
    "settle_scholarly",
    "with_found",
]


def s2_id_of(entry: Entry) -> str | None:
    """How the batch asks S2 about `entry`: its arXiv id, else a DOI it links (None: by title)."""
    if entry.arxiv_id:
        return f"ARXIV:{entry.arxiv_id}"
    doi = next((link.doi for link in entry.links if link.doi), None)
    return f"DOI:{doi}" if doi else None


async def _lookup_ids(catalog: Catalog, api: S2Api | None, ctx: RunContext) -> dict[str, Any]:
    """S2 id -> its record (None: S2 does not know it); ids not answered are absent."""
    known: dict[str, Any] = {}
    wanted: list[str] = []
    for entry in catalog.entries:
        s2_id = s2_id_of(entry)
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


def _match_titles(catalog: Catalog, ctx: RunContext) -> dict[str, tuple[Any, float]]:
    """Normalized title -> (record or None, score) for entries with no id and a sure title,
    as far as the cache knows them fresh: S2 is asked the rest beside the run (lookups.py)."""
    known: dict[str, tuple[Any, float]] = {}
    for entry in catalog.entries:
        norm = normalize_title(entry.title)
        if s2_id_of(entry) or "title" in entry.uncertain or not norm or norm in known:
            continue
        value, fresh = cached(ctx, S2_KIND, f"title:{norm}")
        if fresh:
            known[norm] = (value["record"], value["score"])
            ctx.counters["cache_hits"] += 1
    return known


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
    s2_id = s2_id_of(entry)
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


def _cached_code(arxiv_ids: list[str], ctx: RunContext) -> dict[str, Any]:
    """arXiv id -> Hugging Face's fields for it ({} when it has no page), as far as the cache
    knows them fresh: Hugging Face is asked the rest beside the run (lookups.py)."""
    found: dict[str, Any] = {}
    for arxiv_id in dict.fromkeys(arxiv_ids):
        value, fresh = cached(ctx, HF_KIND, arxiv_id)
        if fresh:
            found[arxiv_id] = value
            ctx.counters["cache_hits"] += 1
    return found


def code_link(arxiv_id: str, value: Any, old: Entry | None, ctx: RunContext) -> CodeLink | None:
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


def code_wanted(entry: Entry) -> str | None:
    """The arXiv id to ask Hugging Face about, for an entry that links no code."""
    if has_code(entry):
        return None
    return entry.arxiv_id or (entry.scholarly.arxiv_id if entry.scholarly else None)


async def fetch_scholarly(catalog: Catalog, ctx: RunContext) -> Catalog:
    """Attach S2 records and found code links to entries; add venue findings."""
    old = {e.key: e for e in ctx.previous.entries} if ctx.previous else {}
    if ctx.offline:
        return SCHOLARLY.carry(catalog, ctx.previous) if ctx.previous else catalog
    api = S2Api(ctx)
    # The batch is the run's critical path (the arXiv and GitHub stages run meanwhile); title
    # matches and code lookups S2 and Hugging Face were not asked before are optional: asked
    # beside the whole run (lookups.py), what they find is merged in when the run is done.
    ids, titles = await _lookup_ids(catalog, api, ctx), _match_titles(catalog, ctx)
    entries = []
    for entry in catalog.entries:
        previous = old[entry.key].scholarly if entry.key in old else None
        record = _scholarly(entry, ids, titles, previous, ctx.now)
        entries.append(entry.model_copy(update={"scholarly": record}))
    code = _cached_code([wanted for e in entries if (wanted := code_wanted(e))], ctx)
    entries = [
        entry.model_copy(update={"code": code_link(w, code.get(w), old.get(entry.key), ctx)})
        if (w := code_wanted(entry))
        else entry
        for entry in entries
    ]
    _note(ctx, entries, api)
    return with_found(catalog, entries, {e.key for e in entries})


def with_found(catalog: Catalog, entries: list[Entry], changed: set[str]) -> Catalog:
    """`catalog` with `entries`, the venue findings of those in `changed`, and the code they
    name as proposed repos (the GitHub stage checks each before it is ever proposed)."""
    style = learn_style(e.venue_text for e in catalog.entries)
    with_venue = sum(1 for e in catalog.entries if e.venue)
    findings: list[Finding] = []
    for entry in entries:
        if entry.scholarly is not None and entry.key in changed:
            findings += venue_findings(
                entry, entry.scholarly, style, venues_written=2 * with_venue >= len(entries)
            )
    repos = dict(catalog.repos)
    for entry in entries:
        if entry.code is not None and entry.code.repo and entry.key in changed:
            record = RepoRecord(linked_as=entry.code.repo, proposed=True)
            repos.setdefault(entry.code.repo.lower(), record)
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
