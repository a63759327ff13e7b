"""Point the pipeline, through its environment, at a world the emulator serves."""

from __future__ import annotations

import json
from typing import Any

import pytest

__all__ = ["point_pipeline_at"]

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
