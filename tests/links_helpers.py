"""Helpers for the net and links tests: quick settings, catalogs built by hand, one-call runs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.config import Settings
from pipeline.context import RunContext
from pipeline.model import Catalog, Entry, Link, LinkHealth, LinkKind
from pipeline.net import Probe, open_client
from pipeline.stages.links import check_links
from tests.emulator import Emulator, Request, Response, World, load_world

__all__ = [
    "NOW",
    "InFlight",
    "catalog_of",
    "fast_settings",
    "health_of",
    "mount_hosts",
    "probe_all",
    "run_links",
]

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def fast_settings(cache_dir: Path, **overrides: Any) -> Settings:
    """Settings for tests: short timeouts, tiny backoff, no pacing."""
    values: dict[str, Any] = {
        "cache_dir": cache_dir,
        "timeout": 0.5,
        "retries": 2,
        "retry_backoff": 0.01,
        "max_retry_wait": 2.0,
        "per_host_interval": 0.0,
    }
    values.update(overrides)
    return Settings(**values)


def catalog_of(*urls: str, health: dict[str, LinkHealth] | None = None) -> Catalog:
    """A catalog with one entry per URL (normalized URL = URL), health as given."""
    health = health or {}
    entries = [
        Entry(
            key=f"e{i}",
            section=["S"],
            title=f"Paper {i}",
            line=i + 1,
            links=[
                Link(
                    label="link",
                    url=url,
                    line=i + 1,
                    column=1,
                    kind=LinkKind.OTHER,
                    normalized_url=url,
                    health=health.get(url),
                )
            ],
        )
        for i, url in enumerate(urls)
    ]
    return Catalog(generated_at=NOW, source="test.md", entries=entries)


def health_of(catalog: Catalog) -> dict[str, LinkHealth]:
    """normalized URL -> health, for every link that has one."""
    return {
        link.normalized_url: link.health
        for entry in catalog.entries
        for link in entry.links
        if link.health is not None
    }


def run_links(
    catalog: Catalog,
    settings: Settings,
    *,
    previous: Catalog | None = None,
    now: datetime = NOW,
    progress: Any = None,
) -> tuple[Catalog, RunContext]:
    """Run the links stage once with its own client, as the runner would."""

    async def go() -> tuple[Catalog, RunContext]:
        async with open_client(settings) as net:
            ctx = RunContext(settings=settings, now=now, previous=previous, net=net)
            ctx.progress = progress
            return await check_links(catalog, ctx), ctx

    return asyncio.run(go())


def mount_hosts(emulator: Emulator, hosts: dict[str, Any]) -> None:
    """Serve `{"host": {"pages": ..., "default": ..., ...}}` (World.from_dict's hosts)."""
    load_world(emulator, World.from_dict({"hosts": hosts}))


def probe_all(settings: Settings, *urls: str) -> list[Probe]:
    """Probe `urls` at once over one client, as the links stage does; the probes in order."""

    async def go() -> list[Probe]:
        async with open_client(settings) as net:
            return list(await asyncio.gather(*(net.probe(u) for u in urls)))

    return asyncio.run(go())


class InFlight:
    """An emulator handler answering 200 after `delay` s; `peak` is the most requests it
    held at once (what a concurrency limit allows)."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.active = self.peak = 0

    async def __call__(self, request: Request) -> Response:
        self.active += 1
        self.peak = max(self.peak, self.active)
        await asyncio.sleep(self.delay)
        self.active -= 1
        return Response(200)
