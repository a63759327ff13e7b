"""A run that cannot reach the network: exit 3, the previous catalog kept byte for byte."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def unreachable_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    port = _closed_port()
    lines = [
        f"- Paper {i}. CVPR'2024. [[paper](http://127.0.0.{i + 2}:{port}/p{i})]" for i in range(5)
    ]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "awesome-list.md").write_text("## S\n\n" + "\n".join(lines) + "\n")
    monkeypatch.setenv("PIPELINE_TIMEOUT", "0.5")
    monkeypatch.setenv("PIPELINE_RETRIES", "0")
    monkeypatch.setenv("PIPELINE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path


def test_first_run_with_no_network_writes_a_catalog_and_exits_3(unreachable_list: Path) -> None:
    result = CliRunner().invoke(app, ["refresh", "--only", "links", "--quiet"])
    assert result.exit_code == 3, result.output
    assert "outage" in result.stderr
    catalog = (unreachable_list / "data" / "catalog.json").read_text()
    assert '"dead"' not in catalog
    assert '"unverified"' in catalog


def test_outage_keeps_the_previous_catalog_byte_for_byte(unreachable_list: Path) -> None:
    assert CliRunner().invoke(app, ["refresh", "--offline"]).exit_code == 0
    path = unreachable_list / "data" / "catalog.json"
    before = path.read_bytes()
    result = CliRunner().invoke(app, ["refresh", "--only", "links", "--quiet"])
    assert result.exit_code == 3, result.output
    assert "left unchanged" in result.stderr
    assert "Kept data/catalog.json" in result.stderr and "Wrote" not in result.stderr
    assert path.read_bytes() == before
