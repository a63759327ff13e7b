"""What the sources say about a paper to add: arXiv, Semantic Scholar, Hugging Face, GitHub.

- arXiv (the arXiv stage's client): title, authors, first-version date, latest version.
- Semantic Scholar (the scholarly stage's client): venue and year; for a DOI, or a
  title read from a CVF URL, an OpenReview note or a NeurIPS page (pages.py), the
  paper itself (and its arXiv id); its references, to choose a section.
- Hugging Face papers: the code repository and project page it names; the
  repository is checked through the GitHub stage's fetcher (a deleted one is
  dropped, a renamed one written under its new name).

arXiv is required for an arXiv paper: when it does not answer the command
stops (exit 3). When S2 does not answer, the venue is a marked placeholder,
never a guess; when Hugging Face does not, there is no code link. A paper
with no arXiv id is written from S2's record (title, authors, year, venue),
or from its OpenReview or NeurIPS page when S2 does not know it, and links
the page it was given (a DOI: doi.org).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from pipeline.config import Settings
from pipeline.context import RunContext
from pipeline.errors import InputError, SourceDown
from pipeline.grow.pages import (
    PageRecord,
    neurips_page,
    openreview_id,
    read_neurips,
    read_openreview,
)
from pipeline.grow.style import NewEntry
from pipeline.net.client import open_client
from pipeline.stages.arxiv.client import ArxivApi
from pipeline.stages.arxiv.feed import record_from_result
from pipeline.stages.arxiv.match import title_score
from pipeline.stages.github.fetch import GitHubFetcher, Outcome
from pipeline.stages.resolve import arxiv_id_from_url, repo_from_url
from pipeline.stages.scholarly.hf import HfPapers
from pipeline.stages.scholarly.s2 import FIELDS, NO_MATCH, S2Api
from pipeline.stages.scholarly.venues import read_venue

__all__ = ["Found", "Reference", "Wanted", "fetch_paper", "read_identifier"]

_ARXIV = re.compile(r"^(?:arxiv:)?(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v(\d+))?$", re.I)
_DOI = re.compile(r"^(?:doi:)?(10\.\d{4,9}/\S+)$", re.I)
_CVF_TAIL = re.compile(r"_(?:CVPR|ICCV|ECCV|WACV|CVPRW|ICCVW)_\d{4}_paper$", re.I)
_REFERENCE_FIELDS = "externalIds,title"


@dataclass(frozen=True)
class Wanted:
    """What the user named: an arXiv id (and version), a DOI, a title read from a URL, or
    a page that names the paper (an OpenReview note, a NeurIPS page)."""

    arxiv_id: str | None = None
    version: int | None = None
    doi: str | None = None
    title: str | None = None
    openreview: str | None = None  # an OpenReview note id
    page: str | None = None  # a NeurIPS page whose meta tags name the paper
    url: str | None = None  # the page given: the paper's link when it has no arXiv id


@dataclass(frozen=True)
class Reference:
    """A paper the new one cites, by whatever ids S2 gives."""

    arxiv_id: str | None
    doi: str | None
    title: str


@dataclass
class Found:
    """The paper, and what the sources said about how they answered."""

    paper: NewEntry
    references: list[Reference] | None = None  # None: not asked, or S2 did not answer
    notes: list[str] = field(default_factory=list)


def read_identifier(text: str) -> Wanted:
    """An arXiv id or URL, a DOI (or doi.org URL), a CVF, OpenReview or NeurIPS paper URL;
    else InputError."""
    text = text.strip()
    match = _ARXIV.match(text)
    if match:
        return Wanted(arxiv_id=match[1], version=int(match[2]) if match[2] else None)
    match = _DOI.match(text)
    if match:
        return Wanted(doi=match[1])
    if text.startswith(("http://", "https://")):
        found = arxiv_id_from_url(text)
        if found:
            return Wanted(arxiv_id=found[0], version=found[1])
        parts = urlsplit(text)
        host = (parts.hostname or "").lower()
        if host in ("doi.org", "dx.doi.org"):
            return Wanted(doi=unquote(parts.path.lstrip("/")))
        if host.endswith("thecvf.com") and parts.path.endswith(".html"):
            stem = parts.path.rsplit("/", 1)[-1].removesuffix(".html")
            words = _CVF_TAIL.sub("", stem).split("_")[1:]  # the first author's name first
            if words:
                return Wanted(title=" ".join(words), url=text)
        note = openreview_id(text)
        if note:
            return Wanted(openreview=note, url=text)
        page = neurips_page(text)
        if page:
            return Wanted(page=page, url=text)
        raise InputError(
            f"cannot tell which paper {text!r} is: give its arXiv id or URL, its DOI, "
            "or its CVF, OpenReview or NeurIPS page"
        )
    raise InputError(
        f"{text!r} is not an arXiv id (2401.01234), a DOI (10.xxxx/...) or a paper URL"
    )


def _references(body: Any) -> list[Reference] | None:
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        return None
    out = []
    for item in data:
        cited = item.get("citedPaper") if isinstance(item, dict) else None
        if not isinstance(cited, dict):
            continue
        ids = cited.get("externalIds") if isinstance(cited.get("externalIds"), dict) else {}
        out.append(
            Reference(
                arxiv_id=str(ids.get("ArXiv") or "") or None,
                doi=str(ids.get("DOI") or "") or None,
                title=str(cited.get("title") or ""),
            )
        )
    return out


async def _s2_record(api: S2Api, wanted: Wanted, threshold: float) -> dict[str, Any] | None:
    """S2's record of the paper (with authors), None when S2 has none or did not answer.

    A title match counts only when S2's title is the same title (`title_score` at least
    `threshold`): S2's match is fuzzy, and another paper's record would be a wrong entry."""
    if wanted.title and not (wanted.arxiv_id or wanted.doi):
        match = await api.match_title(wanted.title)
        if match is None or match is NO_MATCH or not isinstance(match, dict):
            return None
        if title_score(str(match.get("title") or ""), wanted.title) < threshold:
            return None
        pid = str(match.get("paperId") or "")
        if not pid:
            return match
        s2_id = pid
    else:
        s2_id = f"ARXIV:{wanted.arxiv_id}" if wanted.arxiv_id else f"DOI:{wanted.doi}"
    answer = await api.get(f"/paper/{s2_id}", {"fields": f"{FIELDS},authors"})
    if answer is None:
        return None
    status, body = answer
    if status == 404:
        return None
    if status != 200 or not isinstance(body, dict):
        api.down = f"HTTP {status}"
        return None
    return body


async def _code(ctx: RunContext, arxiv_id: str, found: Found) -> None:
    hf = HfPapers(ctx)
    page = await hf.paper(arxiv_id)
    if page is None:
        found.notes.append(f"Hugging Face did not answer ({hf.down}): no code link looked up")
        return
    url, project = page.get("githubRepo"), page.get("projectPage")
    if isinstance(project, str) and project.startswith(("http://", "https://")):
        found.paper.project_url = project
    repo = repo_from_url(url) if isinstance(url, str) else None
    if repo is None:
        return
    outcome = (await GitHubFetcher(ctx).fetch_all([repo])).get(repo)
    if outcome is None or outcome.outcome is Outcome.FAILED:
        found.notes.append(f"code {url}: GitHub could not be asked; check it before merging")
        found.paper.code_url = url
    elif outcome.outcome is Outcome.OK:
        name = outcome.record.full_name if outcome.record and outcome.record.full_name else repo
        found.paper.code_url = f"https://github.com/{name}" if name != repo else url
        if name != repo:
            found.notes.append(f"code: {repo} moved to {name}; linked as {name}")
    else:
        found.notes.append(f"code {url}: GitHub says {outcome.outcome.value}; left out")


async def fetch_paper(
    settings: Settings, wanted: Wanted, *, references: bool, now: datetime | None = None
) -> Found:
    """Everything the sources say about `wanted`; SourceDown when arXiv cannot answer."""
    now = now or datetime.now(UTC).replace(microsecond=0)
    async with open_client(settings) as net:
        ctx = RunContext(settings=settings, now=now, net=net)
        s2 = S2Api(ctx)
        threshold = settings.title_match_threshold
        record = None
        page: PageRecord | None = None
        if wanted.openreview:
            page = await read_openreview(ctx, wanted.openreview)
        elif wanted.page:
            page = await read_neurips(ctx, wanted.page)
        if page is not None:
            wanted = replace(wanted, title=page.title)
        arxiv_id = wanted.arxiv_id
        if arxiv_id is None:
            record = await _s2_record(s2, wanted, threshold)
            if record is None and (s2.down or page is None):
                name = wanted.doi or wanted.title
                if s2.down:
                    raise SourceDown(
                        f"Semantic Scholar did not answer ({s2.down}): cannot find {name!r} "
                        "or its arXiv version; try again later"
                    )
                raise InputError(f"no paper for {name!r}: Semantic Scholar knows none")
            ids = (record or {}).get("externalIds")
            arxiv_id = (str(ids.get("ArXiv") or "") or None) if isinstance(ids, dict) else None
        paper = NewEntry(title="", doi=wanted.doi)
        found = Found(paper=paper)
        if arxiv_id is None:
            paper.paper_url = wanted.url
        if record is None and page is not None:
            _apply_page(paper, page)
            source = "OpenReview" if wanted.openreview else "NeurIPS's page"
            found.notes.append(
                f"Semantic Scholar does not know it: written from {source} (no arXiv version)"
            )
        if arxiv_id is not None:
            api = ArxivApi(ctx)
            answer = await api.fetch_ids([arxiv_id])
            if arxiv_id not in answer.found:
                if api.down or answer.unanswered:
                    raise SourceDown(f"arXiv did not answer ({api.down}); nothing was changed")
                raise InputError(f"arXiv has no paper {arxiv_id}")
            arxiv = record_from_result(answer.found[arxiv_id], now=now)
            paper.arxiv_id = arxiv_id
            paper.arxiv_version = arxiv.version
            paper.title = " ".join(arxiv.title.split())
            paper.authors = list(arxiv.authors)
            if arxiv.published is not None:
                paper.year = arxiv.published.year
                paper.month = arxiv.published.strftime("%Y-%m")
                paper.date = arxiv.published.strftime("%Y-%m-%d")
            paper.doi = paper.doi or arxiv.doi
            if record is None:
                record = await _s2_record(s2, Wanted(arxiv_id=arxiv_id), threshold)
        if record is not None:
            _apply_s2(paper, record)
        if paper.venue_short is None and page is not None:
            _page_venue(paper, page)  # S2 places it nowhere; its own page does
        if arxiv_id is None and paper.venue_short is None:
            # Not on arXiv and at no venue a source names: "arXiv'2024" would be wrong.
            paper.venue_unknown = True
            found.notes.append("no source names its venue: left to you")
        elif s2.down:
            paper.venue_unknown = True  # a placeholder: S2 could not say where it appeared
            found.notes.append(f"Semantic Scholar did not answer ({s2.down}): venue left to you")
        if references and not s2.down and (arxiv_id or record):
            s2_id = f"ARXIV:{arxiv_id}" if arxiv_id else str((record or {}).get("paperId") or "")
            answer_refs = await s2.get(
                f"/paper/{s2_id}/references", {"fields": _REFERENCE_FIELDS, "limit": 1000}
            )
            if answer_refs is not None and answer_refs[0] == 200:
                found.references = _references(answer_refs[1])
        if arxiv_id is not None:
            await _code(ctx, arxiv_id, found)
    return found


def _apply_s2(paper: NewEntry, record: dict[str, Any]) -> None:
    _, short, _ = read_venue(record)
    year = record.get("year")
    if short:
        paper.venue_short = short
        paper.venue_year = year if isinstance(year, int) else None
    if not paper.title:
        paper.title = " ".join(str(record.get("title") or "").split())
    if not paper.authors and isinstance(record.get("authors"), list):
        paper.authors = [
            str(a.get("name")) for a in record["authors"] if isinstance(a, dict) and a.get("name")
        ]
    if isinstance(year, int):
        paper.year = year  # S2's year is the publication's; arXiv's the first version's
    published = str(record.get("publicationDate") or "")
    if paper.date is None and re.fullmatch(r"\d{4}-\d\d-\d\d", published):
        paper.date, paper.month = published, published[:7]  # no arXiv: the publication's
    ids = record.get("externalIds") if isinstance(record.get("externalIds"), dict) else {}
    paper.doi = paper.doi or (str(ids.get("DOI") or "") or None)


def _apply_page(paper: NewEntry, page: PageRecord) -> None:
    """The paper as its own page describes it (S2 does not know it)."""
    paper.title = page.title
    paper.authors = list(page.authors)
    paper.year = page.year


def _page_venue(paper: NewEntry, page: PageRecord) -> None:
    """The venue the page names, when it shows an accepted paper."""
    if page.published and page.venue:
        # "ICLR 2024 poster" -> ICLR: the venue is what comes before its year.
        year = re.search(r"(?<!\d)(?:19|20)\d\d(?!\d)", page.venue)
        short = page.venue[: year.start()].strip() if year else page.venue
        paper.venue_short = short or None
        paper.venue_year = page.year
