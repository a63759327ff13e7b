"""Links outside entries: every rendered link no entry took, and how many there are.

A list's format that the parser does not understand costs enrichment, never
link checks: its links land here, are checked like any other, and one finding
says how many sit outside entries and where the biggest runs of them are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.model import Finding, RawEntry, RawLink, Severity
from pipeline.stages.parse.fields import canonical_label
from pipeline.stages.parse.inline import FoundLink, text_urls
from pipeline.stages.parse.lint import is_paper_link

__all__ = [
    "deep_links",
    "is_checkable",
    "nesting_findings",
    "outside_findings",
    "rendered_link",
    "salvage_findings",
]

_HTTP = re.compile(r"^(?:https?:)?//", re.IGNORECASE)
_URL_TEXT = re.compile(r"^(?:https?:|www\.)", re.IGNORECASE)
_RUN_GAP = 3  # lines between two outside links that still make one run
_RUNS_SHOWN = 3
_MANY = 10  # below this many outside links a list is not called "not understood"


def is_checkable(link: FoundLink) -> bool:
    """Whether a link has an absolute http(s) URL that can be checked on its own."""
    return bool(_HTTP.match(link.url))


def rendered_link(link: FoundLink, section: list[str]) -> RawLink:
    """A link outside any entry as the catalog keeps it."""
    url = f"https:{link.url}" if link.url.startswith("//") else link.url
    text = "" if _URL_TEXT.match(link.text) else link.text  # an autolink shows its URL
    label = "image" if link.image else (canonical_label(text or link.alt) or "link")
    return RawLink(
        label=label[:80],
        url=url,
        line=link.line,
        column=link.column,
        image=link.image,
        section=section,
    )


def salvage_findings(links: list[FoundLink]) -> list[Finding]:
    """A finding for each link whose URL was read out of stray markup around it."""
    return [
        Finding(
            code="malformed-link-markup",
            severity=Severity.WARNING,
            message=f"the link's target is {link.salvaged!r}, which GitHub renders as a "
            f"relative link; checked as {link.url}",
            line=link.line,
            hint=f"write the link as ({link.url})",
            url=link.url,
        )
        for link in links
        if link.salvaged
    ]


@dataclass
class _Run:
    section: list[str]
    first: int
    last: int
    count: int


def outside_findings(entries: list[RawEntry], others: list[RawLink]) -> list[Finding]:
    """One finding that counts the links outside entries and names their biggest runs."""
    outside = [link for link in others if not link.image]
    if not outside:
        return []
    inside = sum(1 for entry in entries for link in entry.links)
    papers_out = sum(1 for link in outside if is_paper_link(link.label, link.url))
    papers_in = sum(1 for e in entries for link in e.links if is_paper_link(link.label, link.url))
    runs = _runs(outside)
    biggest = sorted(runs, key=lambda r: (-r.count, r.first))[:_RUNS_SHOWN]
    where = "; ".join(
        f"lines {r.first}-{r.last}"
        + (f" ({' › '.join(r.section)})" if r.section else "")
        + f": {r.count}"
        for r in biggest
    )
    # Tools, navigation and related lists outside entries are normal; papers are not.
    not_understood = papers_out >= _MANY and 4 * papers_out > papers_in
    message = (
        f"{len(outside)} of {len(outside) + inside} links sit outside any recognized entry "
        f"(checked all the same), {papers_out} of them to papers; biggest runs: {where}"
    )
    hint = (
        "the list's format was probably not understood there: its links are checked, "
        "but titles, venues and ids are not read"
        if not_understood
        else "navigation, badges, tools and related lists are normal here"
    )
    return [
        Finding(
            code="links-outside-entries",
            severity=Severity.WARNING if not_understood else Severity.INFO,
            message=message,
            line=biggest[0].first,
            hint=hint,
        )
    ]


def _runs(links: list[RawLink]) -> list[_Run]:
    runs: list[_Run] = []
    for link in sorted(links, key=lambda lk: lk.line):
        last = runs[-1] if runs else None
        if last is not None and last.section == link.section and link.line - last.last <= _RUN_GAP:
            last.last, last.count = link.line, last.count + 1
        else:
            runs.append(_Run(link.section, link.line, link.line, 1))
    return runs


def deep_links(lines: list[str], ranges: list[tuple[int, int]]) -> list[FoundLink]:
    """The URLs written in line ranges nested too deep to be read as Markdown (raw text)."""
    found: list[FoundLink] = []
    for start, end in ranges:
        for index in range(start, min(end, len(lines))):
            for offset, url in text_urls(lines[index]):
                found.append(
                    FoundLink(text="", url=url, line=index + 1, column=offset + 1, written=url)
                )
    return found


def nesting_findings(
    ranges: list[tuple[int, int]], links: list[FoundLink], limit: int
) -> list[Finding]:
    """One finding for each range nested past the parser's limit: what was done there."""
    findings = []
    for start, end in ranges:
        count = sum(1 for link in links if start < link.line <= end)
        findings.append(
            Finding(
                code="nesting-too-deep",
                severity=Severity.WARNING,
                message=f"lines {start + 1}-{end} nest deeper than {limit} levels, more than "
                f"the parser reads as Markdown: their {count} links are checked as links "
                "outside entries, read from the raw text",
                line=start + 1,
                hint="nest less deeply there",
            )
        )
    return findings
