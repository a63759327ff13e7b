"""The GitHub stage: API shapes, fetching, repo health, and the stage itself."""

from __future__ import annotations

from typing import Any

from pipeline.config import Settings
from pipeline.model import Catalog, Link
from pipeline.stages.github.health import is_plain_repo_url
from pipeline.stages.spec import StageSpec

__all__ = ["STAGE", "STARS_FILE", "fetch_github"]


def _api_urls(catalog: Catalog, settings: Settings) -> list[str]:
    return [settings.github_api_url] if catalog.repos else []


def _carry(catalog: Catalog, previous: Catalog) -> Catalog:
    repos = {key: previous.repos.get(key, record) for key, record in catalog.repos.items()}
    return catalog.model_copy(update={"repos": repos})


def _verifies(link: Link) -> bool:
    # The repository's own page only: the API cannot say whether a path inside it (tree/,
    # blob/) exists, so those are checked from the start, not after the API's answer (only
    # a path in a deleted repository then costs a request the API's answer would spare).
    return bool(link.repo) and is_plain_repo_url(link.url)


STAGE = StageSpec(
    name="github",
    run="pipeline.stages.github.stage:fetch_github",
    api_urls=_api_urls,
    verifies=_verifies,
    ttls=lambda settings: {"github": settings.github_ttl_hours * 3600},
    carry=_carry,
)


def __getattr__(name: str) -> Any:
    if name in ("fetch_github", "STARS_FILE"):
        from pipeline.stages.github import stage

        return getattr(stage, name)
    raise AttributeError(name)
