"""Helpers for the arXiv stage tests: quick settings, entries built from URLs, one-call runs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.config import Settings
from pipeline.context import RunContext
from pipeline.model import Catalog, Entry, RawLink
from pipeline.net import open_client
from pipeline.stages.arxiv import STAGE, fetch_arxiv
from pipeline.stages.resolve import arxiv_id_from_url, resolve_link
from tests.emulator import Emulator
from tests.emulator.arxiv_api import ArxivWorld, Paper, arxiv_url, mount_arxiv

__all__ = [
    "INTERVAL",
    "NOW",
    "arxiv_settings",
    "catalog_of",
    "entry",
    "paper",
    "run_arxiv",
    "serve",
]

NOW = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
INTERVAL = 0.2  # the emulator refuses faster clients; the stage is set to this spacing


def arxiv_settings(emulator: Emulator, cache_dir: Path, **overrides: Any) -> Settings:
    """Settings pointing at the emulator: short timeouts, tiny backoff, INTERVAL pacing."""
    values: dict[str, Any] = {
        "cache_dir": cache_dir,
        "arxiv_api_url": arxiv_url(emulator),
        "arxiv_interval": INTERVAL,
        "timeout": 0.5,
        "retries": 1,
        "retry_backoff": 0.01,
        "max_retry_wait": 2.0,
        "retry_budget": 5.0,
    }
    values.update(overrides)
    return Settings(**values)


def paper(arxiv_id: str, title: str, **fields: Any) -> Paper:
    """A paper for an emulator world."""
    return Paper(arxiv_id=arxiv_id, title=title, **fields)


def serve(emulator: Emulator, *papers: Paper, **switches: Any) -> ArxivWorld:
    """Mount a world of `papers` with the rate limit of INTERVAL (and any other switches)."""
    world = ArxivWorld(min_interval=INTERVAL, **switches)
    for item in papers:
        world.add(item)
    mount_arxiv(emulator, world)
    return world


def entry(title: str, *urls: str, line: int = 1, **fields: Any) -> Entry:
    """An entry with links built by the resolve stage's own link resolver."""
    links = [resolve_link(RawLink(label="paper", url=url, line=line, column=3)) for url in urls]
    found = next((arxiv_id_from_url(url) for url in urls if arxiv_id_from_url(url)), None)
    key = f"arxiv:{found[0]}" if found else f"title:{title.lower()[:20]}"
    return Entry(
        key=fields.pop("key", key),
        section=["S"],
        title=title,
        line=line,
        arxiv_id=found[0] if found else None,
        links=links,
        **fields,
    )


def catalog_of(*entries: Entry) -> Catalog:
    """A catalog of `entries`."""
    return Catalog(generated_at=NOW, source="test.md", entries=list(entries))


def run_arxiv(
    catalog: Catalog, settings: Settings, *, previous: Catalog | None = None
) -> tuple[Catalog, RunContext]:
    """Run the arXiv stage once with a fresh net client; returns the catalog and the context."""

    async def go() -> tuple[Catalog, RunContext]:
        async with open_client(settings, STAGE.ttls(settings)) as net:
            ctx = RunContext(settings=settings, now=NOW, previous=previous, net=net)
            return await fetch_arxiv(catalog, ctx), ctx

    return asyncio.run(go())
