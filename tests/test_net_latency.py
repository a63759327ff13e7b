"""Fast on a slow internet (issue 18): each host gets the connections its pace needs at its
latency (Little's law), and a timed-out request is tried once more with a longer timeout,
so a slow page is judged alive in one run and remembered like any other.

No test here times the client: they count what the emulator held at once, the requests it
received and the timeouts the client used.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from pipeline.config import Settings
from pipeline.model import Verdict
from pipeline.net import host_of, open_client, scheduler
from pipeline.net.scheduler import FIRST_HANDSHAKES, HANDSHAKES, MOST_CONNECTIONS
from tests.emulator import Emulator
from tests.links_helpers import (
    InFlight,
    catalog_of,
    fast_settings,
    health_of,
    mount_hosts,
    probe_all,
    run_links,
)


def _most_in_one_second(times: list[float]) -> int:
    times = sorted(times)
    return max(sum(1 for t in times[i:] if t < start + 1.0) for i, start in enumerate(times))


def test_a_far_host_gets_connections_for_its_pace(emulator: Emulator, tmp_path: Path) -> None:
    # 300 ms an answer at 20 requests a second: 4 connections carry at most 13 a second;
    # Little's law asks for 0.3 x 20 = 6 in flight, plus one.
    far = InFlight(0.3)
    emulator.mount("far", far)
    urls = [emulator.url("far", f"/{i}") for i in range(40)]
    settings = fast_settings(tmp_path, per_host_concurrency=4, per_host_interval=0.05, timeout=5)
    probes = probe_all(settings, *urls)
    assert {p.status for p in probes} == {200}
    assert 6 <= far.peak <= 8, far.peak
    # More connections, never more requests a second than the pace (20, one more at the edge).
    assert _most_in_one_second([r.time for r in emulator.requests]) <= 21


def _two_at_20_a_second(tls_emulator: Emulator, tmp_path: Path) -> Settings:
    # Over TLS: a new connection's round trip comes before its request goes out.
    return fast_settings(
        tmp_path,
        ca_bundle=tls_emulator.ca_file,
        per_host_concurrency=2,
        per_host_interval=0.05,
        timeout=5,
    )


def _far_host(
    tls_emulator: Emulator, name: str, answer: float, handshake: float, count: int
) -> tuple[InFlight, list[str]]:
    """Host `name` answering `answer` s after a request goes out, each new connection
    costing `handshake` s first; `count` pages on it."""
    host = InFlight(answer)
    tls_emulator.mount(name, host)
    tls_emulator.connect_delay[name] = handshake
    return host, [tls_emulator.url(name, f"/{i}") for i in range(count)]


def test_a_handshake_is_not_counted_as_the_hosts_latency(
    tls_emulator: Emulator, tmp_path: Path
) -> None:
    # 0.1 s an answer at 20 a second needs 3 connections; the first answers also paid a
    # 0.5 s handshake, which would have asked for 13.
    _, urls = _far_host(tls_emulator, "quick", answer=0.1, handshake=0.5, count=40)
    settings = _two_at_20_a_second(tls_emulator, tmp_path)
    probe_all(settings, *urls)
    assert tls_emulator.connections["quick"] <= 4, tls_emulator.connections["quick"]


def test_a_hosts_first_answers_size_its_connections(tls_emulator: Emulator, tmp_path: Path) -> None:
    # Both first requests open a connection (0.3 s) and are answered 0.3 s after they go out:
    # at 20 a second that asks for 0.3 x 20 + 1 = 7 connections at once, not after a third
    # answer on a reused connection (the busiest host of a run started slowly).
    _, urls = _far_host(tls_emulator, "far", answer=0.3, handshake=0.3, count=2)
    settings = _two_at_20_a_second(tls_emulator, tmp_path)

    async def first_two() -> int:
        async with open_client(settings) as net:
            await asyncio.gather(*(net.probe(url) for url in urls))
            return net.sender.scheduler.concurrency(host_of(urls[0]))

    assert 7 <= asyncio.run(first_two()) <= 9


def test_a_near_host_keeps_its_configured_connections(emulator: Emulator, tmp_path: Path) -> None:
    near = InFlight(0.01)
    emulator.mount("near", near)
    urls = [emulator.url("near", f"/{i}") for i in range(30)]
    probe_all(fast_settings(tmp_path, per_host_concurrency=2, per_host_interval=0.02), *urls)
    assert near.peak <= 2


def test_connections_are_capped_and_within_the_global_limit(
    emulator: Emulator, tmp_path: Path
) -> None:
    # 0.5 s at 50 a second would want 26 in flight.
    slow = InFlight(0.5)
    emulator.mount("slow", slow)
    urls = [emulator.url("slow", f"/{i}") for i in range(70)]
    probe_all(fast_settings(tmp_path, per_host_interval=0.02, timeout=5), *urls)
    assert slow.peak == MOST_CONNECTIONS

    capped = InFlight(0.5)
    emulator.mount("capped", capped)
    urls = [emulator.url("capped", f"/{i}") for i in range(40)]
    probe_all(fast_settings(tmp_path, per_host_interval=0.02, timeout=5, concurrency=6), *urls)
    assert capped.peak == 6


def test_a_host_with_its_own_limits_keeps_them(emulator: Emulator, tmp_path: Path) -> None:
    api = InFlight(0.2)
    emulator.mount("api", api)
    settings = fast_settings(tmp_path, per_host_interval=0.01, timeout=5)

    async def go() -> None:
        async with open_client(settings) as net:
            net.configure_host(emulator.url("api"), concurrency=1, interval=0.01)
            urls = [emulator.url("api", f"/{i}") for i in range(8)]
            await asyncio.gather(*(net.fetch("GET", u) for u in urls))

    asyncio.run(go())
    assert api.peak == 1


def test_api_calls_do_not_grow_their_hosts_connections(emulator: Emulator, tmp_path: Path) -> None:
    # An API host nobody configured (the GitHub API): its latency asks for 7, it keeps 2.
    api = InFlight(0.3)
    emulator.mount("api", api)
    settings = fast_settings(tmp_path, per_host_concurrency=2, per_host_interval=0.05, timeout=5)

    async def go() -> None:
        async with open_client(settings) as net:
            urls = [emulator.url("api", f"/{i}") for i in range(16)]
            await asyncio.gather(*(net.fetch("GET", u) for u in urls))

    asyncio.run(go())
    assert api.peak <= 2, api.peak


def test_a_page_slower_than_the_timeout_is_judged_alive_in_one_run(
    emulator: Emulator, tmp_path: Path
) -> None:
    mount_hosts(emulator, {"a": {"pages": {"/slow": {"latency": 0.8}}}, "b": {"default": {}}})
    url = emulator.url("a", "/slow")
    catalog = catalog_of(url, emulator.url("b", "/"))
    settings = fast_settings(tmp_path, timeout=0.5, retries=3)
    checked, ctx = run_links(catalog, settings)
    health = health_of(checked)[url]
    assert health.verdict is Verdict.OK
    assert health.detail == "slow: answered after 0.8 s"
    # Once with the timeout, once with twice it; not `retries` times with the same one.
    assert len(emulator.requests_to("a")) == 2
    assert ctx.net is not None
    assert ctx.net.counters["timeout:0.5"] == 2  # the slow page's first try and b's page
    assert ctx.net.counters["timeout:1"] == 1

    # Cached like any other page that answered: the next run asks nothing.
    again, _ = run_links(catalog, settings)
    assert len(emulator.requests_to("a")) == 2
    assert health_of(again)[url].verdict is Verdict.OK
    assert health_of(again)[url].detail == "slow: answered after 0.8 s"


def test_a_page_that_never_answers_is_tried_twice(emulator: Emulator, tmp_path: Path) -> None:
    mount_hosts(emulator, {"a": {"pages": {"/hang": {"hang": True}}}, "b": {"default": {}}})
    url = emulator.url("a", "/hang")
    catalog = catalog_of(url, emulator.url("b", "/"))
    checked, _ = run_links(catalog, fast_settings(tmp_path, timeout=0.3, retries=3))
    health = health_of(checked)[url]
    assert health.verdict is Verdict.UNVERIFIED
    assert health.detail == "timeout after 0.6 s"
    assert len(emulator.requests_to("a")) == 2


def test_an_api_call_that_timed_out_is_retried_with_a_longer_timeout(
    emulator: Emulator, tmp_path: Path
) -> None:
    mount_hosts(emulator, {"api": {"pages": {"/slow": {"latency": 0.8}}}})

    async def go() -> int:
        async with open_client(fast_settings(tmp_path, timeout=0.5, retries=3)) as net:
            fetched = await net.fetch("GET", emulator.url("api", "/slow"))
            return fetched.status

    assert asyncio.run(go()) == 200
    assert len(emulator.requests_to("api")) == 2


def test_hosts_first_connections_are_opened_a_few_dozen_at_a_time(
    tls_emulator: Emulator, tmp_path: Path
) -> None:
    # 40 hosts, one link each (amusi's kind of list), each new connection costing 0.2 s at
    # the emulator: every host needs its one connection, so they need not wait for rounds
    # of 8 (4 rounds of round trips); 64 global slots would open all 40 at once.
    hosts = [f"h{i}" for i in range(40)]
    mount_hosts(tls_emulator, {h: {"default": {}, "latency": 0.2} for h in hosts})
    urls = [tls_emulator.url(h, "/") for h in hosts]
    settings = fast_settings(tmp_path, ca_bundle=tls_emulator.ca_file, concurrency=64, timeout=5)
    probes = probe_all(settings, *urls)
    assert {p.status for p in probes} == {200}
    assert HANDSHAKES < tls_emulator.peak_connecting <= FIRST_HANDSHAKES


def test_a_hosts_further_connections_are_opened_a_few_at_a_time(
    tls_emulator: Emulator, tmp_path: Path
) -> None:
    # 3 hosts that could use 8 connections each: their first connections, then no more
    # than HANDSHAKES others opening at once (24 would open together without the bound).
    hosts = ["a", "b", "c"]
    mount_hosts(tls_emulator, {h: {"default": {}, "latency": 0.2} for h in hosts})
    urls = [tls_emulator.url(h, f"/{i}") for h in hosts for i in range(8)]
    settings = fast_settings(
        tmp_path,
        ca_bundle=tls_emulator.ca_file,
        concurrency=64,
        per_host_concurrency=8,
        timeout=5,
    )
    probes = probe_all(settings, *urls)
    assert {p.status for p in probes} == {200}
    assert 2 <= tls_emulator.peak_connecting <= len(hosts) + HANDSHAKES


def test_an_api_call_goes_before_queued_link_checks(emulator: Emulator, tmp_path: Path) -> None:
    # 30 link hosts with 6 checks each queued first, 4 global slots: the API's first
    # request still goes out among the first few, not after the links.
    hosts = [f"l{i}" for i in range(30)]
    mount_hosts(emulator, {h: {"default": {"latency": 0.02}} for h in hosts})
    mount_hosts(emulator, {"api": {"default": {}}})
    urls = [emulator.url(h, f"/{i}") for h in hosts for i in range(6)]

    async def go() -> None:
        async with open_client(fast_settings(tmp_path, concurrency=4, timeout=5)) as net:
            checks = net.start_probes(urls)
            await asyncio.sleep(0.1)  # the checks are under way
            await net.fetch("GET", emulator.url("api", "/q"))
            await asyncio.gather(*checks)

    asyncio.run(go())
    hosts_in_order = [r.host for r in emulator.requests]
    assert len(hosts_in_order) == 181
    # About 20 checks fit in the 0.1 s head start; without the API's priority it went
    # out after 150 of them.
    assert hosts_in_order.index("api") < 40, hosts_in_order.index("api")


def test_the_host_that_sets_the_runs_length_gets_one_get_a_link(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 40 checks at 20 a second are 2 s of work on "busy": over the (lowered) bar, the most of
    # any host. There a 404 costs one GET; on "side", HEAD then a GET to confirm it.
    monkeypatch.setattr(scheduler, "CRITICAL_SECONDS", 1.0)
    gone = {f"/gone{i}": {"status": 404} for i in range(3)}
    mount_hosts(emulator, {"busy": {"default": {}, "pages": gone}, "side": {"pages": gone}})
    urls = [emulator.url("busy", path) for path in gone]
    urls += [emulator.url("busy", f"/{i}") for i in range(37)] + [emulator.url("side", "/gone0")]
    settings = fast_settings(tmp_path, per_host_interval=0.05, timeout=5)
    probes = probe_all(settings, *urls)
    assert [p.status for p in probes[:3]] == [404] * 3
    busy = [(r.method, r.path) for r in emulator.requests_to("busy")]
    assert len(busy) == 40
    assert [method for method, path in busy if path in gone] == ["GET"] * 3
    assert [r.method for r in emulator.requests_to("side")] == ["HEAD", "GET"]


def test_a_handshake_slot_is_held_until_the_request_goes_out_not_until_its_answer(
    emulator: Emulator, tmp_path: Path
) -> None:
    # amusi's 32 links on as many hosts: with the slot held for the whole request, no more
    # than HANDSHAKES were ever in flight, and the run waited for rounds of answers.
    slow = InFlight(1.5)
    hosts = [f"one{i}" for i in range(2 * HANDSHAKES)]
    for host in hosts:
        emulator.mount(host, slow)
    urls = [emulator.url(host, "/") for host in hosts]
    probes = probe_all(fast_settings(tmp_path, timeout=10), *urls)
    assert {p.status for p in probes} == {200}
    assert slow.peak == len(hosts)


def test_a_host_that_speaks_http1_gets_each_new_connection_at_once(
    tls_emulator: Emulator, tmp_path: Path
) -> None:
    # Once the host's first answer says HTTP/1.1, a request that needs a new connection
    # opens its own: while HTTP/2 was offered, httpcore queued it behind another request's
    # connection still in its handshake (one might carry both), and three new connections
    # opened one after another, a round trip each.
    busy, urls = _far_host(tls_emulator, "busy", answer=0.3, handshake=0.2, count=4)
    settings = fast_settings(
        tmp_path, ca_bundle=tls_emulator.ca_file, per_host_concurrency=4, timeout=5
    )

    async def go() -> None:
        async with open_client(settings) as net:
            async with net.sender.scheduler.queued(host_of(urls[0])):  # keep the connection
                await net.probe(tls_emulator.url("busy", "/first"))
                await asyncio.gather(*(net.probe(url) for url in urls))

    asyncio.run(go())
    assert busy.peak == 4
    assert tls_emulator.connections["busy"] == 4
    assert tls_emulator.peak_connecting == 3
