"""A synthetic catalog of tests/fixtures/sample-list.md with every finding kind and verdict.

Lines and columns are read off the fixture list, so `pipeline fix` can edit it.
The previous catalog differs so the diff has new, removed, newly dead,
recovered and moved links, and star movers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pipeline.model import (
    ArchivedCopy,
    ArxivRecord,
    Catalog,
    Entry,
    FetchStatus,
    Finding,
    Link,
    LinkHealth,
    LinkKind,
    RepoRecord,
    RunStats,
    ScholarlyRecord,
    Severity,
    Verdict,
)

SAMPLE_LIST = Path(__file__).parent / "fixtures" / "sample-list.md"
NOW = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
BEFORE = datetime(2026, 2, 26, 6, 0, tzinfo=UTC)
EVIL_TITLE = "Beta @someone <img src=x onerror=alert(1)> [x](javascript:alert(1))"
EVIL_DESCRIPTION = "Click [me](javascript:alert(document.cookie)) @octocat <script>x</script> | #1"


def _lines() -> list[str]:
    return SAMPLE_LIST.read_text(encoding="utf-8").split("\n")


def _link(line: int, url: str, kind: LinkKind, health: LinkHealth | None = None, **ids) -> Link:
    text = _lines()[line - 1]
    column = text.index(url) + 1
    if "label" in ids:
        label = ids.pop("label")
    else:
        label = "code" if kind is LinkKind.GITHUB else "paper"
    return Link(
        label=label,
        url=url,
        line=line,
        column=column,
        kind=kind,
        normalized_url=url.lower(),
        health=health,
        **ids,
    )


def _ok(by: str = "http", final: str | None = None) -> LinkHealth:
    return LinkHealth(
        verdict=Verdict.OK, status_code=200, final_url=final, checked_at=NOW, verified_by=by
    )


def _health(verdict: Verdict, **extra) -> LinkHealth:
    return LinkHealth(verdict=verdict, checked_at=NOW, **extra)


def _arxiv(arxiv_id: str, title: str, published: datetime, **extra) -> ArxivRecord:
    return ArxivRecord(
        arxiv_id=arxiv_id,
        version=extra.pop("version", 1),
        title=title,
        published=published,
        updated=published,
        abs_url=f"https://arxiv.org/abs/{arxiv_id}",
        status=extra.pop("status", FetchStatus.OK),
        fetched_at=NOW,
        **extra,
    )


def _entry(key: str, title: str, line: int, links: list[Link], **extra) -> Entry:
    repos = [link.repo for link in links if link.repo]
    return Entry(
        key=key, section=["Papers"], title=title, line=line, links=links, repos=repos, **extra
    )


def _repo(linked_as: str, repo_id: int, stars: int, **extra) -> RepoRecord:
    full_name = extra.pop("full_name", linked_as)
    return RepoRecord(
        linked_as=linked_as,
        status=extra.pop("status", FetchStatus.OK),
        repo_id=repo_id,
        full_name=full_name,
        url=f"https://github.com/{full_name}",
        stars=stars,
        description=extra.pop("description", None),
        fetched_at=NOW,
        **extra,
    )


def _find(
    code: str, severity: Severity, line: int, key: str | None, url: str | None, hint: str, msg: str
):
    return Finding(
        code=code, severity=severity, message=msg, line=line, hint=hint, url=url, entry_key=key
    )


def _entries(*, now: bool) -> list[Entry]:
    gh = "github-api"
    delta_paper = _health(Verdict.DEAD, status_code=404) if now else _ok()
    gamma_project = (
        _health(Verdict.MOVED, status_code=301, final_url="https://example.com/new-home")
        if now
        else _ok()
    )
    flaky = _health(
        Verdict.UNVERIFIED,
        detail="timeout",
        consecutive_failures=4,
        persistently_unreachable=True,
    )
    return [
        _entry(
            "arxiv:2305.00001",
            "Alpha: A Paper With Stars",
            5,
            [
                _link(
                    5,
                    "https://arxiv.org/abs/2305.00001",
                    LinkKind.ARXIV,
                    _ok("arxiv-api"),
                    arxiv_id="2305.00001",
                ),
                _link(
                    5,
                    "https://github.com/alice/alpha",
                    LinkKind.GITHUB,
                    _ok(gh),
                    repo="alice/alpha",
                ),
            ],
            venue="NeurIPS",
            year=2023,
            arxiv_id="2305.00001",
            arxiv_month="2023-05",
            arxiv=_arxiv(
                "2305.00001",
                "Alpha: A Paper With Stars",
                datetime(2023, 5, 2, tzinfo=UTC),
                version=3,
            ),
        ),
        _entry(
            "arxiv:2401.00002",
            EVIL_TITLE,
            6,
            [
                _link(
                    6,
                    "https://arxiv.org/pdf/2401.00002v2.pdf",
                    LinkKind.ARXIV,
                    _ok("arxiv-api"),
                    arxiv_id="2401.00002",
                    arxiv_version=2,
                ),
                _link(
                    6,
                    "https://github.com/OldOwner/beta",
                    LinkKind.GITHUB,
                    _health(
                        Verdict.MOVED, verified_by=gh, final_url="https://github.com/NewOwner/beta"
                    ),
                    repo="OldOwner/beta",
                ),
            ],
            venue="CVPR",
            year=2024,
            arxiv_id="2401.00002",
            arxiv_month="2024-01",
            arxiv=_arxiv(
                "2401.00002",
                "[x](javascript:alert(1)) <img src=x onerror=alert(1)> @attacker",
                datetime(2024, 1, 3, tzinfo=UTC),
                version=2,
            ),
        ),
        _entry(
            "gamma-http-and-moved",
            "Gamma: Http And Moved",
            7,
            [
                _link(
                    7,
                    "http://example.org/gamma",
                    LinkKind.OTHER,
                    _ok(final="https://example.org/gamma"),
                ),
                _link(
                    7,
                    "https://example.com/old-home",
                    LinkKind.PROJECT,
                    gamma_project,
                    label="project",
                ),
            ],
            venue="arXiv",
            year=2024,
        ),
        _entry(
            "delta-dead-things",
            "Delta: Dead Things",
            8,
            [
                _link(8, "https://example.net/delta.pdf", LinkKind.OTHER, delta_paper),
                _link(
                    8,
                    "https://github.com/bob/delta",
                    LinkKind.GITHUB,
                    _health(Verdict.DEAD, verified_by=gh, status_code=404),
                    repo="bob/delta",
                ),
            ],
            venue="ICCV",
            year=2023,
        ),
        _entry(
            "arxiv:2501.99999",
            "Epsilon: No Such Id",
            9,
            [
                _link(
                    9,
                    "https://arxiv.org/abs/2501.99999",
                    LinkKind.ARXIV,
                    _health(Verdict.DEAD, verified_by="arxiv-api"),
                    arxiv_id="2501.99999",
                )
            ],
            venue="arXiv",
            year=2025,
            arxiv_id="2501.99999",
            arxiv_month="2025-01",
            arxiv=ArxivRecord(arxiv_id="2501.99999", status=FetchStatus.NOT_FOUND),
        ),
        _entry(
            "zeta-unreachable",
            "Zeta: Unreachable",
            10,
            [
                _link(
                    10,
                    "https://blocked.example/zeta",
                    LinkKind.OTHER,
                    _health(Verdict.BLOCKED, status_code=403),
                ),
                _link(
                    10,
                    "https://flaky.example/zeta",
                    LinkKind.PROJECT,
                    flaky if now else _health(Verdict.DEAD, status_code=410),
                    label="project",
                ),
                _link(
                    10,
                    "https://redirect.example/zeta",
                    LinkKind.OTHER,
                    _health(Verdict.MOVED, status_code=301, final_url="javascript:alert(1)"),
                    label="demo",
                ),
            ],
            venue="ECCV",
            year=2024,
        ),
        _entry(
            "arxiv:2310.00007",
            "Eta: Repos In Every State",
            11,
            [
                _link(
                    11,
                    "https://arxiv.org/abs/2310.00007v3",
                    LinkKind.ARXIV,
                    _ok("arxiv-api"),
                    arxiv_id="2310.00007",
                    arxiv_version=3,
                ),
                *(
                    _link(
                        11,
                        f"https://github.com/carol/{name}",
                        LinkKind.GITHUB,
                        _ok(gh),
                        repo=f"carol/{name}",
                    )
                    for name in ("archived", "stale", "empty", "disabled", "dmca")
                ),
            ],
            venue="arXiv",
            year=2023,
            arxiv_id="2310.00007",
            arxiv_month="2023-10",
            arxiv=_arxiv(
                "2310.00007",
                "Eta: Repos In Every State",
                datetime(2023, 10, 1, tzinfo=UTC),
                version=3,
                comment="This paper has been withdrawn",
            ),
        ),
        _entry(
            "theta-found-by-title",
            "Theta: Found By Title",
            12,
            [
                _link(
                    12,
                    "https://doi.org/10.1109/theta",
                    LinkKind.DOI,
                    _ok() if now else _health(Verdict.DEAD, status_code=404),
                    doi="10.1109/theta",
                ),
                _link(
                    12,
                    "https://www.github.com/dave/theta",
                    LinkKind.GITHUB,
                    _ok(gh),
                    repo="dave/theta",
                ),
            ],
            venue="TPAMI",
            year=2024,
            arxiv_id="2402.00008",
            arxiv_month="2024-02",
            arxiv=_arxiv(
                "2402.00008",
                "Theta: Found by Title",
                datetime(2024, 2, 9, tzinfo=UTC),
                resolved_by="title-search",
                match_score=97.5,
            ),
        ),
        _entry(
            "arxiv:2210.00009",
            "Iota: Not Checked",
            13,
            [
                _link(
                    13,
                    "https://arxiv.org/abs/2210.00009",
                    LinkKind.ARXIV,
                    None,
                    arxiv_id="2210.00009",
                )
            ],
            venue="arXiv",
            year=2022,
            arxiv_id="2210.00009",
            arxiv_month="2022-10",
        ),
        _entry(
            "kappa-twice",
            "Kappa twice",
            14,
            [
                _link(
                    14,
                    "https://arxiv.org/abs/2305.00001v2",
                    LinkKind.ARXIV,
                    _ok("arxiv-api"),
                    arxiv_id="2305.00001",
                    arxiv_version=2,
                    label="",
                ),
                _link(
                    14,
                    "http://arxiv.org/abs/2305.00001v2",
                    LinkKind.ARXIV,
                    _ok("arxiv-api"),
                    arxiv_id="2305.00001",
                    arxiv_version=2,
                ),
            ],
        ),
    ]


def _repos(*, now: bool) -> dict[str, RepoRecord]:
    old = datetime(2021, 1, 1, tzinfo=UTC)
    records = [
        _repo("alice/alpha", 1, 1500 if now else 1000, description=EVIL_DESCRIPTION),
        _repo("OldOwner/beta", 2, 800 if now else 790, full_name="NewOwner/beta"),
        RepoRecord(linked_as="bob/delta", status=FetchStatus.NOT_FOUND),
        _repo("carol/archived", 4, 50, archived=True),
        _repo("carol/stale", 5, 20 if now else 25, pushed_at=old, last_commit_at=old),
        _repo("carol/empty", 6, 0),
        _repo("carol/disabled", 7, 3, disabled=True),
        RepoRecord(linked_as="carol/dmca", status=FetchStatus.UNVERIFIED),
        _repo("dave/theta", 9, 310 if now else 300),
    ]
    return {record.linked_as.lower(): record for record in records}


def _findings() -> list[Finding]:
    e, w, i = Severity.ERROR, Severity.WARNING, Severity.INFO
    beta = "arxiv:2401.00002"
    return [
        _find(
            "dead-link",
            e,
            8,
            "delta-dead-things",
            "https://example.net/delta.pdf",
            "Remove the link or find where the paper moved.",
            "HTTP 404",
        ),
        _find(
            "repo-dead",
            e,
            8,
            "delta-dead-things",
            "https://github.com/bob/delta",
            "Remove the code link or find a fork.",
            "the repository does not exist",
        ),
        _find(
            "moved-link",
            w,
            7,
            "gamma-http-and-moved",
            "https://example.com/old-home",
            "Use https://example.com/new-home",
            "301 permanent redirect",
        ),
        _find(
            "dead-link",
            e,
            18,
            None,
            "https://old-list.example/awesome",
            "Remove the link or replace it with a live copy.",
            "link (outside entries): HTTP 410",
        ),
        _find(
            "moved-link",
            w,
            18,
            None,
            "https://moved-list.example/awesome",
            "Link the new address: https://moved-list.example/v2",
            "link (outside entries): 308 permanent redirect",
        ),
        _find(
            "repo-moved",
            w,
            6,
            beta,
            "https://github.com/OldOwner/beta",
            "Use https://github.com/NewOwner/beta",
            "renamed to NewOwner/beta",
        ),
        _find(
            "non-http-redirect",
            w,
            10,
            "zeta-unreachable",
            "https://redirect.example/zeta",
            "Check the link by hand.",
            "redirects to javascript:alert(1)",
        ),
        _find(
            "title-mismatch",
            w,
            6,
            beta,
            "https://arxiv.org/pdf/2401.00002v2.pdf",
            "arXiv title: [x](javascript:alert(1)) <img src=x onerror=alert(1)> @attacker",
            "listed title differs from arXiv",
        ),
        _find(
            "venue-update",
            w,
            9,
            "arxiv:2501.99999",
            None,
            "Venue: CVPR 2025 (journal_ref)",
            "arXiv says it was published",
        ),
        _find(
            "nonexistent-arxiv-id",
            e,
            9,
            "arxiv:2501.99999",
            "https://arxiv.org/abs/2501.99999",
            "Check the id; search arXiv by title.",
            "arXiv has no paper 2501.99999",
        ),
        _find(
            "withdrawn",
            w,
            11,
            "arxiv:2310.00007",
            "https://arxiv.org/abs/2310.00007v3",
            "Mark or remove the entry.",
            "the authors withdrew this paper",
        ),
        _find(
            "new-version",
            i,
            5,
            "arxiv:2305.00001",
            "https://arxiv.org/abs/2305.00001",
            "",
            "v3 is out (was v2)",
        ),
        _find(
            "title-match-suggestion",
            i,
            10,
            "zeta-unreachable",
            None,
            "Maybe https://arxiv.org/abs/2402.11111 (score 81)",
            "a similar arXiv title",
        ),
        _find(
            "resolved-by-title",
            i,
            12,
            "theta-found-by-title",
            None,
            "Add https://arxiv.org/abs/2402.00008",
            "found on arXiv by title (score 97.5)",
        ),
        _find(
            "blocked-link",
            i,
            10,
            "zeta-unreachable",
            "https://blocked.example/zeta",
            "",
            "HTTP 403: the host refuses robots",
        ),
        _find(
            "persistently-unreachable",
            w,
            10,
            "zeta-unreachable",
            "https://flaky.example/zeta",
            "Check it by hand; replace it if it is gone.",
            "unreachable for 4 runs (timeout)",
        ),
        _find(
            "repo-archived",
            i,
            11,
            "arxiv:2310.00007",
            "https://github.com/carol/archived",
            "",
            "archived by its owner",
        ),
        _find(
            "repo-stale",
            i,
            11,
            "arxiv:2310.00007",
            "https://github.com/carol/stale",
            "",
            "no push since 2021-01-01",
        ),
        _find(
            "repo-placeholder",
            w,
            11,
            "arxiv:2310.00007",
            "https://github.com/carol/empty",
            "Link the code when it is released.",
            "only a README (code coming soon)",
        ),
        _find(
            "repo-disabled",
            w,
            11,
            "arxiv:2310.00007",
            "https://github.com/carol/disabled",
            "Remove the code link.",
            "GitHub disabled this repository",
        ),
        _find(
            "repo-blocked",
            w,
            11,
            "arxiv:2310.00007",
            "https://github.com/carol/dmca",
            "Remove the code link.",
            "HTTP 451 (DMCA takedown)",
        ),
        _find(
            "unknown-tag",
            w,
            14,
            "kappa-twice",
            None,
            "Add the tag to the legend or fix its spelling.",
            "tag [Foo] is not in the legend",
        ),
        _find(
            "duplicate-url",
            w,
            14,
            "kappa-twice",
            "http://arxiv.org/abs/2305.00001v2",
            "Keep one entry.",
            "same paper as line 5",
        ),
        _find("missing-code-link", i, 13, "arxiv:2210.00009", None, "", "no code link"),
    ]


def _stats() -> RunStats:
    return RunStats(
        started_at=NOW,
        seconds=42.5,
        requests={"arxiv": 2, "github": 3, "links": 17},
        cache_hits=11,
        stages=["parse", "resolve", "arxiv", "github", "links", "emit"],
        rate_limit={"github_rest": 4990, "github_graphql": None},
    )


def _other_links(*, now: bool) -> list[Link]:
    """The Related section's two links, outside every entry: one gone, one moved since."""
    old, moved = "https://old-list.example/awesome", "https://moved-list.example/awesome"
    gone = _health(Verdict.DEAD, status_code=410) if now else _ok()
    went = _health(Verdict.MOVED, status_code=308, final_url="https://moved-list.example/v2")
    links = [
        _link(18, old, LinkKind.OTHER, gone, label="link"),
        _link(18, moved, LinkKind.OTHER, went if now else _ok(), label="link"),
    ]
    return [link.model_copy(update={"section": ["Related"]}) for link in links]


