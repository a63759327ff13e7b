"""Papers you may be missing: papers not on the list that cite at least K of its papers.

For each list paper, the citing papers come from
`GET /graph/v1/paper/{id}/citations` (pages of 1,000 followed by `next`, which
is absent on the last page; S2 refuses `offset + limit >= 10,000`, so a
paper's first 10,000 citations are read), asked as `ARXIV:<id>` or
`DOI:<doi>` (S2 takes both): no other stage's answer is needed, so the stage
runs beside the whole run (pipeline/beside.py). A paper the list names by
title only is asked by the S2 id the scholarly stage found for it in an
earlier run. Each paper's list is cached for `citations_ttl_days`.

A run reads what fits in it: the stage starts when the scholarly stage is done
with S2 (one request a second for both) and reads while the rest of the run is
still waiting for other hosts, never past its end (`ctx.stop`), at most
`citations_budget` requests, to the papers with no
fresh list first (those never read, then the oldest), so runs cover a large
list over time and a warm rerun sends none.

A candidate cites at least `candidates_min_cites` (K) of the list's papers.
Left out: papers already on the list (by S2 id, arXiv id, DOI or title, so
the list's own papers under another id too: `settle_candidates` checks again
with the scholarly stage's records), and surveys of the list itself (a title
saying survey or review that cites at least a third of the list). Ranked by
how many list papers it cites, then newest first; each gets the section whose
papers it cites most and the `pipeline add` command.
"""

from __future__ import annotations

import re
import shlex
from collections import Counter
from typing import Any

from pipeline.beside import run_waits, unless_stopped
from pipeline.context import RunContext
from pipeline.model import Candidate, Catalog, Entry
from pipeline.stages.arxiv.match import normalize_title
from pipeline.stages.scholarly.s2 import S2Api

__all__ = ["find_candidates", "settle_candidates"]

_KIND = "citations"
_PAGE = 1000
_CEILING = 10_000  # S2: offset + limit must stay below this
_FIELDS = "externalIds,title,year,publicationDate"
_SURVEY = re.compile(r"\b(survey|review|overview)\b", re.IGNORECASE)
_SURVEY_SHARE = 1 / 3


def _brief(item: Any) -> dict[str, Any] | None:
    paper = item.get("citingPaper") if isinstance(item, dict) else None
    if not isinstance(paper, dict) or not paper.get("paperId"):
        return None
    ids = paper.get("externalIds") if isinstance(paper.get("externalIds"), dict) else {}
    year = paper.get("year")
    return {
        "paper_id": str(paper["paperId"]),
        "title": " ".join(str(paper.get("title") or "").split()),
        "arxiv_id": str(ids.get("ArXiv") or "") or None,
        "doi": str(ids.get("DOI") or "") or None,
        "year": year if isinstance(year, int) else None,
        "date": str(paper.get("publicationDate") or "") or None,
    }


async def _citations(api: S2Api, paper_id: str, budget: list[int]) -> list[dict] | None:
    """Every citing paper (up to S2's ceiling), or None when not read in full this run."""
    found: list[dict] = []
    offset = 0
    while offset + _PAGE < _CEILING:
        if budget[0] <= 0:
            return None
        budget[0] -= 1
        answer = await api.get(
            f"/paper/{paper_id}/citations", {"fields": _FIELDS, "limit": _PAGE, "offset": offset}
        )
        if answer is not None and answer[0] == 404 and offset == 0:
            return []  # S2 does not know the paper (an arXiv id it has not indexed): no citations
        if answer is None or answer[0] != 200 or not isinstance(answer[1], dict):
            return None
        body = answer[1]
        data = body.get("data")
        if not isinstance(data, list):
            return None
        found += [b for item in data if (b := _brief(item)) is not None]
        following = body.get("next")
        if not isinstance(following, int) or following <= offset:
            return found
        offset = following
    return found


def _s2_id(entry: Entry, old: Entry | None) -> str | None:
    """How S2 is asked about `entry`: its arXiv id, a DOI, else the S2 id found by title."""
    if entry.arxiv_id:
        return f"ARXIV:{entry.arxiv_id}"
    doi = next((link.doi for link in entry.links if link.doi), None)
    if doi:
        return f"DOI:{doi}"
    record = entry.scholarly or (old.scholarly if old is not None else None)
    return record.paper_id if record is not None and record.paper_id else None


def _known(entries: list[Entry]) -> tuple[set[str], set[str], set[str], set[str]]:
    """S2 ids, arXiv ids, DOIs and normalised titles of the list's papers."""
    ids, arxiv, dois, titles = set(), set(), set(), set()
    for entry in entries:
        record = entry.scholarly
        if record and record.paper_id:
            ids.add(record.paper_id)
        arxiv |= {i for i in (entry.arxiv_id, record.arxiv_id if record else None) if i}
        arxiv |= {link.arxiv_id for link in entry.links if link.arxiv_id}
        dois |= {link.doi.lower() for link in entry.links if link.doi}
        if record and record.doi:
            dois.add(record.doi.lower())
        if normalize_title(entry.title):
            titles.add(normalize_title(entry.title))
    return ids, arxiv, dois, titles


