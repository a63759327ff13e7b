"""Issue 12.6 and 12.14: report trimming is one pass (linear), and never cuts inside a line."""

from __future__ import annotations

import pytest

from pipeline.model import Catalog, Finding, Severity
from pipeline.outputs import report_md
from pipeline.outputs.report import build_report
from pipeline.outputs.report_md import MAX_BODY_CHARS, body_size, render_report
from tests.sample_catalog import sample_catalog, sample_previous

_MIXED = [
    ("dead-link", Severity.ERROR),
    ("repo-stale", Severity.INFO),
    ("blocked-link", Severity.INFO),
    ("unknown-tag", Severity.WARNING),
]
_OPTIONAL = [("repo-stale", Severity.INFO), ("blocked-link", Severity.INFO)]


def _many(findings: int, codes: list[tuple[str, Severity]] = _MIXED) -> Catalog:
    base = sample_catalog()
    extra = [
        Finding(
            code=codes[n % len(codes)][0],
            severity=codes[n % len(codes)][1],
            message=f"problem {n} " + "x" * 80,
            line=100 + n,
            url=f"https://example.org/{n}?q=%E2%80%A6",
            hint="fix " + "z" * 40,
            entry_key="delta-dead-things",
        )
        for n in range(findings)
    ]
    return base.model_copy(update={"findings": [*base.findings, *extra]})


def _count_renders(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = report_md._render

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(report_md, "_render", counted)
    return calls


@pytest.mark.parametrize("findings", [800, 8_000])
def test_trimming_renders_the_report_a_fixed_number_of_times(
    monkeypatch: pytest.MonkeyPatch, findings: int
) -> None:
    report = build_report(_many(findings), sample_previous())
    calls = _count_renders(monkeypatch)
    rendered = render_report(report)
    assert len(calls) == 3  # full, the fixed part, the result: not one per round
    assert body_size(rendered.text) <= MAX_BODY_CHARS
    # The room is used: a trimmed report is not far below the limit.
    assert body_size(rendered.text) > MAX_BODY_CHARS * 0.9
    assert sum(rendered.cut.values()) > 0


def test_optional_sections_are_cut_before_the_action_tables() -> None:
    report = build_report(_many(8_000, _OPTIONAL), sample_previous())
    rendered = render_report(report)
    # Action tables stay whole while worth-knowing rows can absorb the cut.
    assert not {"dead", "lint", "moved"} & set(rendered.cut)
    assert {"repo-stale", "blocked-link"} <= set(rendered.cut)
    # Both long sections were capped alike: neither keeps many more rows than the other.
    shown = {k: 4_001 - rendered.cut[k] for k in ("repo-stale", "blocked-link")}
    assert abs(shown["repo-stale"] - shown["blocked-link"]) <= 2


@pytest.mark.parametrize("limit", [900, 1_500, 2_500])
def test_a_report_cut_at_the_limit_is_cut_at_a_line_end(limit: int) -> None:
    report = build_report(_many(50), sample_previous())
    full = render_report(report, limit=10**9).text
    text = render_report(report, limit=limit).text
    assert body_size(text) <= limit
    ours = ("> Trimmed to fit", "_")  # our notes: the cut summary and "rows cut" lines
    lines = [line for line in text.split("\n") if not line.startswith(ours)]
    assert all(line in full.split("\n") for line in lines)  # whole lines only: no %E2%8 tail


@pytest.mark.stress
def test_eighty_four_thousand_findings_trim_in_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    report = build_report(_many(84_000), sample_previous())
    calls = _count_renders(monkeypatch)
    rendered = render_report(report)
    assert len(calls) == 3
    assert body_size(rendered.text) <= MAX_BODY_CHARS
