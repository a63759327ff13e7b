"""Fail closed: a run that lost metadata, or most of the list, must not become a pull request.

Two ways a scheduled refresh goes wrong without any error:

- an API was down or a token missing: entries keep metadata the run could not
  fetch (FetchStatus stale, unverified or not fetched); `pipeline gate` says no
  when the share of such entries is above `--max-lost`;
- no entries at all (a first run on the wrong file, an emptied list) is never ok;
- the list itself stopped parsing (a stray `<!--` at the top, an emptied file):
  the catalog has far fewer entries or links than the one the run replaced
  (`RunStats.previous_entries`, `previous_links`, or `--previous`); the gate says
  no when either dropped by more than `--max-drop`, and names a likely cause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.config import Settings
from pipeline.errors import CatalogError, PipelineError
from pipeline.files import read_text_file
from pipeline.model import Catalog, Entry, FetchStatus
from pipeline.stages.emit import read_catalog

__all__ = [
    "DEFAULT_MAX_DROP",
    "DEFAULT_MAX_LOST",
    "GateResult",
    "check_gate",
    "gate_run",
    "likely_cause",
]

DEFAULT_MAX_LOST = 0.2
DEFAULT_MAX_DROP = 0.2
_LOST = frozenset({FetchStatus.STALE, FetchStatus.UNVERIFIED, FetchStatus.NOT_FETCHED})
_COMMENT = re.compile(r"<!--|-->")


@dataclass
class GateResult:
    """Whether the run may be proposed, with the numbers and the reasons."""

    ok: bool
    lost: int
    total: int
    reasons: list[str] = field(default_factory=list)

    @property
    def share(self) -> float:
        """The share of entries with metadata to fetch whose fetch failed."""
        return self.lost / self.total if self.total else 0.0


def _lost(entry: Entry, catalog: Catalog) -> bool | None:
    """True if the entry lost metadata this run, False if it has it, None if it has none to get."""
    wanted = False
    if entry.arxiv_id:
        wanted = True
        if entry.arxiv is None or entry.arxiv.status in _LOST:
            return True
    for repo in entry.repos:
        wanted = True
        record = catalog.repos.get(repo.lower())
        if record is None or record.status in _LOST:
            return True
    return False if wanted else None


def likely_cause(list_text: str | None) -> str:
    """A guess at why a list lost its entries, from its text: empty, or an unclosed comment."""
    if list_text is None:
        return "was the list emptied or reformatted?"
    if not list_text.strip():
        return "the list file is empty"
    depth_at: int | None = None
    for match in _COMMENT.finditer(list_text):
        if match[0] == "<!--" and depth_at is None:
            depth_at = match.start()
        elif match[0] == "-->":
            depth_at = None
    if depth_at is not None:
        line = list_text.count("\n", 0, depth_at) + 1
        return f"an unclosed HTML comment at line {line}?"
    return "were entries deleted, or did the list's format change?"


def _drop(what: str, now: int, before: int | None, max_drop: float, cause: str) -> str | None:
    if not before or now >= before * (1 - max_drop):
        return None
    share = (before - now) / before
    return (
        f"the list now has {now} {what}; the last run had {before} "
        f"({share:.0%} fewer, more than {max_drop:.0%}): {cause}"
    )


def check_gate(
    catalog: Catalog,
    max_lost: float = DEFAULT_MAX_LOST,
    *,
    max_drop: float = DEFAULT_MAX_DROP,
    previous: Catalog | None = None,
    list_text: str | None = None,
) -> GateResult:
    """Whether `catalog` is fit to propose: no outage, not offline, lost share <= `max_lost`,
    and no drop in entries or links beyond `max_drop` against `previous` (default: the
    counts of the catalog the run replaced, kept in its stats).
    """
    states = [_lost(entry, catalog) for entry in catalog.entries]
    lost = sum(1 for state in states if state)
    total = sum(1 for state in states if state is not None)
    result = GateResult(ok=True, lost=lost, total=total)
    if catalog.stats.outage:
        result.reasons.append("the network was out during the run (outage): nothing was judged")
    if catalog.stats.offline:
        result.reasons.append("the run was offline: no metadata was fetched")
    if not catalog.entries:
        # Nothing to lose is no evidence of health: a first run on the wrong file
        # (`list: ../../../etc/hostname`) or an emptied list read "0 of 0 lost".
        result.reasons.append(
            f"the catalog has no entries, so nothing to propose: is {catalog.source} the paper "
            f"list? ({likely_cause(list_text)})"
        )
    if total and result.share > max_lost:
        result.reasons.append(
            f"metadata could not be fetched for {lost} of {total} entries "
            f"({result.share:.0%} > {max_lost:.0%}): an API was down or a token was missing"
        )
    if previous is not None:
        before_entries = len(previous.entries)
        before_links: int | None = sum(1 for _ in previous.iter_links())
    else:
        before_entries, before_links = (
            catalog.stats.previous_entries or 0,
            catalog.stats.previous_links,
        )
    links = sum(1 for _ in catalog.iter_links())
    cause = likely_cause(list_text)
    for reason in (
        _drop("entries", len(catalog.entries), before_entries, max_drop, cause),
        _drop("links", links, before_links, max_drop, cause),
    ):
        if reason is not None:
            result.reasons.append(reason)
    result.ok = not result.reasons
    return result


def gate_run(
    catalog: Catalog,
    settings: Settings,
    *,
    max_lost: float = DEFAULT_MAX_LOST,
    max_drop: float = DEFAULT_MAX_DROP,
    previous: Path | None = None,
) -> GateResult:
    """`check_gate` with the list's text (for the cause) and `previous` read from disk."""
    older = read_catalog(previous) if previous is not None else None
    if previous is not None and older is None:
        raise CatalogError("no such catalog", path=previous)
    try:
        list_text: str | None = read_text_file(settings.input, settings.max_list_bytes)
    except PipelineError:
        list_text = None  # the cause is a guess; the numbers decide
    return check_gate(catalog, max_lost, max_drop=max_drop, previous=older, list_text=list_text)
