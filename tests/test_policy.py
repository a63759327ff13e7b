"""`--fail-on`: one vocabulary and one rule for `refresh` and `check-pr`."""

from __future__ import annotations

import pytest

from pipeline.errors import ConfigError
from pipeline.model import Finding, Severity, Verdict
from pipeline.policy import check_fail_on, policy_failures


def _finding(severity: Severity) -> Finding:
    return Finding(code="x", severity=severity, message="x")


def test_an_unknown_kind_names_the_choices() -> None:
    with pytest.raises(ConfigError, match=r"unknown kind 'fatal'; choose from .*'none'"):
        check_fail_on(["dead", "fatal"])


def test_failures_name_each_matching_kind_with_its_count() -> None:
    findings = [_finding(Severity.ERROR), _finding(Severity.WARNING), _finding(Severity.ERROR)]
    verdicts = [Verdict.DEAD, Verdict.OK, Verdict.DEAD, Verdict.MOVED]
    assert policy_failures(findings, verdicts, ["error", "dead"]) == [
        "2 finding(s) of severity error",
        "2 dead link(s)",
    ]


def test_none_and_unmatched_kinds_fail_nothing() -> None:
    findings = [_finding(Severity.INFO)]
    assert policy_failures(findings, [Verdict.BLOCKED], ["none"]) == []
    assert policy_failures(findings, [Verdict.BLOCKED], ["error", "dead"]) == []


def test_none_is_given_alone() -> None:
    assert check_fail_on(["none"]) == ["none"]
    with pytest.raises(ConfigError, match="give it alone"):
        check_fail_on(["none", "dead"])
