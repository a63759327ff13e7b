"""Hostile servers: every case ends in bounded time and memory with a clear verdict, never a crash.

Links go through the real links stage (HEAD -> GET probe) and API-style reads
through `NetClient.fetch`, against tests/emulator/hostile.py. Two healthy hosts
sit beside each hostile one, so a connection-level failure is judged as that
link's problem, not as a network outage.
"""

from __future__ import annotations

import asyncio
import resource
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.model import Finding, LinkHealth, Verdict
from pipeline.net import Failure, FetchError, open_client
from tests.emulator import Emulator, Request, Response
from tests.emulator.hostile import RawServer, mount_hostile
from tests.links_helpers import catalog_of, fast_settings, health_of, run_links

HOST = "hostile.example"
MAX_MB = 150  # growth of this process's peak RSS allowed for one hostile answer


def _ok(_: Request) -> Response:
    return Response(200, {"Content-Type": "text/html"}, b"<html>fine</html>")


@pytest.fixture
def hostile(emulator: Emulator) -> Emulator:
    """The emulator with the hostile host and two healthy ones mounted."""
    mount_hostile(emulator, HOST)
    emulator.mount("fine-a.example", _ok)
    emulator.mount("fine-b.example", _ok)
    return emulator


@pytest.fixture(scope="module")
def raw_server() -> Iterator[RawServer]:
    """The trickling / plain-HTTP-to-TLS socket server."""
    with RawServer() as server:
        yield server


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _check(
    emulator: Emulator, url: str, tmp_path: Path, **settings: object
) -> tuple[LinkHealth, list[Finding], float, float]:
    """Run the links stage on `url` plus two healthy links: (health, findings, seconds, MB)."""
    fine = [emulator.url("fine-a.example", "/p"), emulator.url("fine-b.example", "/p")]
    values = {"timeout": 2.0, "retries": 1, **settings}
    before, started = _peak_mb(), time.monotonic()
    checked, ctx = run_links(catalog_of(url, *fine), fast_settings(tmp_path / "cache", **values))
    seconds, grown = time.monotonic() - started, _peak_mb() - before
    assert not ctx.outage
    health = health_of(checked)
    assert all(health[u].verdict is Verdict.OK for u in fine)
    return health[url], checked.findings, seconds, grown


def _fetch(url: str, tmp_path: Path) -> tuple[FetchError, float, float]:
    settings = fast_settings(tmp_path / "cache", timeout=5.0, retries=1)

    async def go() -> None:
        async with open_client(settings) as net:
            await net.fetch("GET", url, kind="page")

    before, started = _peak_mb(), time.monotonic()
    with pytest.raises(FetchError) as caught:
        asyncio.run(go())
    return caught.value, time.monotonic() - started, _peak_mb() - before


def test_gzip_bomb_read_is_refused_at_the_body_cap(hostile: Emulator, tmp_path: Path) -> None:
    error, seconds, grown = _fetch(hostile.url(HOST, "/gzip-bomb"), tmp_path)
    assert error.failure is Failure.BODY_TOO_LARGE
    assert seconds < 5 and grown < MAX_MB


def test_gzip_bomb_link_is_judged_without_reading_the_body(
    hostile: Emulator, tmp_path: Path
) -> None:
    health, _, seconds, grown = _check(hostile, hostile.url(HOST, "/gzip-bomb"), tmp_path)
    assert health.verdict is Verdict.OK
    assert seconds < 5 and grown < MAX_MB


def test_endless_body_read_stops_at_the_body_cap(hostile: Emulator, tmp_path: Path) -> None:
    error, seconds, grown = _fetch(hostile.url(HOST, "/endless"), tmp_path)
    assert error.failure is Failure.BODY_TOO_LARGE
    assert seconds < 5 and grown < MAX_MB
    assert max(hostile.bytes_sent.values()) < 50_000_000  # we hung up; it did not send a TB


