"""The data that flows between stages, and the catalog they produce.

State is named in the type: a `RawLink` is a link as written in the list; a
`Link` is the same link after resolve (kind and ids) and, later, the links
stage (its `health`). Everything here is plain data: no I/O, no imports of
ours, so every layer can depend on it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "SCHEMA_VERSION",
    "ArchivedCopy",
    "ArxivRecord",
    "Candidate",
    "Catalog",
    "CodeLink",
    "Entry",
    "FetchStatus",
    "Finding",
    "Link",
    "LinkHealth",
    "LinkKind",
    "ParsedList",
    "RawEntry",
    "RawLink",
    "RepoRecord",
    "RunStats",
    "ScholarlyRecord",
    "Severity",
    "Verdict",
]

SCHEMA_VERSION = 1


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class LinkKind(StrEnum):
    ARXIV = "arxiv"
    GITHUB = "github"
    DOI = "doi"
    OPENREVIEW = "openreview"
    CVF = "cvf"
    NEURIPS = "neurips"
    HUGGINGFACE = "huggingface"
    PROJECT = "project"
    OTHER = "other"


class Verdict(StrEnum):
    """A link's health this run (DESIGN.md, "Link verdicts")."""

    OK = "ok"
    MOVED = "moved"
    DEAD = "dead"
    BLOCKED = "blocked"
    UNVERIFIED = "unverified"


class FetchStatus(StrEnum):
    """Where a piece of API metadata stands after this run."""

    NOT_FETCHED = "not_fetched"  # offline run, or the stage was skipped and had no past data
    OK = "ok"  # fetched (or revalidated) this run
    NOT_FOUND = "not_found"  # the API answered, and the thing does not exist
    STALE = "stale"  # this run could not fetch; the values are the last known ones
    UNVERIFIED = "unverified"  # this run could not fetch, and there were no past values


class Finding(_Frozen):
    """Something a maintainer may want to fix, with where and how."""

    code: str = Field(description="Stable machine name, e.g. 'unknown-tag', 'dead-link'.")
    severity: Severity
    message: str
    line: int | None = Field(default=None, description="1-based line in the list.")
    column: int | None = Field(
        default=None, description="1-based column of the link it is about, when known."
    )
    hint: str = Field(default="", description="A short proposed fix.")
    url: str | None = None
    entry_key: str | None = None
    suggestion: str | None = Field(
        default=None,
        description="The exact text `fix` writes for this finding: a venue ('CVPR'2024'), "
        "a code link's URL.",
    )
    evidence: dict[str, str] = Field(
        default={},
        description="Where the finding comes from: source, S2 paper id, DOI, DBLP key, ...",
    )


class RawLink(_Frozen):
    """A link as written in the list."""

    label: str
    url: str
    line: int
    column: int = Field(description="1-based column of the URL's link markup, 0 if unknown.")
    image: bool = Field(default=False, description="An image's source (a badge or figure).")
    also_at: list[tuple[int, int]] = Field(
        default=[], description="(line, column) of each other place its entry writes this URL."
    )
    section: list[str] = Field(
        default=[], description="Heading path of a link outside any entry (else empty)."
    )


class LinkHealth(_Frozen):
    """What the links stage (or an API stage) learned about one URL, with history."""

    verdict: Verdict
    status_code: int | None = None
    final_url: str | None = Field(default=None, description="Where a 'moved' link now lives.")
    detail: str = Field(default="", description="Evidence in words: status, error class.")
    checked_at: datetime | None = None
    verified_by: str = Field(default="http", description="'http', 'arxiv-api' or 'github-api'.")
    first_failed_at: datetime | None = None
    last_ok_at: datetime | None = None
    consecutive_failures: int = 0
    persistently_unreachable: bool = False


class ArchivedCopy(_Frozen):
    """The newest archived copy of a page from before it died (the Wayback Machine)."""

    url: str = Field(description="https://web.archive.org/web/<timestamp>/<url>")
    timestamp: str = Field(description="YYYYMMDDhhmmss of the snapshot.")
    found_by: str = Field(description="'cdx' or 'availability'.")
    checked_at: datetime | None = None


