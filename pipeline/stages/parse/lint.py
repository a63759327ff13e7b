"""Lint findings for parsed entries: what a maintainer may want to fix in the list.

Codes (stable; the report and tests use them):

| code | severity | when |
|---|---|---|
| unknown-tag | warning | a tag the list's legend does not define (only if it has a legend) |
| duplicate-tag | info | the same tag twice in one entry |
| malformed-link-markup | warning | stray or missing brackets around links, `[x] (url)` |
| missing-paper-link | warning | no link to the paper |
| missing-code-link | info | no code link, where its section links code for half its entries |
| unparsed-venue | warning | a paper with no venue, where its section writes one for most |
| uncertain-title | info, warning when most | once a list: titles only guessed, with examples |

The collect module adds links-outside-entries, malformed-link-markup for a URL
behind stray markup, and nesting-too-deep (a part nested past the parser's limit).

Duplicate papers and URLs are found by the resolve stage, which knows ids.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Generator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from pipeline.model import Finding, RawEntry, RawLink, Severity

__all__ = ["ENTRIES_A_STEP", "Draft", "has_code_link", "is_paper_link", "lint_entries"]

# Entries a parse step drafts or lints at most: the list's last step did all of a
# 10,000-entry list at once (0.3 s in which a run's hosts got no turn).
ENTRIES_A_STEP = 200

# Hosts whose links are the paper itself, whatever the label says.
_PAPER_HOSTS = (
    "arxiv.org",
    "openreview.net",
    "thecvf.com",
    "neurips.cc",
    "nips.cc",
    "aclanthology.org",
    "doi.org",
    "dl.acm.org",
    "ieeexplore.ieee.org",
    "link.springer.com",
    "proceedings.mlr.press",
    "ojs.aaai.org",
    "ijcai.org",
    "ecva.net",
)
_GITHUB_REPO = re.compile(r"^/[^/]+/[^/]+")


@dataclass
class Draft:
    """An entry and the facts about how it was written that only the parser saw."""

    entry: RawEntry
    written_tags: list[str]  # as written, duplicates kept
    malformed_line: int | None = None
    venue_expected: bool = True
    code_expected: bool = True
    claimed: set[int] = field(default_factory=set)  # id() of the FoundLinks the entry took
    # extend_draft's: the entry's links as it grows them, and their index by URL.
    grown: list[RawLink] | None = None
    urls: dict[str, int] = field(default_factory=dict)


def lint_entries(drafts: list[Draft], legend: list[str]) -> Generator[None, None, list[Finding]]:
    """Every finding for the drafts, in list order; `legend` empty means tags are free.

    A generator that pauses every ENTRIES_A_STEP drafts (the parse's steps: a run's
    event loop runs between them) and returns the findings."""
    findings: list[Finding] = []
    known = set(legend)
    for count, draft in enumerate(drafts, 1):
        if count % ENTRIES_A_STEP == 0:
            yield
        findings.extend(_tag_findings(draft, known))
        findings.extend(_link_findings(draft))
        findings.extend(_venue_findings(draft))
    findings.extend(_layout_findings(drafts))
    return sorted(findings, key=lambda f: (f.line or 0, f.code))


_LAYOUT_EXAMPLES = 3


def _layout_findings(drafts: list[Draft]) -> list[Finding]:
    """One finding for every entry whose title the parser could only guess, with examples."""
    guessed = [d.entry for d in drafts if "title" in d.entry.uncertain]
    if not guessed:
        return []
    examples = "; ".join(
        f"line {e.line}: {_short(e.title, 40) or '(nothing title-like)'}"
        for e in guessed[:_LAYOUT_EXAMPLES]
    )
    most = 2 * len(guessed) > len(drafts)
    return [
        Finding(
            code="uncertain-title",
            severity=Severity.WARNING if most else Severity.INFO,
            message=f"{len(guessed)} of {len(drafts)} entries have no title the parser could "
            f"read with confidence ({examples})",
            line=guessed[0].line,
            hint="their titles, venues and years are not compared with arXiv or searched for; "
            "a bold or linked title (**Title**, [Title](url)) or 'Title. Venue'YY.' makes "
            "them readable",
        )
    ]


def _tag_findings(draft: Draft, known: set[str]) -> list[Finding]:
    entry = draft.entry
    found: list[Finding] = []
    if known:
        for tag in entry.tags:
            if tag not in known:
                found.append(
                    _finding(
                        entry,
                        "unknown-tag",
                        Severity.WARNING,
                        f"tag [{tag}] is not in the list's legend",
                        f"use a tag from the legend, or define [{tag}] there",
                    )
                )
    for tag, count in Counter(draft.written_tags).items():
        if count > 1:
            found.append(
                _finding(
                    entry,
                    "duplicate-tag",
                    Severity.INFO,
                    f"tag [{tag}] appears {count} times",
                    f"keep one [{tag}]",
                )
            )
    return found


def _link_findings(draft: Draft) -> list[Finding]:
    entry = draft.entry
    found: list[Finding] = []
    if draft.malformed_line is not None:
        found.append(
            _finding(
                entry,
                "malformed-link-markup",
                Severity.WARNING,
                "link brackets do not pair up",
                "write each link as [[label](url)]",
                line=draft.malformed_line,
            )
        )
    if not any(is_paper_link(link.label, link.url) for link in entry.links):
        found.append(
            _finding(
                entry,
                "missing-paper-link",
                Severity.WARNING,
                "no link to the paper",
                "add [[paper](https://arxiv.org/abs/...)] or the venue's page",
            )
        )
    if draft.code_expected and not has_code_link(entry):
        found.append(
            _finding(
                entry,
                "missing-code-link",
                Severity.INFO,
                "no code link",
                "add [[code](https://github.com/owner/repo)] if the code is public",
            )
        )
    return found


def _venue_findings(draft: Draft) -> list[Finding]:
    entry = draft.entry
    if "title" in entry.uncertain:
        return []  # the layout was not understood: one layout finding says so instead
    if not any(is_paper_link(link.label, link.url) for link in entry.links):
        return []  # a course, a blog, a tool: a venue belongs to a paper
    if not draft.venue_expected or entry.venue:
        return []
    missing = "venue" if entry.year else "venue and year"
    return [
        _finding(
            entry,
            "unparsed-venue",
            Severity.WARNING,
            f"no {missing} found",
            "write the venue and year after the title, e.g. CVPR'2024",
        )
    ]


def _finding(
    entry: RawEntry,
    code: str,
    severity: Severity,
    message: str,
    hint: str,
    *,
    line: int | None = None,
) -> Finding:
    return Finding(
        code=code,
        severity=severity,
        message=f"{message}: {_short(entry.title)}",
        line=line if line is not None else entry.line,
        hint=hint,
        entry_key=entry.key,
    )


def _short(title: str, limit: int = 60) -> str:
    """A title cut at a word boundary, so that a finding fits on one line."""
    if len(title) <= limit:
        return title
    return title[:limit].rsplit(" ", 1)[0].rstrip(" ,.:;-") + "…"


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:  # a malformed IPv6 literal, for instance
        return ""


def is_paper_link(label: str, url: str) -> bool:
    """Whether a link is the paper itself: labelled so, or on a paper host (arXiv, DOI, ...)."""
    host = _host(url)
    return label == "paper" or any(host == h or host.endswith("." + h) for h in _PAPER_HOSTS)


def has_code_link(entry: RawEntry) -> bool:
    """Whether an entry links its code: a link labelled so, or a GitHub repository."""
    return any(link.label == "code" or _is_github_repo(link.url) for link in entry.links)


def _is_github_repo(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    return host in ("github.com", "www.github.com") and bool(_GITHUB_REPO.match(parts.path))