def test_endless_body_link_closes_after_the_headers(hostile: Emulator, tmp_path: Path) -> None:
    health, _, seconds, _ = _check(hostile, hostile.url(HOST, "/endless"), tmp_path)
    assert health.verdict is Verdict.OK
    assert seconds < 5
    assert [r.method for r in hostile.requests_to(HOST)] == ["HEAD", "GET"]


def test_one_byte_a_second_trickle_is_unverified_within_the_timeout(
    hostile: Emulator, raw_server: RawServer, tmp_path: Path
) -> None:
    health, _, seconds, _ = _check(hostile, raw_server.url("http", "/slow"), tmp_path)
    assert health.verdict is Verdict.UNVERIFIED
    assert "timeout" in (health.detail or "")
    assert seconds < 2 * 2.0 + 3  # two attempts of the 2 s timeout, plus backoff


def test_redirect_loop_is_unverified_after_the_redirect_cap(
    hostile: Emulator, tmp_path: Path
) -> None:
    health, _, seconds, _ = _check(hostile, hostile.url(HOST, "/loop/a"), tmp_path)
    assert health.verdict is Verdict.UNVERIFIED
    assert "too-many-redirects" in (health.detail or "")
    assert len(hostile.requests_to(HOST)) <= 11 and seconds < 5


def test_fifty_hop_chain_is_unverified_after_the_redirect_cap(
    hostile: Emulator, tmp_path: Path
) -> None:
    health, _, _, _ = _check(hostile, hostile.url(HOST, "/chain/0"), tmp_path)
    assert health.verdict is Verdict.UNVERIFIED
    assert len(hostile.requests_to(HOST)) <= 11


@pytest.mark.parametrize("scheme", ["ftp", "file"])
def test_redirect_to_other_scheme_is_a_finding_and_never_followed(
    hostile: Emulator, tmp_path: Path, scheme: str
) -> None:
    url = hostile.url(HOST, f"/to/{scheme}")
    health, findings, _, _ = _check(hostile, url, tmp_path)
    assert health.verdict is Verdict.UNVERIFIED
    assert (health.final_url or "").startswith(f"{scheme}:")
    assert [f.url for f in findings] == [url]
    assert len(hostile.requests_to(HOST)) == 1


def test_redirect_to_javascript_is_unverified_not_a_crash(
    hostile: Emulator, tmp_path: Path
) -> None:
    # httpx cannot even build "javascript:..." into a URL; the net layer reports invalid-url.
    health, _, _, _ = _check(hostile, hostile.url(HOST, "/to/javascript"), tmp_path)
    assert health.verdict is Verdict.UNVERIFIED
    assert "invalid-url" in (health.detail or "")
    assert len(hostile.requests_to(HOST)) == 1


def test_api_read_redirected_to_javascript_is_a_fetch_error(
    hostile: Emulator, tmp_path: Path
) -> None:
    error, _, _ = _fetch(hostile.url(HOST, "/to/javascript"), tmp_path)
    assert error.failure is Failure.INVALID_URL


@pytest.mark.parametrize("path", ["/bad-header", "/huge-header"], ids=["nul-byte", "one-mb"])
def test_malformed_headers_are_unverified_not_a_crash(
    hostile: Emulator, tmp_path: Path, path: str
) -> None:
    health, _, seconds, grown = _check(hostile, hostile.url(HOST, path), tmp_path)
    assert health.verdict is Verdict.UNVERIFIED
    assert seconds < 5 and grown < MAX_MB


def test_https_to_a_plain_http_port_is_unverified_not_dead(
    hostile: Emulator, raw_server: RawServer, tmp_path: Path
) -> None:
    health, _, seconds, _ = _check(hostile, raw_server.url("https", "/paper"), tmp_path)
    assert health.verdict is Verdict.UNVERIFIED
    assert health.detail.startswith("tls-error")  # answered, so neither dead nor an outage
    assert seconds < 5
