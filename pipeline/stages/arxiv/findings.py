"""What the arXiv stage tells a maintainer: findings built from an entry and its record.

Every finding names the list line, the URL and the fix. The venue rule reads
the authors' own words: "Accepted to CVPR 2025" or a journal_ref naming a
venue and year; "submitted to" or "under review" is not a venue.
"""

from __future__ import annotations

import re

from pipeline.model import ArxivRecord, Entry, Finding, Link, LinkKind, Severity
from pipeline.stages.arxiv.match import normalize_title, title_score

__all__ = [
    "nonexistent_id_finding",
    "record_findings",
    "resolved_by_title_finding",
    "suggestion_finding",
    "venue_from_text",
]

# Canonical spelling of each venue as lists write it (CVPR'2025, NeurIPS'2024, MM'2025).
_VENUES = {
    "cvpr": "CVPR",
    "iccv": "ICCV",
    "eccv": "ECCV",
    "neurips": "NeurIPS",
    "nips": "NeurIPS",
    "iclr": "ICLR",
    "icml": "ICML",
    "aaai": "AAAI",
    "ijcai": "IJCAI",
    "acl": "ACL",
    "emnlp": "EMNLP",
    "naacl": "NAACL",
    "coling": "COLING",
    "wacv": "WACV",
    "bmvc": "BMVC",
    "acm mm": "MM",
    "acmmm": "MM",
    "mm": "MM",
    "miccai": "MICCAI",
    "tpami": "TPAMI",
    "ijcv": "IJCV",
    "tip": "TIP",
    "tgrs": "TGRS",
    "icra": "ICRA",
    "iros": "IROS",
    "corl": "CoRL",
    "3dv": "3DV",
    "kdd": "KDD",
}
_VENUE = re.compile(
    r"\b(?P<venue>acm\s?mm|" + "|".join(sorted(_VENUES, key=len, reverse=True)) + r")"
    r"(?:\s+workshops?)?[\s'’\-]*(?P<year>(?:19|20)\d{2}|'?\d{2})\b",
    re.IGNORECASE,
)
_NOT_YET = re.compile(r"\b(submitted|under review|in submission|preprint|rejected)\b", re.I)
_SENTENCE = re.compile(r"[^.;]+")


def venue_from_text(text: str | None) -> str | None:
    """'CVPR'2025' from "Accepted to CVPR 2025 (highlight)", None if no accepted venue is named."""
    if not text:
        return None
    for sentence in _SENTENCE.findall(text):
        if _NOT_YET.search(sentence):
            continue
        match = _VENUE.search(sentence)
        if not match:
            continue
        venue = _VENUES[re.sub(r"\s+", " ", match["venue"].lower())]
        year = match["year"].lstrip("'")
        year = year if len(year) == 4 else f"20{year}"
        if re.search(r"\bworkshops?\b", sentence, re.IGNORECASE):
            venue += "W"
        return f"{venue}'{year}"
    return None


def _arxiv_link(entry: Entry) -> Link | None:
    return next((link for link in entry.links if link.kind is LinkKind.ARXIV), None)


def _finding(
    entry: Entry, record: ArxivRecord, code: str, severity: Severity, message: str, hint: str
) -> Finding:
    link = _arxiv_link(entry) if record.resolved_by == "link" else None
    return Finding(
        code=code,
        severity=severity,
        message=message,
        line=link.line if link else entry.line,
        hint=hint,
        url=link.url if link else record.abs_url,
        entry_key=entry.key,
    )


def _title_mismatch(entry: Entry, record: ArxivRecord, threshold: float) -> Finding | None:
    if not record.title or normalize_title(record.title) == normalize_title(entry.title):
        return None
    score = title_score(entry.title, record.title)
    if score >= threshold:
        hint = f"use arXiv's title: {record.title}"
    else:
        hint = f"check that the link is for this paper; arXiv {record.arxiv_id} is '{record.title}'"
    return _finding(
        entry,
        record,
        "title-mismatch",
        Severity.WARNING,
        f"title differs from arXiv {record.arxiv_id}: '{record.title}' (similarity {score:g})",
        hint,
    )


