"""Shared fixtures: a clean environment for every test, one loopback emulator per session."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import pytest

from tests.emulator import Emulator

_CLEARED = (
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
    "ARXIV_API_URL",
    "GITHUB_API_URL",
    "S2_API_KEY",
)


@pytest.fixture(scope="session")
def refusing_url() -> Iterator[str]:
    """A loopback URL that refuses connections (a port bound, never listening)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, refusing_url: str) -> None:
    """No tokens, proxies or PIPELINE_* settings leak in from the caller's shell.

    The scholarly APIs (and OpenReview's) point at a port that refuses connections unless a test
    serves them: a test never reaches the real ones, and a run finds them
    unreachable before it starts (so it asks nothing of them).
    """
    for name in list(os.environ):
        if name in _CLEARED or name.startswith("PIPELINE_"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("S2_API_URL", f"{refusing_url}/graph/v1")
    monkeypatch.setenv("PIPELINE_HF_API_URL", f"{refusing_url}/api")
    monkeypatch.setenv("PIPELINE_WAYBACK_CDX_URL", f"{refusing_url}/cdx/search/cdx")
    monkeypatch.setenv("PIPELINE_WAYBACK_AVAILABLE_URL", f"{refusing_url}/wayback/available")
    monkeypatch.setenv("PIPELINE_OPENREVIEW_API_URL", refusing_url)


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[Emulator]:
    """The session's loopback server (port 0, in a thread)."""
    with Emulator() as server:
        yield server


@pytest.fixture
def emulator(emulator_server: Emulator) -> Iterator[Emulator]:
    """The session's server with no mounts and no records, reset again afterwards."""
    emulator_server.reset()
    yield emulator_server
    emulator_server.reset()


@pytest.fixture(scope="session")
def tls_emulator_server() -> Iterator[Emulator]:
    """The session's HTTPS loopback server: a trustme test CA, one certificate per host."""
    with Emulator(tls=True) as server:
        yield server


@pytest.fixture
def tls_emulator(tls_emulator_server: Emulator) -> Iterator[Emulator]:
    """The HTTPS server with no mounts, records or connection counts, reset again afterwards."""
    tls_emulator_server.reset()
    yield tls_emulator_server
    tls_emulator_server.reset()
