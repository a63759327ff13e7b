"""The net client against the emulator: what it sends, how politely, and what it reports."""

from __future__ import annotations

import asyncio
import itertools
from email.utils import formatdate
from pathlib import Path
from typing import Any

import pytest

from pipeline.config import Settings
from pipeline.net import Failure, FetchError, open_client
from tests.emulator import Emulator
from tests.links_helpers import InFlight, fast_settings, mount_hosts, probe_all


def test_user_agent_names_the_tool_and_a_contact(emulator: Emulator, tmp_path: Path) -> None:
    mount_hosts(emulator, {"a": {"pages": {"/": {}}}})
    probe_all(fast_settings(tmp_path), emulator.url("a"))
    agent = emulator.requests[0].headers["user-agent"]
    assert agent.startswith("paper-list-pipeline/") and "(+https://" in agent


def test_head_comes_first(emulator: Emulator, tmp_path: Path) -> None:
    mount_hosts(emulator, {"a": {"pages": {"/": {}}}})
    probe_all(fast_settings(tmp_path), emulator.url("a"))
    assert [r.method for r in emulator.requests] == ["HEAD"]


def test_head_refused_falls_back_to_get_and_sticks(emulator: Emulator, tmp_path: Path) -> None:
    mount_hosts(emulator, {"a": {"default": {"head_status": 405}}})
    (one, two) = probe_all(
        fast_settings(tmp_path, per_host_concurrency=1),
        emulator.url("a", "/1"),
        emulator.url("a", "/2"),
    )
    assert one.status == two.status == 200
    assert [r.method for r in emulator.requests] == ["HEAD", "GET", "GET"]


def test_huge_body_is_not_read(emulator: Emulator, tmp_path: Path) -> None:
    mount_hosts(
        emulator, {"a": {"pages": {"/big": {"body_bytes": 2_000_000_000, "head_status": 405}}}}
    )
    (probe,) = probe_all(fast_settings(tmp_path), emulator.url("a", "/big"))
    assert probe.status == 200
    assert max(emulator.bytes_sent.values()) < 50_000_000


def test_fetch_caps_the_body_it_reads(emulator: Emulator, tmp_path: Path) -> None:
    mount_hosts(emulator, {"a": {"pages": {"/big": {"body_bytes": 50_000_000}}}})

    async def go() -> None:
        async with open_client(fast_settings(tmp_path, max_body_bytes=10_000, retries=0)) as net:
            await net.fetch("GET", emulator.url("a", "/big"))

    with pytest.raises(FetchError) as caught:
        asyncio.run(go())
    assert caught.value.failure is Failure.BODY_TOO_LARGE


def test_retry_after_seconds_is_obeyed(emulator: Emulator, tmp_path: Path) -> None:
    mount_hosts(
        emulator, {"a": {"pages": {"/": {"flaky": 1, "flaky_status": 429, "retry_after": "1"}}}}
    )
    (probe,) = probe_all(fast_settings(tmp_path), emulator.url("a"))
    first, second = emulator.requests
    assert probe.status == 200
    assert second.time - first.time >= 0.95


def test_retry_after_http_date_is_obeyed(emulator: Emulator, tmp_path: Path) -> None:
    when = formatdate(__import__("time").time() + 2, usegmt=True)
    mount_hosts(
        emulator, {"a": {"pages": {"/": {"flaky": 1, "flaky_status": 503, "retry_after": when}}}}
    )
    (probe,) = probe_all(fast_settings(tmp_path), emulator.url("a"))
    first, second = emulator.requests
    assert probe.status == 200
    assert second.time - first.time >= 0.9


def test_retry_after_beyond_the_limit_gives_up_at_once(emulator: Emulator, tmp_path: Path) -> None:
    mount_hosts(emulator, {"a": {"pages": {"/": {"status": 429, "retry_after": "3600"}}}})
    (probe,) = probe_all(fast_settings(tmp_path, max_retry_wait=1), emulator.url("a"))
    assert probe.status == 429
    assert len(emulator.requests) == 1


def test_per_host_concurrency_is_respected(emulator: Emulator, tmp_path: Path) -> None:
    slow = InFlight(0.05)
    emulator.mount("a", slow)
    urls = [emulator.url("a", f"/{i}") for i in range(8)]
    probe_all(fast_settings(tmp_path, per_host_concurrency=2), *urls)
    assert slow.peak == 2


def test_per_host_interval_spaces_requests(emulator: Emulator, tmp_path: Path) -> None:
    mount_hosts(emulator, {"a": {"default": {}}})
    urls = [emulator.url("a", f"/{i}") for i in range(4)]
    probe_all(fast_settings(tmp_path, per_host_interval=0.1), *urls)
    times = sorted(r.time for r in emulator.requests)
    # Arrival times carry the emulator thread's own delays (a request noted late shortens
    # the gap after it, 0.088 s seen under load); without a pace all four arrive at once.
    assert times[-1] - times[0] >= 3 * 0.1 - 0.03
    assert min(b - a for a, b in itertools.pairwise(times)) >= 0.06


