"""Papers you may be missing: papers not on the list that cite at least K of its papers.

For each list paper S2 knows (its `paperId`, from the scholarly stage), the
citing papers come from `GET /graph/v1/paper/{id}/citations` (pages of 1,000
followed by `next`, which is absent on the last page; S2 refuses
`offset + limit >= 10,000`, so a paper's first 10,000 citations are read).
Each paper's list is cached for `citations_ttl_days`; a run sends at most
`citations_budget` requests, to the papers with no fresh list first (those
never read, then the oldest), so weekly runs cover a large list over time
and a warm rerun sends none.

A candidate cites at least `candidates_min_cites` (K) of the list's papers.
Left out: papers already on the list (by S2 id, arXiv id, DOI or title, so
the list's own papers under another id too), and surveys of the list itself
(a title saying survey or review that cites at least a third of the list).
Ranked by how many list papers it cites, then newest first; each gets the
section whose papers it cites most and the `pipeline add` command.
"""

from __future__ import annotations

import re
import shlex
from collections import Counter
from typing import Any

from pipeline.context import RunContext
from pipeline.model import Candidate, Catalog, Entry
from pipeline.stages.arxiv.match import normalize_title
from pipeline.stages.scholarly.s2 import S2Api

__all__ = ["find_candidates"]

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
    papers = sorted(
        (e for e in catalog.entries if e.scholarly and e.scholarly.paper_id),
        key=lambda e: e.scholarly.paper_id if e.scholarly else "",
    )
    api = S2Api(ctx)
    if api.down or not papers:  # S2 not reachable this run: the last run's candidates
        previous = ctx.previous.candidates if ctx.previous else []
        return catalog.model_copy(update={"candidates": previous})
    budget = [ctx.settings.citations_budget]
    before = ctx.counters["requests:s2"]
    cited_by: dict[str, list[dict]] = {}
    stale: list[tuple[float, Entry]] = []
    for entry in papers:
        pid = entry.scholarly.paper_id if entry.scholarly else ""
        cached = ctx.net.cache.get(_KIND, pid)
        value = cached.value if cached is not None else None
        if isinstance(value, dict) and isinstance(value.get("citing"), list):
            cited_by[entry.key] = value["citing"]
            if cached.fresh:
                ctx.counters["cache_hits"] += 1
                continue
        stale.append((cached.stored_at if cached is not None else 0.0, entry))
    unread = 0
    for _, entry in sorted(stale, key=lambda pair: pair[0]):  # never read first, then oldest
        pid = entry.scholarly.paper_id if entry.scholarly else ""
        citing = await _citations(api, pid, budget) if not api.down else None
        if citing is None:
            unread += 1
            continue
        cited_by[entry.key] = citing
        ctx.net.cache.put(_KIND, pid, {"citing": citing})
    # Counted apart from the scholarly stage's lookups: the report shows what each costs.
    sent = ctx.counters["requests:s2"] - before
    ctx.counters["requests:s2"] -= sent
    ctx.counters["requests:s2-citations"] += sent
    candidates = _rank(catalog.entries, cited_by, ctx.settings.candidates_min_cites)
    ctx.notes.append(
        f"candidates: {len(cited_by)} of {len(papers)} paper(s) with citations read, "
        f"{unread} left for later runs; {len(candidates)} paper(s) you may be missing"
    )
    return catalog.model_copy(update={"candidates": candidates})


def _rank(entries: list[Entry], cited_by: dict[str, list[dict]], k: int) -> list[Candidate]:
    ids, arxiv, dois, titles = _known(entries)
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
        on_list = (
            pid in ids
            or (paper.get("arxiv_id") in arxiv)
            or ((paper.get("doi") or "").lower() in dois)
            or normalize_title(paper.get("title") or "") in titles
        )
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
