"""Issue 12.12 and 12.13: verdicts do not depend on the cache; no network is an outage at once."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.model import Verdict
from pipeline.net.cache import NetCache, ttl_seconds
from tests.emulator import Emulator, World, load_world
from tests.links_helpers import catalog_of, fast_settings, health_of, run_links


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- 12.12: NXDOMAIN is judged the same cold and warm ------------------------------------------


def test_unknown_host_is_dead_in_a_cold_and_in_a_warm_run(
    emulator: Emulator, tmp_path: Path
) -> None:
    world = {name: {"pages": {"/ok": {}}} for name in ("a", "b", "c")}
    load_world(emulator, World.from_dict({"hosts": world}))
    unknown = f"http://vanished.invalid:{emulator.port}/paper"
    catalog = catalog_of(*(emulator.url(h, "/ok") for h in world), unknown)
    settings = fast_settings(tmp_path)
    cold, cold_ctx = run_links(catalog, settings)
    asked = len(emulator.requests)
    warm, warm_ctx = run_links(catalog, settings, previous=cold)
    assert health_of(cold)[unknown].verdict is Verdict.DEAD and not cold_ctx.outage
    # Every other link came from the cache; the verdict and the outage call must not change.
    assert len(emulator.requests) == asked  # the re-check opens connections, sends no request
    assert health_of(warm)[unknown].verdict is Verdict.DEAD
    assert not warm_ctx.outage


def test_warm_run_with_the_network_gone_is_an_outage_not_a_dead_link(tmp_path: Path) -> None:
    port = _closed_port()
    known = f"http://127.0.0.1:{port}/ok"  # answered once (cached), unreachable now
    unknown = f"http://vanished.invalid:{port}/paper"
    settings = fast_settings(tmp_path)
    # Seed the cache as if `known` had answered in an earlier run.
    cache = NetCache(settings.cache_dir, ttl_seconds(settings))
    cache.put("link", known, {"url": known, "status": 200, "final_url": known, "redirects": [],
                              "failure": None, "detail": "HTTP 200", "method": "HEAD",
                              "etag": None, "last_modified": None})  # fmt: skip
    cache.close()
    warm, ctx = run_links(catalog_of(known, unknown), settings)
    assert ctx.outage
    assert health_of(warm)[unknown].verdict is Verdict.UNVERIFIED


# -- 12.13: no network at all is an outage in one round of connections ------------------------


@pytest.fixture
def no_network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    port = _closed_port()
    lines = [
        f"- Paper {i}. CVPR'2024. [[paper](https://arxiv.org/abs/2401.0000{i})] "
        f"[[code](https://github.com/o/r{i})] [[project](http://127.0.0.{i + 2}:{port}/p{i})]"
        for i in range(5)
    ]
    (tmp_path / "list.md").write_text("## S\n\n" + "\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ARXIV_API_URL", f"http://127.0.0.40:{port}/api/query")
    monkeypatch.setenv("GITHUB_API_URL", f"http://127.0.0.41:{port}")
    monkeypatch.setenv("PIPELINE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path


def test_no_network_is_an_outage_before_any_request_or_retry(no_network: Path) -> None:
    result = CliRunner().invoke(app, ["refresh", "-q", "-i", "list.md", "-o", "out"])
    assert result.exit_code == 3, result.output
    assert "network outage (nothing reachable: 127.0.0.40:" in result.stderr
    catalog = json.loads((no_network / "out" / "catalog.json").read_text(encoding="utf-8"))
    # Decided by one TCP connection per host: no stage sent a request (or retried one).
    assert catalog["stats"]["requests"] == {}
    assert catalog["stats"]["outage"] is True
    verdicts = {link["health"]["verdict"] for e in catalog["entries"] for link in e["links"]}
    assert verdicts == {"unverified"}


def test_one_reachable_host_is_enough_to_run_the_stages(
    no_network: Path, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_world(emulator, World.from_dict({"hosts": {"site": {"default": {}}}}))
    listing = no_network / "list.md"
    listing.write_text(
        listing.read_text(encoding="utf-8")
        + f"- Reachable paper. CVPR'2024. [[paper]({emulator.url('site', '/p')})]\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("PIPELINE_RETRIES", "0")
    result = CliRunner().invoke(
        app, ["refresh", "-q", "--only", "links", "-i", "list.md", "-o", "out"]
    )
    assert "nothing reachable" not in result.stderr
    assert len(emulator.requests_to("site")) == 1