class Link(_Frozen):
    """A link after resolve: its kind, ids, normalized form and, later, health."""

    label: str
    url: str
    line: int
    column: int
    image: bool = Field(default=False, description="An image's source (a badge or figure).")
    also_at: list[tuple[int, int]] = Field(
        default=[], description="(line, column) of each other place its entry writes this URL."
    )
    section: list[str] = Field(
        default=[], description="Heading path of a link outside any entry (else empty)."
    )
    kind: LinkKind
    normalized_url: str = Field(description="Canonical form used to find duplicate URLs.")
    arxiv_id: str | None = Field(default=None, description="Without version, e.g. '2305.11175'.")
    arxiv_version: int | None = None
    repo: str | None = Field(default=None, description="GitHub 'owner/name' as linked.")
    doi: str | None = None
    openreview_id: str | None = None
    health: LinkHealth | None = None
    archived: ArchivedCopy | None = Field(
        default=None, description="An archived copy, for a dead or persistently unreachable link."
    )


class RawEntry(_Frozen):
    """One paper as the parse stage found it."""

    key: str = Field(description="Stable key: 'arxiv:<id>' when there is one, else a title slug.")
    section: list[str]
    tags: list[str] = []
    title: str
    authors: list[str] = []
    venue: str | None = None
    venue_text: str | None = Field(
        default=None, description='The venue as the list writes it, e.g. "CVPR\'2024".'
    )
    year: int | None = None
    uncertain: list[str] = Field(
        default=[],
        description="Fields the parser could not read with confidence ('title', 'venue'); "
        "no finding compares them.",
    )
    line: int
    links: list[RawLink] = []


class ParsedList(_Frozen):
    """Everything the parse stage produced from one file."""

    source: str
    entries: list[RawEntry]
    other_links: list[RawLink] = Field(
        default=[], description="Every rendered link that belongs to no entry, in list order."
    )
    findings: list[Finding]
    legend: list[str] = Field(default=[], description="Tags the list defines, if it has a legend.")


class ArxivRecord(_Frozen):
    """The canonical arXiv record of a paper."""

    arxiv_id: str
    version: int | None = None
    title: str | None = None
    authors: list[str] = []
    published: datetime | None = Field(default=None, description="Date of v1.")
    updated: datetime | None = Field(default=None, description="Date of the latest version.")
    primary_category: str | None = None
    categories: list[str] = []
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    abs_url: str | None = None
    pdf_url: str | None = None
    withdrawn: bool = Field(default=False, description="The comment or abstract says withdrawn.")
    resolved_by: str = Field(default="link", description="'link' or 'title-search'.")
    match_score: float | None = None
    fetched_at: datetime | None = None
    status: FetchStatus = FetchStatus.NOT_FETCHED


class ScholarlyRecord(_Frozen):
    """Where a paper stands now in the scholarly graph (Semantic Scholar)."""

    paper_id: str | None = Field(default=None, description="Semantic Scholar's paperId.")
    matched_by: str = Field(default="arxiv", description="'arxiv', 'doi' or 'title'.")
    match_score: float | None = None
    title: str | None = None
    venue: str | None = Field(default=None, description="The venue's name as S2 gives it.")
    venue_type: str | None = Field(default=None, description="'conference', 'journal', ...")
    venue_short: str | None = Field(
        default=None, description="The abbreviation lists use ('CVPR', 'CVPRW'), else the name."
    )
    year: int | None = None
    publication_date: str | None = None
    doi: str | None = None
    dblp_key: str | None = None
    arxiv_id: str | None = None
    citation_count: int | None = None
    influential_citation_count: int | None = None
    citations_read_at: datetime | None = None
    fetched_at: datetime | None = None
    status: FetchStatus = FetchStatus.NOT_FETCHED

    @property
    def published(self) -> bool:
        """Whether S2 places the paper at a conference or journal (not arXiv, not a preprint)."""
        return bool(self.venue_short) and self.venue_type in ("conference", "journal")


class CodeLink(_Frozen):
    """A code link found for a paper the list links no code for (Hugging Face papers)."""

    arxiv_id: str
    repo_url: str | None = Field(default=None, description="The GitHub URL Hugging Face gives.")
    repo: str | None = Field(default=None, description="Its 'owner/name'.")
    project_page: str | None = None
    stars: int | None = Field(default=None, description="Stars as Hugging Face reports them.")
    fetched_at: datetime | None = None
    status: FetchStatus = FetchStatus.NOT_FETCHED


