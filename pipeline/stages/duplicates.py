"""Duplicate papers and URLs: which entry of a pair a finding goes on, and what it says.

Called by resolve (the later entry of a pair gets the finding) and by check-pr
(the entry a pull request changed gets it, so a new paper that repeats one
further down is reported where the contributor can see it).
"""

from __future__ import annotations

import re
from collections import defaultdict

from pipeline.model import Entry, Finding, Link, LinkKind, Severity

__all__ = ["duplicate_findings"]


def _normalized_title(title: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", title.casefold()).split())


def _short_title(title: str, limit: int = 60) -> str:
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def duplicate_findings(
    entries: list[Entry], prefer: frozenset[str] | set[str] = frozenset()
) -> list[Finding]:
    """`duplicate-paper` and `duplicate-url` findings, each on one entry of a pair.

    The finding goes to the later entry, unless only the earlier one is in
    `prefer` (the entries a pull request changed): a new paper that repeats one
    further down is reported on the new one. The message names the other
    entry's line and title.
    """
    by_paper: dict[str, list[Entry]] = defaultdict(list)
    by_url: dict[str, list[tuple[Entry, Link]]] = defaultdict(list)
    for entry in entries:
        if entry.arxiv_id:
            by_paper[f"arXiv {entry.arxiv_id}"].append(entry)
        if "title" not in entry.uncertain:
            # A title the parser only guessed ("Oct 2025") would pair unrelated entries.
            by_paper[f"title '{_normalized_title(entry.title)}'"].append(entry)
        for link in entry.links:
            by_url[link.normalized_url].append((entry, link))
    findings: list[Finding] = []
    reported: set[tuple[int, int]] = set()
    for what, group in by_paper.items():
        for later in group[1:]:
            first = group[0]
            pair = (first.line, later.line)
            if pair in reported:
                continue
            reported.add(pair)
            target, other = _attributed(first, later, prefer)
            findings.append(
                Finding(
                    code="duplicate-paper",
                    severity=Severity.WARNING,
                    message=(
                        f"same paper as line {other.line}, '{_short_title(other.title)}' "
                        f"(same {what})"
                    ),
                    line=target.line,
                    hint=f"remove this entry or merge it into line {other.line}",
                    entry_key=target.key,
                )
            )
    findings.extend(_duplicate_urls(by_url, prefer))
    return findings


def _attributed(
    first: Entry, later: Entry, prefer: frozenset[str] | set[str]
) -> tuple[Entry, Entry]:
    """(the entry a duplicate finding goes on, the other one)."""
    if first.key in prefer and later.key not in prefer:
        return first, later
    return later, first


def _duplicate_urls(
    by_url: dict[str, list[tuple[Entry, Link]]], prefer: frozenset[str] | set[str]
) -> list[Finding]:
    # A code repo shared by several papers (VisionLLM and VisionLLM v2) is normal;
    # a paper or project URL in two entries, or any URL twice in one entry, is not.
    findings = []
    for url, uses in by_url.items():
        first_line: dict[str, int] = {}
        for entry, link in uses:
            if entry.key in first_line:
                target, target_link = entry, link
                where, hint = "this entry", "remove the repeated link"
            elif first_line and not (link.kind is LinkKind.GITHUB or link.label == "code"):
                first_entry, first_link = uses[0]
                target, other = _attributed(first_entry, entry, prefer)
                target_link = first_link if target is first_entry else link
                where = f"line {other.line}, '{_short_title(other.title)}'"
                hint = "check which entry it is for"
            else:
                first_line[entry.key] = link.line
                continue
            findings.append(
                Finding(
                    code="duplicate-url",
                    severity=Severity.WARNING,
                    message=f"{url} is also linked in {where}",
                    line=target_link.line,
                    column=target_link.column or None,
                    hint=hint,
                    url=target_link.url,
                    entry_key=target.key,
                )
            )
    return findings