def _command(paper: dict, section: list[str]) -> str:
    target = paper["arxiv_id"] or (f"doi:{paper['doi']}" if paper["doi"] else paper["paper_id"])
    return f"pipeline add {target} --section {shlex.quote(' > '.join(section))}"


async def find_candidates(catalog: Catalog, ctx: RunContext) -> Catalog:
    """Rank the papers that cite at least K of the list's papers."""
    if ctx.offline or ctx.outage:
        return catalog.model_copy(
            update={"candidates": ctx.previous.candidates if ctx.previous else []}
        )
    old = {e.key: e for e in ctx.previous.entries} if ctx.previous else {}
    papers: dict[str, str] = {}  # S2 id -> the first entry naming that paper
    for entry in catalog.entries:
        s2_id = _s2_id(entry, old.get(entry.key))
        if s2_id is not None:
            papers.setdefault(s2_id, entry.key)
    api = S2Api(ctx)
    if api.down or not papers:  # S2 not reachable this run: the last run's candidates
        previous = ctx.previous.candidates if ctx.previous else []
        return catalog.model_copy(update={"candidates": previous})
    budget = [ctx.settings.citations_budget]
    before = ctx.counters["requests:s2"]
    cited_by: dict[str, list[dict]] = {}
    stale: list[tuple[float, str]] = []
    for s2_id in sorted(papers):
        cached = ctx.net.cache.get(_KIND, s2_id)
        value = cached.value if cached is not None else None
        if isinstance(value, dict) and isinstance(value.get("citing"), list):
            cited_by[papers[s2_id]] = value["citing"]
            if cached.fresh:
                ctx.counters["cache_hits"] += 1
                continue
        stale.append((cached.stored_at if cached is not None else 0.0, s2_id))
    unread = 0
    for _, s2_id in sorted(stale):  # never read first, then oldest
        citing = None
        if not api.down and budget[0] > 0 and run_waits(ctx, [ctx.settings.s2_api_url]):
            citing = await unless_stopped(_citations(api, s2_id, budget), ctx.stop)
        if citing is None:
            unread += 1
            continue
        cited_by[papers[s2_id]] = citing
        ctx.net.cache.put(_KIND, s2_id, {"citing": citing})
    # Counted apart from the scholarly stage's lookups: the report shows what each costs.
    sent = ctx.counters["requests:s2"] - before
    ctx.counters["requests:s2"] -= sent
    ctx.counters["requests:s2-citations"] += sent
    candidates = _rank(catalog.entries, cited_by, ctx.settings.candidates_min_cites)
    ctx.notes.append(
        f"candidates: {len(papers) - unread} of {len(papers)} paper(s) with citations read, "
        f"{unread} left for later runs; {len(candidates)} paper(s) you may be missing"
    )
    return catalog.model_copy(update={"candidates": candidates})


def settle_candidates(catalog: Catalog) -> Catalog:
    """Drop the candidates that the scholarly stage's records show are on the list already
    (a paper the list names by title only, under the S2 id S2 gave it)."""
    known = _known(catalog.entries)
    kept = [c for c in catalog.candidates if not _on_list(c.paper_id, c.model_dump(), known)]
    return catalog.model_copy(update={"candidates": kept})


def _on_list(pid: str, paper: dict, known: tuple[set[str], set[str], set[str], set[str]]) -> bool:
    ids, arxiv, dois, titles = known
    return (
        pid in ids
        or (paper.get("arxiv_id") in arxiv)
        or ((paper.get("doi") or "").lower() in dois)
        or normalize_title(paper.get("title") or "") in titles
    )


def _rank(entries: list[Entry], cited_by: dict[str, list[dict]], k: int) -> list[Candidate]:
    known = _known(entries)
    sections = {e.key: e.section for e in entries}
    order = {e.key: i for i, e in enumerate(entries)}
    papers: dict[str, dict] = {}
    cites: dict[str, list[str]] = {}
    for key, citing in cited_by.items():
        for paper in citing:
            if not isinstance(paper, dict) or not paper.get("paper_id"):
                continue
            pid = paper["paper_id"]
            papers.setdefault(pid, paper)
            if key not in cites.setdefault(pid, []):
                cites[pid].append(key)
    read = max(1, len(cited_by))
    out = []
    for pid, keys in cites.items():
        paper = papers[pid]
        on_list = _on_list(pid, paper, known)
        survey = _SURVEY.search(paper.get("title") or "") and len(keys) >= _SURVEY_SHARE * read
        if len(keys) < k or on_list or survey:
            continue
        counts = Counter(tuple(sections[key]) for key in keys if sections.get(key))
        section = list(counts.most_common(1)[0][0]) if counts else []
        out.append(
            Candidate(
                paper_id=pid,
                title=paper.get("title") or "",
                arxiv_id=paper.get("arxiv_id"),
                doi=paper.get("doi"),
                year=paper.get("year"),
                publication_date=paper.get("date"),
                cites=sorted(keys, key=lambda key: order.get(key, 0)),  # in list order
                section=section,
                command=_command(paper, section),
            )
        )
    out.sort(key=lambda c: c.publication_date or str(c.year or ""), reverse=True)
    out.sort(key=lambda c: len(c.cites), reverse=True)
    return out