class RepoRecord(_Frozen):
    """A GitHub repository's metadata, keyed in the catalog by 'owner/name' as linked."""

    linked_as: str
    status: FetchStatus = FetchStatus.NOT_FETCHED
    repo_id: int | None = Field(default=None, description="GitHub's numeric id; survives renames.")
    full_name: str | None = None
    url: str | None = None
    stars: int | None = None
    forks: int | None = None
    open_issues: int | None = None
    created_at: datetime | None = None
    pushed_at: datetime | None = None
    last_commit_at: datetime | None = None
    archived: bool | None = None
    disabled: bool | None = None
    fork: bool | None = None
    license: str | None = None
    description: str | None = None
    topics: list[str] = []
    homepage: str | None = None
    language: str | None = None
    size_kb: int | None = Field(default=None, description="Disk usage in KB (GraphQL diskUsage).")
    default_branch: str | None = None
    empty: bool | None = Field(default=None, description="No commits (no default branch).")
    proposed: bool = Field(
        default=False, description="Not linked by the list: a code link proposed for a paper."
    )
    fetched_at: datetime | None = None


class Entry(_Frozen):
    """One paper in the catalog: as parsed, resolved and enriched."""

    key: str
    section: list[str]
    tags: list[str] = []
    title: str
    authors: list[str] = []
    venue: str | None = None
    venue_text: str | None = Field(
        default=None, description='The venue as the list writes it, e.g. "CVPR\'2024".'
    )
    year: int | None = None
    uncertain: list[str] = Field(
        default=[],
        description="Fields the parser could not read with confidence ('title', 'venue'); "
        "no finding compares them.",
    )
    line: int
    arxiv_id: str | None = Field(default=None, description="From a link, else from title search.")
    arxiv_month: str | None = Field(
        default=None, description="'YYYY-MM' derived from a new-style arXiv id (YYMM)."
    )
    repos: list[str] = Field(default=[], description="'owner/name' of each GitHub repo linked.")
    links: list[Link] = []
    arxiv: ArxivRecord | None = None
    scholarly: ScholarlyRecord | None = None
    code: CodeLink | None = Field(
        default=None, description="Code found for an entry that links none (Hugging Face)."
    )


class RunStats(_Frozen):
    """Counts from the run that wrote the catalog."""

    started_at: datetime | None = None
    seconds: float = 0.0
    requests: dict[str, int] = {}
    cache_hits: int = 0
    offline: bool = False
    outage: bool = False
    stages: list[str] = []
    rate_limit: dict[str, int | None] = {}
    previous_entries: int | None = Field(
        default=None, description="Entries in the catalog this run replaced (None: first run)."
    )
    previous_links: int | None = Field(
        default=None, description="Links in the catalog this run replaced (None: first run)."
    )


class Candidate(_Frozen):
    """A paper not on the list that cites several of its papers (Semantic Scholar citations)."""

    paper_id: str
    title: str
    arxiv_id: str | None = None
    doi: str | None = None
    year: int | None = None
    publication_date: str | None = None
    cites: list[str] = Field(description="Keys of the list's entries it cites.")
    section: list[str] = Field(default=[], description="The section whose papers it cites most.")
    command: str = Field(description="The `pipeline add` command that adds it.")


class Catalog(_Frozen):
    """The enriched catalog written to data/catalog.json."""

    schema_version: int = SCHEMA_VERSION
    generated_at: datetime
    source: str
    entries: list[Entry]
    other_links: list[Link] = Field(
        default=[],
        description="Links outside any recognized entry (navigation, badges, related lists, "
        "blocks whose format was not understood): checked like every other link.",
    )
    repos: dict[str, RepoRecord] = {}
    findings: list[Finding] = []
    candidates: list[Candidate] = Field(
        default=[],
        description="Papers the list may be missing: they cite at least `candidates_min_cites` "
        "of its papers. Ranked by how many, then newest first.",
    )
    stats: RunStats = RunStats()

    def iter_links(self) -> Iterator[tuple[str | None, Link]]:
        """Every link with its entry's key (None for other links): entries first, in order."""
        for entry in self.entries:
            for link in entry.links:
                yield entry.key, link
        for link in self.other_links:
            yield None, link

    def with_links(self, change: Callable[[Link], Link]) -> Catalog:
        """A copy with `change` applied to every link, in entries and outside them."""
        entries = [
            entry.model_copy(update={"links": [change(link) for link in entry.links]})
            for entry in self.entries
        ]
        others = [change(link) for link in self.other_links]
        return self.model_copy(update={"entries": entries, "other_links": others})
