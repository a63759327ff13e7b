"""The arXiv stage: client, Atom feed, title matching, findings, and the stage itself.

Importing the package is cheap (the `arxiv` package alone holds 20 MB): the
stage's modules load when `fetch_arxiv` is first used.
"""

from __future__ import annotations

from typing import Any

from pipeline.config import Settings
from pipeline.model import Catalog, Link
from pipeline.stages.spec import StageSpec

__all__ = ["STAGE", "fetch_arxiv"]


def _api_urls(catalog: Catalog, settings: Settings) -> list[str]:
    return [settings.arxiv_api_url] if catalog.entries else []


def _carry(catalog: Catalog, previous: Catalog) -> Catalog:
    old = {entry.key: entry for entry in previous.entries}
    entries = [
        entry.model_copy(update={"arxiv": o.arxiv, "arxiv_id": entry.arxiv_id or o.arxiv_id})
        if (o := old.get(entry.key)) is not None and o.arxiv is not None
        else entry
        for entry in catalog.entries
    ]
    return catalog.model_copy(update={"entries": entries})


def _verifies(link: Link) -> bool:
    return bool(link.arxiv_id)


STAGE = StageSpec(
    name="arxiv",
    run="pipeline.stages.arxiv.stage:fetch_arxiv",
    start="pipeline.stages.arxiv.ids:IdLookup",
    api_urls=_api_urls,
    verifies=_verifies,
    ttls=lambda settings: {"arxiv": settings.arxiv_ttl_days * 86400},
    carry=_carry,
)


def __getattr__(name: str) -> Any:
    if name == "fetch_arxiv":
        from pipeline.stages.arxiv.stage import fetch_arxiv

        return fetch_arxiv
    raise AttributeError(name)