# Where papers stand now (the scholarly stage): key -> (venue, year, citations now, before).
_SCHOLARLY = {
    "arxiv:2305.00001": ("NeurIPS", 2023, 120, 100),
    "gamma-http-and-moved": ("CVPR", 2024, 3, 0),
    "arxiv:2401.00002": (None, 2024, 7, 9),
    "arxiv:2310.00007": ("NeurIPS", 2023, 42, 42),
}


def _with_scholarly(entries: list[Entry], *, now: bool) -> list[Entry]:
    def record(key: str) -> ScholarlyRecord | None:
        if key not in _SCHOLARLY:
            return None
        venue, year, cited, before = _SCHOLARLY[key]
        return ScholarlyRecord(
            paper_id=f"s2-{key[-5:]}",
            venue=venue,
            venue_type="conference" if venue else None,
            venue_short=venue,
            year=year,
            citation_count=cited if now else before,
            influential_citation_count=(cited if now else before) // 10,
            citations_read_at=NOW if now else BEFORE,
            fetched_at=NOW if now else BEFORE,
            status=FetchStatus.OK,
        )

    # The venue as the sample list writes it (`arXiv'2024`): what a `published` fix replaces.
    return [
        e.model_copy(
            update={
                "scholarly": record(e.key),
                "venue_text": f"{e.venue}'{e.year}" if e.venue and e.year else None,
            }
        )
        for e in entries
    ]


