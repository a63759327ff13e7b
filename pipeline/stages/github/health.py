"""Repository health: the findings rules and the link verdicts the GitHub API settles.

Rules (codes in HELPERS-COMMON "Conventions"):
- repo-moved: GitHub answers under another 'owner/name' (compared case-insensitively):
  GraphQL follows renames and transfers, REST redirects to `/repositories/{id}`.
- repo-dead: 404 / NOT_FOUND. Deleted and private look the same to the API.
- repo-blocked: 451 (DMCA) or a 403 whose body names a block.
- repo-archived, repo-disabled: the flags.
- repo-placeholder ("code coming soon"): the repository has no commits (no default
  branch / `isEmpty` / REST size 0); or it is at most PLACEHOLDER_MAX_KB on disk and
  either has no detected language (no code files, only a README and images) or its
  description says the code is coming. The README itself is not fetched: that
  would multiply the bytes per batch.
- repo-stale: no push (else no commit) for `stale_after_days`; not said of archived
  or placeholder repositories, which already have their own finding.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from pipeline.model import Catalog, Finding, LinkHealth, RepoRecord, Severity, Verdict
from pipeline.stages.github.fetch import Outcome, RepoOutcome

__all__ = [
    "PLACEHOLDER_MAX_KB",
    "is_placeholder",
    "is_plain_repo_url",
    "is_stale",
    "link_health",
    "moved_to",
    "repo_findings",
]

PLACEHOLDER_MAX_KB = 1024
_COMING_SOON = re.compile(
    r"coming soon|code (?:will be|to be) (?:released|available|uploaded)|to be released"
    r"|will be released|release(?:d)? soon|stay tuned|under construction",
    re.IGNORECASE,
)


def moved_to(linked_as: str, record: RepoRecord | None) -> str | None:
    """The new 'owner/name' when GitHub answered under another name, else None."""
    if record is None or not record.full_name:
        return None
    return record.full_name if record.full_name.lower() != linked_as.lower() else None


def is_placeholder(record: RepoRecord) -> bool:
    """True for an empty or near-empty repository (see the module docstring for the rule)."""
    if record.empty:
        return True
    if record.size_kb is None or record.size_kb > PLACEHOLDER_MAX_KB:
        return False
    return record.language is None or bool(_COMING_SOON.search(record.description or ""))


def is_stale(record: RepoRecord, now: datetime, days: int) -> bool:
    """True when the last push (else the last commit) is more than `days` days old."""
    last = record.pushed_at or record.last_commit_at
    return last is not None and now - last > timedelta(days=days)


def is_plain_repo_url(url: str) -> bool:
    """True for github.com/owner/name itself (trailing slash, `.git`, `?tab=` allowed)."""
    parts = urlsplit(url.strip())
    if (parts.hostname or "").lower() not in {"github.com", "www.github.com"}:
        return False
    if len([s for s in parts.path.split("/") if s]) != 2:
        return False
    query = parse_qs(parts.query, keep_blank_values=True)
    return set(query) <= {"tab"}


def _health(
    verdict: Verdict, now: datetime, old: LinkHealth | None, **fields: object
) -> LinkHealth:
    ok = verdict in (Verdict.OK, Verdict.MOVED)
    failures = 0 if ok else (old.consecutive_failures if old else 0) + 1
    first_failed = None if ok else (old.first_failed_at if old and old.first_failed_at else now)
    return LinkHealth(
        verdict=verdict,
        checked_at=now,
        verified_by="github-api",
        last_ok_at=now if ok else (old.last_ok_at if old else None),
        consecutive_failures=failures,
        first_failed_at=first_failed,
        **fields,  # type: ignore[arg-type]
    )


def link_health(
    url: str, result: RepoOutcome | None, now: datetime, old: LinkHealth | None = None
) -> LinkHealth | None:
    """The link's health as the API settles it, or None to leave the link to the links stage."""
    if result is None or result.outcome is Outcome.FAILED:
        return None
    if result.outcome is Outcome.NOT_FOUND:
        # A path inside a repository that does not exist is gone too.
        return _health(Verdict.DEAD, now, old, status_code=404, detail="repository not found")
    if not is_plain_repo_url(url):
        return None  # a tree/blob path inside a live repository: the links stage checks it
    if result.outcome is Outcome.BLOCKED:
        return _health(Verdict.BLOCKED, now, old, status_code=451, detail="access blocked")
    record = result.record
    assert record is not None
    new_name = moved_to(record.linked_as, record)
    if new_name:
        return _health(
            Verdict.MOVED, now, old, status_code=301, final_url=record.url, detail="renamed"
        )
    return _health(Verdict.OK, now, old, status_code=200, detail="repository found")


