"""Resolve stage: each URL gets a kind and ids; entries get keys; duplicates become findings.

No network: everything here is read off the URL itself.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Generator, Iterable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit, urlunsplit

import idna

from pipeline.model import (
    Entry,
    Finding,
    Link,
    LinkHealth,
    LinkKind,
    ParsedList,
    RawEntry,
    RawLink,
    Severity,
    Verdict,
)
from pipeline.stages.duplicates import duplicate_findings

__all__ = [
    "URL_SYNTAX",
    "UrlProblem",
    "arxiv_id_from_url",
    "arxiv_month",
    "malformed_url_findings",
    "normalize_url",
    "repo_from_url",
    "resolve_entries",
    "resolve_link",
    "resolve_other_links",
    "resolve_steps",
    "url_problem",
]

# `LinkHealth.verified_by` of a link judged from its spelling alone (no request is sent).
URL_SYNTAX = "url-syntax"
# Characters no browser accepts in a host name (RFC 3986 reg-name, WHATWG forbidden host code
# points); `%` is left to the IDNA check.
_BAD_HOST_CHARS = re.compile(r"[\s<>\"{}|\\^`#/?@\[\]]")

# New style (since 2007): YYMM.NNNN or YYMM.NNNNN; old style: archive[.SC]/YYMMNNN.
_NEW_ID = r"(?P<new>\d{4}\.\d{4,5})"
_OLD_ID = r"(?P<old>[a-z][a-z\-]*(?:\.[A-Za-z]{2})?/\d{7})"
_ARXIV_PATH = re.compile(
    rf"^/(?:abs|pdf|html|format|ps)/(?:{_NEW_ID}|{_OLD_ID})(?:v(?P<version>\d+))?(?:\.pdf)?/?$"
)
_ARXIV_HOSTS = {"arxiv.org", "www.arxiv.org", "export.arxiv.org", "browse.arxiv.org"}
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(?:(\d{4}\.\d{4,5})|([a-z\-]+(?:\.[a-z]{2})?/\d{7}))$")

# First path segments of github.com that are GitHub's own pages, not owners.
_GITHUB_RESERVED = frozenset(
    """about apps account collections contact customer-stories enterprise events explore
    features login join marketplace new notifications orgs organizations pricing pulls
    issues readme search security settings site sponsors topics trending users codespaces
    """.split()
)
_REPO_PART = re.compile(r"^[A-Za-z0-9_.\-]+$")
_PROJECT_LABELS = frozenset({"project", "project page", "homepage", "home page", "website", "page"})
_DROP_QUERY = re.compile(r"^(utm_.*|tab|ref|s|source)$")


@dataclass(frozen=True)
class UrlProblem:
    """Why a URL cannot be requested; `definite` when no browser could open it either."""

    reason: str
    definite: bool = True


def url_problem(url: str) -> UrlProblem | None:
    """What makes an http(s) URL unusable (port out of range, bad IPv6, bad host), or None.

    Other schemes and relative links are not judged here. A host that only fails
    IDNA 2008 (`☃.net`, which browsers map with UTS 46) is not `definite`: we
    cannot check it, but a reader's browser might open it.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
        host = parts.hostname
    except ValueError as exc:  # "Port out of range", "Invalid IPv6 URL", NFKC-invalid netloc
        return UrlProblem(str(exc))
    if parts.scheme.lower() not in ("http", "https"):
        return None
    if not host:
        return UrlProblem("no host name")
    if port == 0:
        return UrlProblem("port 0 cannot be connected to")
    if "[" in parts.netloc:
        try:
            ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            return UrlProblem(f"invalid IPv6 address {host!r}")
        return None
    if _BAD_HOST_CHARS.search(host):
        return UrlProblem(f"invalid character in host {host!r}")
    if host.isascii() and "xn--" not in host:
        return None
    try:
        # What the HTTP client does with the host (httpx: IDNA 2008 both ways).
        idna.decode(idna.encode(host.rstrip(".")))
    except (idna.IDNAError, UnicodeError, ValueError) as exc:
        return UrlProblem(f"host {host!r} is not a valid IDNA name ({exc})", definite=False)
    return None


