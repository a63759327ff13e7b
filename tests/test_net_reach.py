"""The reachability pre-check reads host_map targets as the client does."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from pipeline.net import reach
from tests.emulator import Emulator
from tests.links_helpers import fast_settings


@pytest.mark.parametrize("scheme", ["", "http://", "https://"])
def test_a_mapped_host_with_a_scheme_and_port_is_reached(
    emulator: Emulator, tmp_path: Path, scheme: str
) -> None:
    target = f"{scheme}127.0.0.1:{emulator.port}"
    settings = fast_settings(tmp_path, host_map={"paper.example": target})
    reached = asyncio.run(reach(["https://paper.example/x"], settings))
    assert reached == {"paper.example": None}