def _scholarly_findings() -> list[Finding]:
    published = Finding(
        code="published",
        severity=Severity.WARNING,
        message="now published at CVPR 2024 (the list says arXiv'2024)",
        line=7,
        hint="change arXiv'2024 to CVPR'2024",
        url="https://www.semanticscholar.org/paper/s2-moved",
        entry_key="gamma-http-and-moved",
        suggestion="CVPR'2024",
        evidence={"source": "semantic-scholar", "paper_id": "s2-moved"},
    )
    code = Finding(
        code="code-available",
        severity=Severity.INFO,
        message="code found: zeta-lab/zeta, 12 stars",
        line=11,
        hint="add a code link: https://github.com/zeta-lab/zeta",
        url="https://github.com/zeta-lab/zeta",
        entry_key="zeta-unreachable",
        suggestion="https://github.com/zeta-lab/zeta",
        evidence={"source": "huggingface-papers", "arxiv_id": "2402.00011"},
    )
    return [published, code]


def _archived(links: list[Link]) -> list[Link]:
    """The dead link outside entries, with its newest archived copy from before it died."""
    copy = ArchivedCopy(
        url="https://web.archive.org/web/20250101000000/https://old-list.example/awesome",
        timestamp="20250101000000",
        found_by="cdx",
        checked_at=NOW,
    )
    return [
        link.model_copy(update={"archived": copy}) if link.url.startswith("https://old-") else link
        for link in links
    ]


