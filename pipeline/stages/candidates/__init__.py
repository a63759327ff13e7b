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


# After the links stage: it needs the S2 paper ids the scholarly stage found.
STAGE = StageSpec(
    name="candidates",
    run="pipeline.stages.candidates.stage:find_candidates",
    after_links=True,
    api_urls=_api_urls,
    ttls=lambda s: {"citations": s.citations_ttl_days * _DAY},
    carry=_carry,
)
