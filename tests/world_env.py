"""Point the pipeline, through its environment, at a world the emulator serves."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

__all__ = ["point_pipeline_at", "serve_seed"]

ROOT = Path(__file__).resolve().parents[1]

_SCHOLARLY_URLS = ("s2_api_url", "hf_api_url", "wayback_cdx_url", "wayback_available_url")


def point_pipeline_at(
    monkeypatch: pytest.MonkeyPatch, settings: dict[str, Any], *, arxiv_interval: float
) -> None:
    """API base URLs and host map from `settings`, a token, and short waits for tests."""
    monkeypatch.setenv("ARXIV_API_URL", settings["arxiv_api_url"])
    monkeypatch.setenv("GITHUB_API_URL", settings["github_api_url"])
    monkeypatch.setenv("PIPELINE_HOST_MAP", json.dumps(settings["host_map"]))
    for name in _SCHOLARLY_URLS:
        if name in settings:
            monkeypatch.setenv(f"PIPELINE_{name.upper()}", settings[name])
    for name in ("S2_INTERVAL", "HF_INTERVAL", "ARCHIVE_INTERVAL"):
        monkeypatch.setenv(f"PIPELINE_{name}", "0.01")
    monkeypatch.setenv("GITHUB_TOKEN", "e2e-token")
    monkeypatch.setenv("PIPELINE_ARXIV_INTERVAL", str(arxiv_interval))
    monkeypatch.setenv("PIPELINE_RETRY_BACKOFF", "0.01")
    monkeypatch.setenv("PIPELINE_TIMEOUT", "5")


def serve_seed(emulator: Any, folder: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The shipped list in `folder/data`, its world served, the pipeline pointed at it (cwd)."""
    from tests.emulator.seed_world import mount_seed_world

    (folder / "data").mkdir()
    shutil.copy(ROOT / "data" / "awesome-list.md", folder / "data" / "awesome-list.md")
    monkeypatch.chdir(folder)
    world = mount_seed_world(emulator, folder / "data" / "awesome-list.md")
    # arXiv's spacing sets the seed run's length: long enough for the optional lookups beside
    # it (beside.py) on a loaded machine (at 0.2 s they were cut short 1 run in 3 at load 4).
    point_pipeline_at(monkeypatch, world.settings, arxiv_interval=0.6)
    return world