def sample_catalog() -> Catalog:
    """This run's catalog: every finding kind, every verdict, and unchecked links."""
    return Catalog(
        generated_at=NOW,
        source="tests/fixtures/sample-list.md",
        entries=_with_scholarly(_entries(now=True), now=True),
        other_links=_archived(_other_links(now=True)),
        repos=_repos(now=True),
        findings=[*_findings(), *_scholarly_findings()],
        stats=_stats(),
    )


def sample_previous() -> Catalog:
    """The run before: no Iota, an entry since removed, other verdicts and star counts."""
    entries = [e for e in _entries(now=False) if e.key != "arxiv:2210.00009"]
    removed = Entry(key="lambda-removed", section=["Papers"], title="Lambda: Removed", line=15)
    return Catalog(
        generated_at=BEFORE,
        source="tests/fixtures/sample-list.md",
        entries=[*_with_scholarly(entries, now=False), removed],
        other_links=_other_links(now=False),
        repos=_repos(now=False),
        findings=[],
        stats=_stats(),
    )


def sample_star_rows() -> str:
    """data/stars.csv for the two biggest repos over three runs."""
    rows = ["date,repo_id,full_name,stars"]
    for day, alpha, beta in (
        ("2026-02-19", 900, 780),
        ("2026-02-26", 1000, 790),
        ("2026-03-02", 1500, 800),
    ):
        rows.append(f"{day}T06:00:00Z,1,alice/alpha,{alpha}")
        rows.append(f"{day}T06:00:00Z,2,NewOwner/beta,{beta}")
    return "\n".join(rows) + "\n"
