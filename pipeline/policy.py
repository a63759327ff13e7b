"""`--fail-on`: which link verdicts and finding severities fail a run or a pull-request check.

One vocabulary for `refresh --fail-on` and `check-pr --fail-on`: error and
warning (finding severities), dead, moved, blocked and unverified (link
verdicts), and none (fail on nothing).
"""

from __future__ import annotations

from collections.abc import Iterable

from pipeline.errors import ConfigError
from pipeline.model import Finding, Severity, Verdict

__all__ = ["FAIL_ON_KINDS", "check_fail_on", "policy_failures"]

FAIL_ON_KINDS = ("error", "warning", "dead", "moved", "blocked", "unverified", "none")


def check_fail_on(kinds: Iterable[str]) -> list[str]:
    """The `--fail-on` values, checked: ConfigError for an unknown one, or none with others."""
    kinds = list(kinds)
    for kind in kinds:
        if kind not in FAIL_ON_KINDS:
            raise ConfigError(
                f"--fail-on: unknown kind {kind!r}; choose from {list(FAIL_ON_KINDS)}",
                setting="fail_on",
            )
    if "none" in kinds and len(set(kinds)) > 1:
        raise ConfigError("--fail-on none means fail on nothing: give it alone", setting="fail_on")
    return kinds


def policy_failures(
    findings: Iterable[Finding], verdicts: Iterable[Verdict], fail_on: Iterable[str]
) -> list[str]:
    """What `fail_on` fails on among these findings and link verdicts, one phrase each."""
    kinds = set(fail_on)
    severities = [f.severity for f in findings]
    verdicts = list(verdicts)
    failures = []
    for severity in (Severity.ERROR, Severity.WARNING):
        count = severities.count(severity)
        if severity.value in kinds and count:
            failures.append(f"{count} finding(s) of severity {severity.value}")
    for verdict in Verdict:
        count = verdicts.count(verdict)
        if verdict.value in kinds and count:
            failures.append(f"{count} {verdict.value} link(s)")
    return failures
