"""Helpers for the GitHub stage tests: tiny catalogs, settings aimed at the emulator, one run."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pipeline.config import Settings
from pipeline.context import RunContext
from pipeline.model import Catalog, Entry, RawLink, RepoRecord
from pipeline.net import open_client
from pipeline.stages.github import STAGE, fetch_github
from pipeline.stages.resolve import resolve_link
from tests.emulator import Emulator
from tests.emulator.github_api import HOST

TOKEN = "ghp_test0SECRET0token0value0000000000"


def catalog_for(urls: list[str]) -> Catalog:
    """One entry per URL (line = index + 1), repos keyed the way the runner keys them."""
    entries = []
    for index, url in enumerate(urls):
        link = resolve_link(RawLink(label="code", url=url, line=index + 1, column=1))
        entries.append(
            Entry(
                key=f"e{index}",
                section=["S"],
                title=f"Paper {index}",
                line=index + 1,
                repos=[link.repo] if link.repo else [],
                links=[link],
            )
        )
    repos = {r.lower(): RepoRecord(linked_as=r) for e in entries for r in e.repos}
    return Catalog(generated_at=datetime.now(UTC), source="t.md", entries=entries, repos=repos)


def settings_for(emulator: Emulator, tmp_path: Path, *, token: bool = True, **extra) -> Settings:
    """Settings that reach the emulated GitHub, fast and with no retries unless asked."""
    values = {
        "github_api_url": emulator.base_url(HOST),
        "output_dir": tmp_path / "data",
        "cache_dir": tmp_path / "cache",
        "per_host_interval": 0.0,
        "retries": 0,
        "max_retry_wait": 5.0,
        **extra,
    }
    if token:
        values["github_token"] = TOKEN
    return Settings.model_validate(values)


async def run_github(
    catalog: Catalog, settings: Settings, previous: Catalog | None = None
) -> tuple[Catalog, RunContext]:
    """Run the stage once with a fresh net client; returns the catalog and the context."""
    now = datetime.now(UTC).replace(microsecond=0)
    async with open_client(settings, STAGE.ttls(settings)) as net:
        ctx = RunContext(settings=settings, now=now, previous=previous, net=net)
        result = await fetch_github(catalog, ctx)
    return result, ctx


def codes(catalog: Catalog) -> list[str]:
    """The finding codes, in order."""
    return [f.code for f in catalog.findings]