def _finding(code: str, severity: Severity, message: str, hint: str) -> dict[str, object]:
    return {"code": code, "severity": severity, "message": message, "hint": hint}


def _repo_rules(
    repo: str, result: RepoOutcome, now: datetime, stale_days: int
) -> list[dict[str, object]]:
    if result.outcome is Outcome.NOT_FOUND:
        return [
            _finding(
                "repo-dead",
                Severity.ERROR,
                f"GitHub repository {repo} does not exist (deleted or private)",
                "remove the code link, or link where the code lives now",
            )
        ]
    if result.outcome is Outcome.BLOCKED:
        return [
            _finding(
                "repo-blocked",
                Severity.WARNING,
                f"GitHub blocks access to {repo} ({result.detail or 'e.g. a DMCA takedown'})",
                "link a mirror or the paper's project page instead",
            )
        ]
    record = result.record
    if result.outcome is not Outcome.OK or record is None:
        return []
    found = []
    new_name = moved_to(repo, record)
    if new_name:
        found.append(
            _finding(
                "repo-moved",
                Severity.WARNING,
                f"GitHub repository {repo} is now {new_name}",
                f"replace the link with {record.url or 'https://github.com/' + new_name}",
            )
        )
    if record.disabled:
        found.append(
            _finding(
                "repo-disabled",
                Severity.WARNING,
                f"GitHub has disabled {record.full_name or repo}",
                "link a mirror, or drop the code link",
            )
        )
    if record.archived:
        found.append(
            _finding(
                "repo-archived",
                Severity.INFO,
                f"{record.full_name or repo} is archived (read-only)",
                "nothing to fix; readers may want to know it is no longer maintained",
            )
        )
    placeholder = is_placeholder(record)
    if placeholder:
        found.append(
            _finding(
                "repo-placeholder",
                Severity.WARNING,
                f"{record.full_name or repo} has no code yet ("
                + ("no commits" if record.empty else f"{record.size_kb} KB, no code files")
                + ")",
                "mark the code link as 'coming soon', or drop it until code is released",
            )
        )
    if not placeholder and not record.archived and is_stale(record, now, stale_days):
        last = record.pushed_at or record.last_commit_at
        found.append(
            _finding(
                "repo-stale",
                Severity.INFO,
                f"{record.full_name or repo} has had no push since {last:%Y-%m-%d}",
                "nothing to fix; consider noting that it is unmaintained",
            )
        )
    return found


def repo_findings(
    catalog: Catalog, results: dict[str, RepoOutcome], now: datetime, stale_days: int
) -> list[Finding]:
    """Findings for every entry linking a repository (`results` keyed by lower-case
    'owner/name'), at the line of the entry's first link to it; links outside entries too."""
    findings = []
    seen: set[tuple[str | None, str]] = set()
    for entry_key, link in catalog.iter_links():
        key = (link.repo or "").lower()
        if not link.repo or link.image or (entry_key, key) in seen or key not in results:
            continue
        seen.add((entry_key, key))
        for spec in _repo_rules(link.repo, results[key], now, stale_days):
            findings.append(
                Finding(line=link.line, url=link.url, entry_key=entry_key, **spec)  # type: ignore[arg-type]
            )
    return findings
