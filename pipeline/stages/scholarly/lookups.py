"""The scholarly stage's optional part: title matches and code lookups, beside the whole run.

The S2 batch by ids is the run's critical path (stage.py). Matching a
conference-only paper by title (one S2 request a second) and asking Hugging
Face for a paper's code are optional: what they find is a venue or a code
link proposed, and a run that did not ask keeps the last run's values. So
they run beside the whole run (pipeline/beside.py): after the scholarly
stage's batch, only while the rest of the run still waits for other hosts,
never after it is done (`ctx.stop`; a request in flight then is abandoned).
A rerun whose other answers all came from the cache waits for no host and
sends nothing. The most needed go first (never asked, then the oldest
answer); the rest are asked by later runs, at most `s2_match_budget` title
matches and `hf_budget` code lookups a run. A code link found here is
proposed once GitHub has checked its repository: in the next run, which
reads the answer from the cache before the GitHub stage ends.
"""

from __future__ import annotations

import asyncio
from typing import Any

from pipeline.beside import requests_elsewhere, run_waits, unless_stopped
from pipeline.context import RunContext
from pipeline.model import Catalog, Entry
from pipeline.stages.arxiv.match import normalize_title, title_score
from pipeline.stages.scholarly.cache import HF_KIND, S2_KIND, cached
from pipeline.stages.scholarly.findings import has_code
from pipeline.stages.scholarly.hf import HfPapers
from pipeline.stages.scholarly.s2 import NO_MATCH, S2Api, record_from_s2
from pipeline.stages.scholarly.stage import code_link, s2_id_of, with_found

__all__ = ["look_up_beside"]

_HF_WORKERS = 2  # one pace for the host however many are in flight: they only hide latency


def _own(ctx: RunContext) -> tuple[str, str]:
    return (ctx.settings.s2_api_url, ctx.settings.hf_api_url)


def _run_waits(ctx: RunContext) -> bool:
    return run_waits(ctx, _own(ctx))


def _batch_answered(catalog: Catalog, ctx: RunContext) -> bool:
    """True when the stage's batch answered for every paper it asks S2 about by id (fresh
    in the cache, or stored by this run: a lifetime of 0 days keeps nothing fresh)."""
    started = ctx.now.timestamp() - 1
    for entry in catalog.entries:
        s2_id = s2_id_of(entry)
        stored = ctx.net.cache.get(S2_KIND, f"id:{s2_id}") if s2_id is not None else None
        if s2_id is not None and (
            stored is None or not (stored.fresh or stored.stored_at >= started)
        ):
            return False
    return True


def _oldest_first(ctx: RunContext, kind: str, keys: list[str]) -> list[str]:
    """`keys` with no fresh answer in the cache, never asked first, then the oldest answer."""
    stale = []
    for key in dict.fromkeys(keys):
        entry = ctx.net.cache.get(kind, key)
        if entry is None or not entry.fresh:
            stale.append((entry.stored_at if entry is not None else 0.0, key))
    return [key for _, key in sorted(stale, key=lambda pair: pair[0])]


def _known_arxiv_id(entry: Entry, ctx: RunContext) -> str | None:
    """The arXiv id to ask Hugging Face about for an entry that links no code: the list's,
    else the one in S2's cached record of it (the batch's, or a title match's)."""
    if has_code(entry):
        return None
    if entry.arxiv_id:
        return entry.arxiv_id
    s2_id = s2_id_of(entry)
    key = f"id:{s2_id}" if s2_id else f"title:{normalize_title(entry.title)}"
    value, _ = cached(ctx, S2_KIND, key)
    record = value.get("record") if value else None
    found = record.get("externalIds") if isinstance(record, dict) else None
    arxiv_id = found.get("ArXiv") if isinstance(found, dict) else None
    return arxiv_id if isinstance(arxiv_id, str) and arxiv_id else None


