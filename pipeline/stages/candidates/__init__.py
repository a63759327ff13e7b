"""The candidates stage: papers the list may be missing, from who cites its papers. See stage.py."""

from __future__ import annotations

from pipeline.config import Settings
from pipeline.model import Catalog
from pipeline.stages.spec import StageSpec

__all__ = ["STAGE"]

_DAY = 86400


def _api_urls(catalog: Catalog, settings: Settings) -> list[str]:
    return [settings.s2_api_url] if catalog.entries else []


def _carry(catalog: Catalog, previous: Catalog) -> Catalog:
    return catalog.model_copy(update={"candidates": previous.candidates})


# Beside the whole run: it asks S2 by arXiv id or DOI (it needs no other stage's answer), once
# the scholarly stage is done with S2, and stops when the rest of the run is done.
STAGE = StageSpec(
    name="candidates",
    run="pipeline.stages.candidates.stage:find_candidates",
    settle="pipeline.stages.candidates.stage:settle_candidates",
    beside_run=True,
    api_urls=_api_urls,
    ttls=lambda s: {"citations": s.citations_ttl_days * _DAY},
    carry=_carry,
)