def _venue_update(entry: Entry, record: ArxivRecord) -> Finding | None:
    # Only a venue read with confidence as arXiv is judged: a venue the parser missed may
    # well be written already ("CVPR 2024" in a format it did not understand).
    if (entry.venue or "").lower() != "arxiv" or "venue" in entry.uncertain:
        return None
    venue = venue_from_text(record.comment) or venue_from_text(record.journal_ref)
    if venue is None:
        return None
    listed = f"arXiv'{entry.year}" if entry.year else "arXiv"
    return _finding(
        entry,
        record,
        "venue-update",
        Severity.WARNING,
        f"arXiv {record.arxiv_id} says it appeared at {venue.replace(chr(39), ' ')}",
        f"change {listed} to {venue}",
    )


def record_findings(
    entry: Entry, record: ArxivRecord, previous: ArxivRecord | None, *, threshold: float
) -> list[Finding]:
    """Title mismatch, venue update, withdrawn and new-version findings for one entry."""
    findings = [
        finding
        for finding in (
            _title_mismatch(entry, record, threshold)
            if record.resolved_by == "link" and "title" not in entry.uncertain
            else None,
            _venue_update(entry, record),
        )
        if finding is not None
    ]
    if record.withdrawn:
        findings.append(
            _finding(
                entry,
                record,
                "withdrawn",
                Severity.WARNING,
                f"arXiv {record.arxiv_id} has been withdrawn: {record.comment or 'see abstract'}",
                "remove the entry or mark it as withdrawn",
            )
        )
    if (
        previous is not None
        and previous.arxiv_id == record.arxiv_id
        and previous.version is not None
        and record.version is not None
        and record.version > previous.version
    ):
        findings.append(
            _finding(
                entry,
                record,
                "new-version",
                Severity.INFO,
                f"arXiv {record.arxiv_id} has v{record.version} since the last run "
                f"(was v{previous.version})",
                f"review what changed in v{record.version}",
            )
        )
    return findings


def nonexistent_id_finding(
    entry: Entry | None, link: Link, detail: str, *, found: ArxivRecord | None = None
) -> Finding:
    """An arXiv link whose id the API does not know (a typo in the link)."""
    hint = "fix the arXiv id in the link (a typo?)"
    if found is not None and found.resolved_by == "title-search":
        hint = f"the title is arXiv {found.arxiv_id}: link https://arxiv.org/abs/{found.arxiv_id}"
    return Finding(
        code="nonexistent-arxiv-id",
        severity=Severity.ERROR,
        message=f"arXiv has no paper {link.arxiv_id}: {detail}",
        line=link.line,
        hint=hint,
        url=link.url,
        entry_key=entry.key if entry is not None else None,
    )


def resolved_by_title_finding(entry: Entry, record: ArxivRecord) -> Finding:
    """An entry without an arXiv link that the title search found on arXiv."""
    return Finding(
        code="resolved-by-title",
        severity=Severity.INFO,
        message=f"found on arXiv by title: {record.arxiv_id} (score {record.match_score:g})",
        line=entry.line,
        hint=f"add [[arXiv](https://arxiv.org/abs/{record.arxiv_id})]",
        url=record.abs_url,
        entry_key=entry.key,
    )


def suggestion_finding(entry: Entry, record: ArxivRecord, score: float) -> Finding:
    """A title-search candidate below the threshold: shown, never attached."""
    return Finding(
        code="title-match-suggestion",
        severity=Severity.INFO,
        message=f"possibly arXiv {record.arxiv_id}: '{record.title}' "
        f"(score {score:g}, below the threshold; not attached)",
        line=entry.line,
        hint=f"if it is the same paper, add [[arXiv](https://arxiv.org/abs/{record.arxiv_id})]",
        url=record.abs_url,
        entry_key=entry.key,
    )