async def _match(
    titles: dict[str, str], api: S2Api, ctx: RunContext
) -> dict[str, tuple[Any, float]]:
    """Normalized title -> (record or None, score) for the titles S2 answered in time."""
    known: dict[str, tuple[Any, float]] = {}
    for norm in _oldest_first(ctx, S2_KIND, [f"title:{n}" for n in titles])[
        : ctx.settings.s2_match_budget
    ]:
        norm = norm.removeprefix("title:")
        if api.down or not _run_waits(ctx):
            break
        answer = await unless_stopped(api.match_title(titles[norm]), ctx.stop)
        if answer is None:
            break
        record, score = None, 0.0
        if answer is not NO_MATCH and isinstance(answer, dict):
            score = title_score(titles[norm], str(answer.get("title") or ""))
            if score >= ctx.settings.title_match_threshold:
                record = answer
        known[norm] = (record, score)
        ctx.net.cache.put(S2_KIND, f"title:{norm}", {"record": record, "score": score})
    return known


async def _code(pending: list[str], hf: HfPapers, ctx: RunContext) -> dict[str, Any]:
    """arXiv id -> Hugging Face's fields ({} when it has no page) for the ids asked in time."""
    found: dict[str, Any] = {}
    pending = list(reversed(pending))  # popped from the end: most needed first

    async def worker() -> None:
        while pending and hf.left > 0 and not hf.down and _run_waits(ctx):
            arxiv_id = pending.pop()
            hf.left -= 1
            value = await unless_stopped(hf.paper(arxiv_id), ctx.stop)
            if value is not None:
                kept = {k: value.get(k) for k in ("githubRepo", "githubStars", "projectPage")}
                found[arxiv_id] = kept
                ctx.net.cache.put(HF_KIND, arxiv_id, kept)

    await asyncio.gather(*(worker() for _ in range(_HF_WORKERS)))
    return found


async def look_up_beside(catalog: Catalog, ctx: RunContext) -> Catalog:
    """`catalog` with what the title matches and code lookups asked in time found."""
    if ctx.offline:
        return catalog
    api, hf = S2Api(ctx), HfPapers(ctx)
    if api.down is None and not _batch_answered(catalog, ctx):
        api.down = "the batch was not answered"  # S2 failed this run: one call's retries only
    titles: dict[str, str] = {}
    for entry in catalog.entries:
        norm = normalize_title(entry.title)
        if not s2_id_of(entry) and "title" not in entry.uncertain and norm:
            titles.setdefault(norm, entry.title)
    wanted = [a for e in catalog.entries if (a := _known_arxiv_id(e, ctx))]
    # Code for the papers known by an arXiv id goes out beside the title matches (two hosts).
    matched, code = await asyncio.gather(
        _match(titles, api, ctx), _code(_oldest_first(ctx, HF_KIND, wanted), hf, ctx)
    )
    # Then for the papers the title matches just gave an arXiv id.
    more = [a for e in catalog.entries if (a := _known_arxiv_id(e, ctx)) and a not in wanted]
    code.update(await _code(_oldest_first(ctx, HF_KIND, more), hf, ctx))
    entries, changed = [], set()
    for entry in catalog.entries:
        update: dict[str, Any] = {}
        norm = normalize_title(entry.title)
        if not s2_id_of(entry) and norm in matched:
            data, score = matched[norm]
            record = record_from_s2(data, "title", ctx.now, score) if data is not None else None
            update["scholarly"] = record
        arxiv_id = _known_arxiv_id(entry, ctx)
        if arxiv_id is not None and arxiv_id in code:
            update["code"] = code_link(arxiv_id, code[arxiv_id], None, ctx)
        if update:
            changed.add(entry.key)
        entries.append(entry.model_copy(update=update) if update else entry)
    left = (
        len(_oldest_first(ctx, S2_KIND, [f"title:{n}" for n in titles])),
        len(_oldest_first(ctx, HF_KIND, [*wanted, *more])),
    )
    _note(ctx, (len(matched), len(code)), left, hf)
    return with_found(catalog, entries, changed)


def _note(ctx: RunContext, asked: tuple[int, int], left: tuple[int, int], hf: HfPapers) -> None:
    line = (
        f"scholarly lookups beside the run: {asked[0]} title match(es) and {asked[1]} "
        f"Hugging Face lookup(s) asked, {left[0]} and {left[1]} left for later runs"
    )
    if (
        not any(asked)
        and any(left)
        and ctx.stop is not None
        and not requests_elsewhere(ctx, _own(ctx))
    ):
        line += " (nothing sent: the rest of the run waited for no other host)"
    ctx.notes.append(line)
    if hf.down:
        ctx.notes.append(f"huggingface: unavailable ({hf.down}): code links kept from before")
