"""What the scholarly graph tells a maintainer: published papers, venue disagreements, code.

Every finding carries its evidence (the source, S2's paper id, the DOI or
DBLP key) and, where a fix is mechanical, the exact text `fix` writes
(`Finding.suggestion`), in the list's own venue style. Fields the parser only
guessed are never judged.
"""

from __future__ import annotations

from pipeline.model import Catalog, Entry, FetchStatus, Finding, LinkKind, ScholarlyRecord, Severity
from pipeline.stages.scholarly.venues import VenueStyle, format_venue, is_preprint, same_venue

__all__ = ["code_findings", "has_code", "venue_findings"]


def _evidence(record: ScholarlyRecord) -> dict[str, str]:
    evidence = {"source": "semantic-scholar", "matched_by": record.matched_by}
    for name, value in (
        ("paper_id", record.paper_id),
        ("doi", record.doi),
        ("dblp", record.dblp_key),
        ("venue", record.venue),
    ):
        if value:
            evidence[name] = value
    return evidence


def venue_findings(
    entry: Entry, record: ScholarlyRecord, style: VenueStyle | None, *, venues_written: bool
) -> list[Finding]:
    """`published` (the list says arXiv or nothing) or `venue-disagrees` (it names another).

    `venues_written`: whether the list writes venues at all; where it does not, an
    entry without one is not missing anything.
    """
    if not record.published or record.venue_short is None or "venue" in entry.uncertain:
        return []
    if record.status not in (FetchStatus.OK, FetchStatus.STALE):
        return []
    short, year = record.venue_short, record.year
    place = f"{short} {year}" if year else short
    listed = entry.venue
    if listed is None or is_preprint(listed):
        if listed is None and not venues_written:
            return []
        written = format_venue(short, year, style)
        was = entry.venue_text or listed
        return [
            Finding(
                code="published",
                severity=Severity.WARNING,
                message=f"now published at {place} (the list says {was or 'no venue'})",
                line=entry.line,
                hint=f"change {was} to {written}" if was else f"add the venue {written}",
                url=f"https://www.semanticscholar.org/paper/{record.paper_id}",
                entry_key=entry.key,
                suggestion=written,
                evidence=_evidence(record),
            )
        ]
    if same_venue(listed, short):
        return []
    return [
        Finding(
            code="venue-disagrees",
            severity=Severity.WARNING,
            message=f"the list says {entry.venue_text or listed}; Semantic Scholar says {place}",
            line=entry.line,
            hint="check which venue is right (no automatic fix)",
            url=f"https://www.semanticscholar.org/paper/{record.paper_id}",
            entry_key=entry.key,
            evidence=_evidence(record),
        )
    ]


def has_code(entry: Entry) -> bool:
    """Whether the entry links code already (a GitHub repo, or a link labelled code)."""
    return any(link.kind is LinkKind.GITHUB or link.label == "code" for link in entry.links)


def code_findings(catalog: Catalog) -> list[Finding]:
    """`code-available` for each entry whose found code link GitHub confirmed (under its
    current name; never a deleted or unverified repository)."""
    findings = []
    for entry in catalog.entries:
        code = entry.code
        if code is None or code.repo is None or has_code(entry):
            continue
        record = catalog.repos.get(code.repo.lower())
        if record is None or record.full_name is None:
            continue
        if record.status not in (FetchStatus.OK, FetchStatus.STALE):
            continue
        url = f"https://github.com/{record.full_name}"
        renamed = record.full_name.lower() != code.repo.lower()
        note = f" (renamed from {code.repo})" if renamed else ""
        stars = f", {record.stars:,} stars" if record.stars is not None else ""
        findings.append(
            Finding(
                code="code-available",
                severity=Severity.INFO,
                message=f"code found: {record.full_name}{note}{stars}",
                line=entry.line,
                hint=f"add a code link: {url}",
                url=url,
                entry_key=entry.key,
                suggestion=url,
                evidence={"source": "huggingface-papers", "arxiv_id": code.arxiv_id},
            )
        )
    return findings
