"""The scholarly stage: where each paper stands now (Semantic Scholar, Hugging Face papers),
and archived copies of dead pages (the Wayback Machine). See stage.py.

Two entries in the run: `scholarly` beside the arXiv and GitHub stages, and
`archive` after the links stage, since it needs to know which links died.
"""

from __future__ import annotations

from pipeline.config import Settings
from pipeline.model import Catalog
from pipeline.stages.spec import StageSpec

__all__ = ["ARCHIVE", "SCHOLARLY"]

_DAY = 86400


def _api_urls(catalog: Catalog, settings: Settings) -> list[str]:
    return [settings.s2_api_url, settings.hf_api_url] if catalog.entries else []


def _carry_records(catalog: Catalog, previous: Catalog) -> Catalog:
    old = {entry.key: entry for entry in previous.entries}
    entries = [
        entry.model_copy(update={"scholarly": o.scholarly, "code": o.code})
        if (o := old.get(entry.key)) is not None
        else entry
        for entry in catalog.entries
    ]
    return catalog.model_copy(update={"entries": entries})


def _carry_copies(catalog: Catalog, previous: Catalog) -> Catalog:
    old = {link.url: link.archived for _, link in previous.iter_links() if link.archived}
    return catalog.with_links(
        lambda link: (
            link.model_copy(update={"archived": old[link.url]}) if link.url in old else link
        )
    )


SCHOLARLY = StageSpec(
    name="scholarly",
    run="pipeline.stages.scholarly.stage:fetch_scholarly",
    settle="pipeline.stages.scholarly.stage:settle_scholarly",
    beside="pipeline.stages.scholarly.lookups:look_up_beside",  # title matches, code lookups
    api_urls=_api_urls,
    ttls=lambda s: {"s2": s.s2_ttl_days * _DAY, "hf": s.hf_ttl_days * _DAY},
    carry=_carry_records,
)
ARCHIVE = StageSpec(
    name="archive",
    run="pipeline.stages.scholarly.archive:find_archived_copies",
    after_links=True,
    while_checked="pipeline.stages.scholarly.archive:start_early",
    ttls=lambda s: {"archive": s.archive_ttl_days * _DAY},
    carry=_carry_copies,
)
