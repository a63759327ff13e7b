"""Fail closed: a run that lost metadata for too many entries must not become a pull request.

An API that was down, or a token that was missing, leaves entries with
metadata the run could not fetch (FetchStatus stale, unverified or not
fetched). Such a run still writes its catalog (last-known values are kept),
but the scheduled workflow should not propose it: `pipeline gate` says no,
and why, when the share of such entries is above `--max-lost`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.model import Catalog, Entry, FetchStatus

__all__ = ["DEFAULT_MAX_LOST", "GateResult", "check_gate"]

DEFAULT_MAX_LOST = 0.2
_LOST = frozenset({FetchStatus.STALE, FetchStatus.UNVERIFIED, FetchStatus.NOT_FETCHED})


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


def check_gate(catalog: Catalog, max_lost: float = DEFAULT_MAX_LOST) -> GateResult:
    """Whether `catalog` is fit to propose: no outage, not offline, lost share <= `max_lost`."""
    states = [_lost(entry, catalog) for entry in catalog.entries]
    lost = sum(1 for state in states if state)
    total = sum(1 for state in states if state is not None)
    result = GateResult(ok=True, lost=lost, total=total)
    if catalog.stats.outage:
        result.reasons.append("the network was out during the run (outage): nothing was judged")
    if catalog.stats.offline:
        result.reasons.append("the run was offline: no metadata was fetched")
    if total and result.share > max_lost:
        result.reasons.append(
            f"metadata could not be fetched for {lost} of {total} entries "
            f"({result.share:.0%} > {max_lost:.0%}): an API was down or a token was missing"
        )
    result.ok = not result.reasons
    return result