def arxiv_id_from_url(url: str) -> tuple[str, int | None] | None:
    """The arXiv id (without version) and version of an arXiv URL, or None."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if host in _ARXIV_HOSTS:
        # `abs//2306.08707` reaches the same page; the doubled slash is a typo.
        match = _ARXIV_PATH.match(re.sub(r"/{2,}", "/", parts.path))
        if not match:
            return None
        version = match["version"]
        return match["new"] or match["old"], int(version) if version else None
    if host in {"doi.org", "dx.doi.org"}:
        doi = _ARXIV_DOI.match(parts.path.lstrip("/").lower())
        if doi:
            return doi[1] or doi[2], None
    return None


def repo_from_url(url: str) -> str | None:
    """'owner/name' of a github.com repository URL (repo, tree, blob, ?tab=), else None."""
    parts = urlsplit(url.strip())
    if (parts.hostname or "").lower() not in {"github.com", "www.github.com"}:
        return None
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) < 2 or segments[0].lower() in _GITHUB_RESERVED:
        return None
    owner, name = segments[0], segments[1].removesuffix(".git")
    if not (_REPO_PART.match(owner) and _REPO_PART.match(name)) or name in {".", ".."}:
        return None
    return f"{owner}/{name}"


def arxiv_month(arxiv_id: str) -> str | None:
    """'YYYY-MM' of submission, read from the id's YYMM digits."""
    digits = arxiv_id.split("/")[-1][:4]
    if not digits.isdigit():
        return None
    yy, mm = int(digits[:2]), int(digits[2:])
    if not 1 <= mm <= 12:
        return None
    # Old-style ids start in 1991; new-style ids (2007 on) never reach the 90s.
    return f"{1900 + yy if yy >= 91 else 2000 + yy}-{mm:02d}"


def normalize_url(url: str) -> str:
    """A canonical form for finding duplicates: https, no www., no fragment or tracking query."""
    arxiv = arxiv_id_from_url(url)
    if arxiv:
        return f"https://arxiv.org/abs/{arxiv[0]}"
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    repo = repo_from_url(url)
    if repo:
        rest = [s for s in parts.path.split("/") if s][2:]
        path = "/" + "/".join([repo.lower(), *rest])
        return urlunsplit(("https", "github.com", path.rstrip("/"), "", ""))
    query = "&".join(
        f"{k}={v}"
        for k, values in sorted(parse_qs(parts.query, keep_blank_values=True).items())
        if not _DROP_QUERY.match(k)
        for v in values
    )
    scheme = "https" if parts.scheme in ("http", "https") else parts.scheme.lower()
    return urlunsplit((scheme, host, parts.path.rstrip("/") or "", query, ""))


def _kind(url: str, label: str) -> LinkKind:
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    if host in {"doi.org", "dx.doi.org"}:
        return LinkKind.DOI
    if host == "openreview.net":
        return LinkKind.OPENREVIEW
    if host.endswith("thecvf.com"):
        return LinkKind.CVF
    if host in {"proceedings.neurips.cc", "papers.nips.cc", "neurips.cc", "nips.cc"}:
        return LinkKind.NEURIPS
    if host in {"huggingface.co", "hf.co"}:
        return LinkKind.HUGGINGFACE
    if host.endswith(".github.io") or label.lower() in _PROJECT_LABELS:
        return LinkKind.PROJECT
    return LinkKind.OTHER


def _malformed_link(raw: RawLink, problem: UrlProblem) -> Link:
    # Dead when no browser could open it; unverified when only our client cannot (IDNA).
    verdict = Verdict.DEAD if problem.definite else Verdict.UNVERIFIED
    health = LinkHealth(
        verdict=verdict, detail=f"malformed URL: {problem.reason}", verified_by=URL_SYNTAX
    )
    return Link(
        **raw.model_dump(), kind=LinkKind.OTHER, normalized_url=raw.url.strip(), health=health
    )


