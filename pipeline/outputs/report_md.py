"""report.md: the Report rendered as escaped Markdown that fits in a pull request body.

GitHub refuses a PR body over 65,536 characters. When the full rendering is
longer, rows are cut from the longest "worth knowing" and "changes" sections
first, then from the longest action sections; the summary is never cut. Each
cut section says how many rows it left out, and the top of the report lists
every cut (report.json always has every row).

Trimming is one pass: every row is rendered once and measured, the room left
by everything that is not a row is measured once (with the longest cut note
it could need), and a cap per section is found so that the longest sections
are cut first ("water filling"). Time is linear in the rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline.outputs.markdown_safe import escape_text, md_link, shorten
from pipeline.outputs.report import Column, Report, Section

__all__ = ["MAX_BODY_CHARS", "RenderedReport", "body_size", "render_report"]

MAX_BODY_CHARS = 65_536
FOLD_AFTER = 10  # sections with more rows than this are folded into <details>
_URL_LABEL = 60
_TEXT_LIMIT = 120


@dataclass
class RenderedReport:
    """The Markdown text and the rows it cut per section key."""

    text: str
    cut: dict[str, int] = field(default_factory=dict)


def body_size(text: str) -> int:
    """Length as GitHub counts it (UTF-16 code units), so astral characters count twice."""
    return len(text.encode("utf-16-le")) // 2


def _signed(value: int | None) -> str:
    if value is None:
        return "–"
    return f"+{value:,}" if value > 0 else f"{value:,}" if value < 0 else "0"


def _cell(column: Column, value: Any) -> str:
    if value is None or value == "":
        return ""
    if column.kind == "url":
        return md_link(shorten(str(value), _URL_LABEL), str(value))
    if column.kind == "int":
        return str(value) if isinstance(value, int) else escape_text(value)
    if column.kind == "signed":
        return _signed(value) if isinstance(value, int) else escape_text(value)
    return escape_text(shorten(str(value), _TEXT_LIMIT))


def _table(columns: list[Column], rows: list[dict[str, Any]]) -> list[str]:
    head = "| " + " | ".join(c.title for c in columns) + " |"
    rule = "|" + "|".join("---:" if c.kind in {"int", "signed"} else "---" for c in columns) + "|"
    body = ["| " + " | ".join(_cell(c, row.get(c.key)) for c in columns) + " |" for row in rows]
    return [head, rule, *body]


def _section(section: Section, shown: int, level: str) -> list[str]:
    total = len(section.rows)
    lines = _table(section.columns, section.rows[:shown]) if shown else []
    if shown < total:
        lines += ["", f"_{total - shown} more rows cut to fit the size limit; see report.json._"]
    title = f"{section.title} ({total})"
    if total > FOLD_AFTER:
        return [f"<details><summary>{title}</summary>", "", *lines, "", "</details>", ""]
    return [f"{level} {title}", "", *lines, ""]


def _summary(report: Report) -> list[str]:
    since = "Change" if not report.first_run else "Change (first run)"
    lines = [f"| | Now | {since} |", "|---|---:|---:|"]
    for metric in report.summary:
        lines.append(f"| {metric.label} | {metric.value:,} | {_signed(metric.change)} |")
    return lines


def _stats(stats: dict[str, Any]) -> list[str]:
    requests = ", ".join(f"{escape_text(k)} {v:,}" for k, v in stats.get("requests", {}).items())
    limits = ", ".join(
        f"{escape_text(k)} {'?' if v is None else f'{v:,}'}"
        for k, v in stats.get("rate_limit_left", {}).items()
    )
    rows = [
        (
            "Requests",
            f"{stats.get('requests_total', 0):,}" + (f" ({requests})" if requests else ""),
        ),
        ("Cache hits", f"{stats.get('cache_hits', 0):,}"),
        ("Rate limit left", limits or "–"),
        ("Seconds", f"{stats.get('seconds', 0.0):.1f}"),
        ("Stages", escape_text(", ".join(stats.get("stages", []))) or "–"),
    ]
    if stats.get("offline") or stats.get("outage"):
        rows.append(("Mode", "outage" if stats.get("outage") else "offline"))
    return ["| | |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows)]


def _render(report: Report, shown: dict[str, int], cut_note: str) -> str:
    out = [
        "# Catalog health report",
        "",
        f"Generated {report.generated_at.isoformat()} from {escape_text(report.source)}.",
        "",
    ]
    out += [f"> {escape_text(note)}" for note in report.notes]
    if report.notes:
        out.append("")
    if cut_note:
        out += [f"> {cut_note}", ""]
    out += ["## Summary", "", *_summary(report), ""]
    action = [s for s in report.sections if s.group == "action" and s.rows]
    count = sum(len(s.rows) for s in action)
    out += [f"## Needs action ({count})", ""]
    if action:
        out += [
            "Line numbers are lines of the list. `pipeline fix --write` applies the mechanical "
            "fixes (moved links, canonical arXiv links, verified https).",
            "",
        ]
        for section in action:
            out += _section(section, shown[section.key], "###")
    else:
        out += ["Nothing needs action.", ""]
    for group, heading in (("info", "Worth knowing"), ("changes", "Changes since the last run")):
        sections = [s for s in report.sections if s.group == group and s.rows]
        if group == "changes" and report.first_run:
            out += [f"## {heading}", "", "This is the first run: nothing to compare with.", ""]
            continue
        out += [f"## {heading}", ""]
        if not sections:
            out += ["Nothing new.", ""]
        for section in sections:
            out += _section(section, shown[section.key], "###")
    if report.charts:
        out += ["## Charts", ""]
        for chart in report.charts:
            out += [chart.mermaid, ""]
    out += ["## Run statistics", "", *_stats(report.stats), ""]
    return "\n".join(out)


def _cut_note(cut: dict[str, int], titles: dict[str, str], limit: int) -> str:
    if not cut:
        return ""
    parts = ", ".join(f"{titles[key]} ({n} rows)" for key, n in cut.items())
    return (
        f"Trimmed to fit GitHub's {limit:,}-character limit: cut {parts}. "
        "report.json has every row."
    )


def render_report(report: Report, *, limit: int = MAX_BODY_CHARS) -> RenderedReport:
    """The report as Markdown of at most `limit` characters, saying what it cut."""
    shown = {s.key: len(s.rows) for s in report.sections}
    titles = {s.key: s.title for s in report.sections}
    text = _render(report, shown, "")
    if body_size(text) <= limit:
        return RenderedReport(text=text)
    # Every row's cost (its line and newline), and the table head a section pays once.
    costs = {
        s.key: [body_size(line) + 1 for line in _table(s.columns, s.rows)] for s in report.sections
    }
    # Everything else, measured with no row shown and the longest note the cuts could need.
    worst = {s.key: len(s.rows) for s in report.sections if s.rows}
    fixed = body_size(_render(report, dict.fromkeys(shown, 0), _cut_note(worst, titles, limit)))
    room = limit - fixed
    optional = [s for s in report.sections if s.group != "action" and s.rows]
    action = [s for s in report.sections if s.group == "action" and s.rows]
    action_size = sum(sum(costs[s.key]) for s in action)
    if action_size <= room:
        allowed = _fill(optional, costs, room - action_size)
        allowed.update({s.key: sum(costs[s.key]) for s in action})
    else:
        allowed = _fill(action, costs, room)
        allowed.update(dict.fromkeys((s.key for s in optional), 0))
    cut: dict[str, int] = {}
    for section in report.sections:
        if not section.rows:
            continue
        shown[section.key] = _rows_within(costs[section.key], allowed[section.key])
        if shown[section.key] < len(section.rows):
            cut[section.key] = len(section.rows) - shown[section.key]
    text = _render(report, shown, _cut_note(cut, titles, limit))
    if body_size(text) > limit:  # the summary and headings alone are too long: cut at a line
        text = _cut_at_line(text, limit - 100) + "\n\n_Cut at the size limit; see report.json._\n"
    return RenderedReport(text=text, cut=cut)


def _fill(sections: list[Section], costs: dict[str, list[int]], room: int) -> dict[str, int]:
    """Room per section, largest capped first: the cap C with sum(min(size, C)) <= room."""
    sizes = sorted((sum(costs[s.key]), s.key) for s in sections)
    allowed: dict[str, int] = {}
    left = max(room, 0)
    for index, (size, key) in enumerate(sizes):
        share = left // (len(sizes) - index)  # what each remaining (larger) section may get
        allowed[key] = min(size, share)
        left -= allowed[key]
    return allowed


def _rows_within(costs: list[int], allowed: int) -> int:
    """How many rows fit in `allowed` (the table head, costs[0:2], counts with the first row)."""
    head, rows = costs[:2], costs[2:]
    used = sum(head)
    count = 0
    for cost in rows:
        if used + cost > allowed:
            break
        used += cost
        count += 1
    return count


def _cut_at_line(text: str, limit: int) -> str:
    """`text` cut to at most `limit` UTF-16 units at a line end (never inside a URL or escape)."""
    head = text.encode("utf-16-le")[: max(limit, 0) * 2].decode("utf-16-le", "ignore")
    return head[: head.rfind("\n")] if "\n" in head else ""