def test_fetch_reads_body_and_caches_it(emulator: Emulator, tmp_path: Path) -> None:
    mount_hosts(emulator, {"api": {"pages": {"/q": {"body": '{"n": 1}', "etag": '"e1"'}}}})
    url = emulator.url("api", "/q")

    async def go() -> tuple[Any, Any]:
        async with open_client(fast_settings(tmp_path)) as net:
            first = await net.fetch("GET", url, params={"id": "1"}, kind="page")
            second = await net.fetch("GET", url, params={"id": "1"}, kind="page")
            return first, second

    first, second = asyncio.run(go())
    assert first.json() == {"n": 1} and not first.from_cache
    assert second.from_cache and second.body == first.body
    assert len(emulator.requests) == 1
    assert emulator.requests[0].query == {"id": ["1"]}


def test_fetch_revalidates_with_etag_when_stale(emulator: Emulator, tmp_path: Path) -> None:
    mount_hosts(emulator, {"api": {"pages": {"/q": {"body": "v1", "etag": '"e1"'}}}})
    url = emulator.url("api", "/q")

    async def go(settings: Settings) -> Any:
        async with open_client(settings) as net:
            return await net.fetch("GET", url, kind="github")

    asyncio.run(go(fast_settings(tmp_path)))
    again = asyncio.run(go(fast_settings(tmp_path, github_ttl_hours=0)))
    assert again.revalidated and again.body == b"v1" and again.status == 200
    assert emulator.requests[-1].headers["if-none-match"] == '"e1"'


def test_fetched_json_mends_a_lone_surrogate(emulator: Emulator, tmp_path: Path) -> None:
    # A description "\\ud800" from an API would otherwise make the catalog unwritable.
    body = '{"description": "bad \\ud800 text", "emoji": "\\ud83d\\ude00"}'
    mount_hosts(emulator, {"api": {"pages": {"/": {"body": body}}}})

    async def go() -> object:
        async with open_client(fast_settings(tmp_path, retries=0)) as net:
            return (await net.fetch("GET", emulator.url("api", "/"))).json()

    assert asyncio.run(go()) == {"description": "bad \ufffd text", "emoji": "\U0001f600"}


def test_fetch_without_answer_raises_fetch_error(tmp_path: Path) -> None:
    async def go() -> None:
        async with open_client(fast_settings(tmp_path, retries=0)) as net:
            await net.fetch("GET", "http://no-such-api.invalid/")

    with pytest.raises(FetchError) as caught:
        asyncio.run(go())
    assert caught.value.failure is Failure.DNS_NXDOMAIN


def test_fetch_redirected_to_an_impossible_port_fails_cleanly(
    emulator: Emulator, tmp_path: Path
) -> None:
    # httpx follows an API's redirects itself; the socket layer would raise an exception group.
    mount_hosts(
        emulator, {"api": {"pages": {"/": {"status": 302, "redirect": "http://127.0.0.1:99999/x"}}}}
    )

    async def go() -> None:
        async with open_client(fast_settings(tmp_path, retries=0)) as net:
            await net.fetch("GET", emulator.url("api", "/"))

    with pytest.raises(FetchError) as caught:
        asyncio.run(go())
    assert caught.value.failure is Failure.INVALID_URL
    assert "port 99999 out of range" in str(caught.value)


def test_redirect_hops_are_recorded(emulator: Emulator, tmp_path: Path) -> None:
    mount_hosts(
        emulator,
        {
            "a": {"pages": {"/old": {"status": 301, "redirect": "//b/new"}}},
            "b": {"pages": {"/new": {}}},
        },
    )
    (probe,) = probe_all(fast_settings(tmp_path), emulator.url("a", "/old"))
    assert [(h.status, h.location) for h in probe.redirects] == [(301, emulator.url("b", "/new"))]
    assert probe.final_url == emulator.url("b", "/new")


def test_configured_host_interval_paces_that_host_only(emulator: Emulator, tmp_path: Path) -> None:
    mount_hosts(emulator, {"api": {"default": {}}, "other": {"default": {}}})

    async def go() -> None:
        async with open_client(fast_settings(tmp_path)) as net:
            net.configure_host(emulator.url("api"), interval=0.2)
            urls = [emulator.url(h, f"/{i}") for h in ("api", "other") for i in range(3)]
            await asyncio.gather(*(net.probe(u) for u in urls))

    asyncio.run(go())
    api = [r.time for r in emulator.requests_to("api")]
    other = [r.time for r in emulator.requests_to("other")]
    assert api[-1] - api[0] >= 0.38
    assert other[-1] - other[0] < 0.15


def test_host_map_connects_elsewhere_but_keeps_the_url(emulator: Emulator, tmp_path: Path) -> None:
    mount_hosts(emulator, {"papers.example.org": {"pages": {"/p": {}}}})
    target = f"{emulator.address('papers.example.org')}:{emulator.port}"
    settings = fast_settings(tmp_path, host_map={"papers.example.org": target})
    [probe] = probe_all(settings, "https://papers.example.org/p")
    assert probe.status == 200
    assert probe.final_url == "https://papers.example.org/p"
    [seen] = emulator.requests_to("papers.example.org")
    assert seen.headers["host"] == "papers.example.org"
    assert seen.path == "/p"


def test_host_map_from_the_environment_must_be_json(tmp_path: Path) -> None:
    from pipeline.config import load_settings
    from pipeline.errors import ConfigError

    env = {"PIPELINE_HOST_MAP": '{"arxiv.org": "127.0.0.9:8080"}'}
    assert load_settings(env=env, project_dir=tmp_path).host_map == {"arxiv.org": "127.0.0.9:8080"}
    with pytest.raises(ConfigError, match="not JSON"):
        load_settings(env={"PIPELINE_HOST_MAP": "arxiv.org=1"}, project_dir=tmp_path)