def resolve_link(raw: RawLink) -> Link:
    """Classify one link and read its ids; a malformed URL gets its verdict here."""
    problem = url_problem(raw.url)
    if problem is not None:
        return _malformed_link(raw, problem)
    fields = raw.model_dump()
    arxiv = arxiv_id_from_url(raw.url)
    repo = repo_from_url(raw.url)
    parts = urlsplit(raw.url)
    host = (parts.hostname or "").lower()
    if arxiv:
        return Link(
            **fields,
            kind=LinkKind.ARXIV,
            normalized_url=normalize_url(raw.url),
            arxiv_id=arxiv[0],
            arxiv_version=arxiv[1],
        )
    if repo:
        return Link(
            **fields, kind=LinkKind.GITHUB, normalized_url=normalize_url(raw.url), repo=repo
        )
    kind = _kind(raw.url, raw.label)
    doi = parts.path.lstrip("/") if kind is LinkKind.DOI else None
    openreview = None
    if host.endswith("openreview.net"):
        openreview = (parse_qs(parts.query).get("id") or [None])[0]
    return Link(
        **fields,
        kind=kind,
        normalized_url=normalize_url(raw.url),
        doi=doi or None,
        openreview_id=openreview,
    )


def _paper_arxiv_id(links: list[Link]) -> str | None:
    # The paper link wins over an arXiv link given as, say, a project's extra.
    ordered = sorted(links, key=lambda link: link.label != "paper")
    return next((link.arxiv_id for link in ordered if link.arxiv_id), None)


def _entry(raw: RawEntry, links: list[Link], key: str) -> Entry:
    arxiv_id = _paper_arxiv_id(links)
    repos = list(dict.fromkeys(link.repo for link in links if link.repo))
    return Entry(
        key=key,
        section=raw.section,
        tags=raw.tags,
        title=raw.title,
        authors=raw.authors,
        venue=raw.venue,
        venue_text=raw.venue_text,
        year=raw.year,
        uncertain=raw.uncertain,
        line=raw.line,
        arxiv_id=arxiv_id,
        arxiv_month=arxiv_month(arxiv_id) if arxiv_id else None,
        repos=repos,
        links=links,
    )


def resolve_entries(parsed: ParsedList) -> tuple[list[Entry], list[Finding]]:
    """Resolve every entry's links, give each entry a unique key, and find duplicates."""
    steps = resolve_steps(parsed, chunk=0)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


def resolve_steps(
    parsed: ParsedList, chunk: int = 100
) -> Generator[None, None, tuple[list[Entry], list[Finding]]]:
    """`resolve_entries`, pausing after each `chunk` entries (never when 0): a run checks
    links meanwhile, and a host's pace must not wait for 10,000 entries to resolve."""
    entries: list[Entry] = []
    seen_keys: set[str] = set()
    for count, raw in enumerate(parsed.entries, 1):
        if chunk and count % chunk == 0:
            yield
        links = [resolve_link(link) for link in raw.links]
        arxiv_id = _paper_arxiv_id(links)
        key = f"arxiv:{arxiv_id}" if arxiv_id else raw.key
        if key in seen_keys:
            key = f"{key}@{raw.line}"
        seen_keys.add(key)
        entries.append(_entry(raw, links, key))
    findings = [
        *duplicate_findings(entries),
        *malformed_url_findings((entry.key, link) for entry in entries for link in entry.links),
    ]
    return entries, findings


def resolve_other_links(parsed: ParsedList) -> list[Link]:
    """Resolve the links that belong to no entry (they are checked, never called duplicates)."""
    return [resolve_link(link) for link in parsed.other_links]


def malformed_url_findings(links: Iterable[tuple[str | None, Link]]) -> list[Finding]:
    """A `malformed-url` finding, with line and column, per link resolve judged by its spelling.

    `links` are (entry key, link) pairs; the key is None for a link outside any entry.
    """
    findings = []
    for entry_key, link in links:
        health = link.health
        if health is None or health.verified_by != URL_SYNTAX:
            continue
        definite = health.verdict is Verdict.DEAD
        findings.append(
            Finding(
                code="malformed-url",
                severity=Severity.ERROR if definite else Severity.WARNING,
                message=f"{link.label} link: {health.detail.removeprefix('malformed URL: ')}",
                line=link.line,
                column=link.column or None,
                hint="correct the URL" if definite else "check the host name by hand",
                url=link.url,
                entry_key=entry_key,
            )
        )
    return findings
