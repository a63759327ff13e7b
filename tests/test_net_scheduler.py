"""The scheduler over HTTPS: per-host kept-alive connections, closed when the host's queue
empties, a global limit, a pace that adapts to refusals and is remembered, timeouts."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipeline.config import Settings
from pipeline.model import Verdict
from pipeline.net import open_client
from pipeline.net.politeness import Pace
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


def _tls(emulator: Emulator, tmp_path: Path, **overrides: Any) -> Settings:
    return fast_settings(tmp_path, ca_bundle=emulator.ca_file, **overrides)


def test_each_host_keeps_its_connections_alive(tls_emulator: Emulator, tmp_path: Path) -> None:
    hosts = ("a", "b", "c")
    mount_hosts(tls_emulator, {h: {"default": {"latency": 0.01}} for h in hosts})
    urls = [tls_emulator.url(h, f"/{i}") for i in range(30) for h in hosts]
    probes = probe_all(_tls(tls_emulator, tmp_path, per_host_concurrency=2, concurrency=4), *urls)
    assert {p.status for p in probes} == {200}
    assert len(tls_emulator.requests) == 90
    # Interleaved hosts and a global limit below their sum: still no host reconnects.
    assert all(tls_emulator.connections[h] <= 2 for h in hosts), tls_emulator.connections


def test_a_small_get_body_is_read_so_the_connection_is_kept(
    tls_emulator: Emulator, tmp_path: Path
) -> None:
    mount_hosts(tls_emulator, {"a": {"default": {"head_status": 405, "body": "x" * 500}}})
    urls = [tls_emulator.url("a", f"/{i}") for i in range(10)]
    probes = probe_all(_tls(tls_emulator, tmp_path, per_host_concurrency=1), *urls)
    assert {p.status for p in probes} == {200}
    assert tls_emulator.connections["a"] == 1


def test_idle_connections_close_when_the_host_queue_empties(
    tls_emulator: Emulator, tmp_path: Path
) -> None:
    mount_hosts(tls_emulator, {"quick": {"default": {}}, "slow": {"default": {"latency": 1.0}}})

    async def go() -> tuple[int, int]:
        async with open_client(_tls(tls_emulator, tmp_path, timeout=5)) as net:
            slow = asyncio.ensure_future(net.probe(tls_emulator.url("slow", "/")))
            await asyncio.gather(*(net.probe(tls_emulator.url("quick", f"/{i}")) for i in range(5)))
            await asyncio.sleep(0.2)  # the emulator's thread sees the close
            seen = tls_emulator.connections["quick"], tls_emulator.closed["quick"]
            await slow
            return seen

    opened, closed = asyncio.run(go())
    assert opened >= 1 and closed == opened  # while "slow" still had work queued


def test_held_connections_stay_open_while_a_list_is_parsed_then_close(
    tls_emulator: Emulator, tmp_path: Path
) -> None:
    mount_hosts(tls_emulator, {"held": {"default": {}}})

    async def go() -> tuple[int, int, int, int]:
        async with open_client(_tls(tls_emulator, tmp_path, timeout=5)) as net:
            net.hold_connections(True)  # the rest of the list may still link this host
            await net.probe(tls_emulator.url("held", "/1"))
            await asyncio.sleep(0.2)  # the emulator's thread would see a close
            held = tls_emulator.closed["held"]
            await net.probe(tls_emulator.url("held", "/2"))
            opened = tls_emulator.connections["held"]
            net.hold_connections(False)
            await asyncio.sleep(0.2)
            return held, opened, tls_emulator.connections["held"], tls_emulator.closed["held"]

    held, opened, total, closed = asyncio.run(go())
    assert held == 0 and opened == 1  # the second check rode the first one's connection
    assert closed == total == 1  # released with nothing queued: closed


def test_global_limit_holds_across_hosts(tls_emulator: Emulator, tmp_path: Path) -> None:
    slow = InFlight(0.03)
    for host in ("a", "b", "c", "d"):
        tls_emulator.mount(host, slow)
    urls = [tls_emulator.url(h, f"/{i}") for h in ("a", "b", "c", "d") for i in range(4)]
    probe_all(_tls(tls_emulator, tmp_path, concurrency=3, per_host_concurrency=4), *urls)
    assert slow.peak == 3


def test_the_test_ca_is_trusted_only_when_configured(
    tls_emulator: Emulator, tmp_path: Path
) -> None:
    mount_hosts(tls_emulator, {"a": {"default": {}}})
    (untrusted,) = probe_all(fast_settings(tmp_path), tls_emulator.url("a", "/"))
    (trusted,) = probe_all(_tls(tls_emulator, tmp_path / "2"), tls_emulator.url("a", "/"))
    assert untrusted.status is None and untrusted.failure is not None
    assert untrusted.failure.value == "tls-error"
    assert trusted.status == 200


def test_host_map_over_tls_checks_the_certificate_for_the_real_name(
    tls_emulator: Emulator, tmp_path: Path
) -> None:
    mount_hosts(tls_emulator, {"papers.example.org": {"pages": {"/p": {}}}})
    target = f"https://{tls_emulator.address('papers.example.org')}:{tls_emulator.port}"
    settings = _tls(tls_emulator, tmp_path, host_map={"papers.example.org": target})
    (probe,) = probe_all(settings, "https://papers.example.org/p")
    assert probe.status == 200 and probe.final_url == "https://papers.example.org/p"
    [seen] = tls_emulator.requests_to("papers.example.org")
    assert seen.headers["host"] == "papers.example.org"


def test_slow_link_over_tls_is_a_timeout_not_a_tls_error(
    tls_emulator: Emulator, tmp_path: Path
) -> None:
    mount_hosts(tls_emulator, {"a": {"pages": {"/slow": {"hang": True}}}, "b": {"default": {}}})
    url = tls_emulator.url("a", "/slow")
    catalog = catalog_of(url, tls_emulator.url("b", "/"))
    checked, _ = run_links(catalog, _tls(tls_emulator, tmp_path, timeout=0.3, retries=0))
    health = health_of(checked)[url]
    assert health.verdict is Verdict.UNVERIFIED
    assert health.detail == "timeout after 0.3 s"


def test_refusals_slow_the_host_to_its_limit(tls_emulator: Emulator, tmp_path: Path) -> None:
    # 10 requests a second, then 429 with Retry-After: 1; no spacing configured.
    mount_hosts(tls_emulator, {"api": {"default": {}, "rate_limit": 10}})
    urls = [tls_emulator.url("api", f"/{i}") for i in range(40)]
    settings = _tls(tls_emulator, tmp_path, retries=3, timeout=5, per_host_interval=0)
    probes = probe_all(settings, *urls)
    refused = len(tls_emulator.requests) - 40
    assert {p.status for p in probes} == {200}  # every link got a verdict
    assert refused <= 12  # few refusals: the pace came down, it did not keep pushing


def test_learned_pace_is_remembered_for_the_next_run(
    tls_emulator: Emulator, tmp_path: Path
) -> None:
    mount_hosts(tls_emulator, {"api": {"default": {}, "rate_limit": 10}})
    settings = _tls(tls_emulator, tmp_path, retries=3, timeout=5, per_host_interval=0)
    probe_all(settings, *[tls_emulator.url("api", f"/first/{i}") for i in range(30)])
    first_extra = len(tls_emulator.requests) - 30
    tls_emulator.requests.clear()
    probes = probe_all(settings, *[tls_emulator.url("api", f"/second/{i}") for i in range(30)])
    second_extra = len(tls_emulator.requests) - 30
    assert {p.status for p in probes} == {200}
    assert first_extra > 0 and second_extra < first_extra


def test_host_queue_runs_at_most_its_concurrency_and_skips_cancelled_jobs(tmp_path: Path) -> None:
    from pipeline.net.scheduler import Scheduler

    ran: list[int] = []
    running = peak = 0

    async def go() -> None:
        nonlocal running, peak
        scheduler = Scheduler(fast_settings(tmp_path, per_host_concurrency=2))

        def job(n: int) -> Any:
            async def run() -> int:
                nonlocal running, peak
                running += 1
                peak = max(peak, running)
                await asyncio.sleep(0.01)
                running -= 1
                ran.append(n)
                return n

            return run

        futures = [scheduler.submit("h", job(n)) for n in range(6)]
        futures[5].cancel()
        assert await asyncio.gather(*futures[:5]) == [0, 1, 2, 3, 4]
        await scheduler.aclose()

    asyncio.run(go())
    assert peak == 2 and sorted(ran) == [0, 1, 2, 3, 4]


def test_the_host_with_most_work_queued_gets_the_next_global_slot(tmp_path: Path) -> None:
    from pipeline.net.scheduler import Scheduler

    order: list[str] = []

    async def go() -> None:
        scheduler = Scheduler(fast_settings(tmp_path, concurrency=1, per_host_concurrency=2))

        def job(host: str) -> Any:
            async def run() -> None:
                async with scheduler.slot(host):
                    order.append(host)
                    await asyncio.sleep(0.005)

            return run

        futures = [scheduler.submit("small", job("small"))]
        futures += [scheduler.submit("big", job("big")) for _ in range(4)]
        futures += [scheduler.submit("small", job("small"))]
        await asyncio.gather(*futures)
        await scheduler.aclose()

    asyncio.run(go())
    # "small" took the free slot first; then "big", with more queued, wins every turn
    # "small" contests until its queue is as short as small's (then first come, first served).
    assert order[:4] == ["small", "big", "big", "big"]
    assert sorted(order[4:]) == ["big", "small"]


def test_net_modules_import_each_other_without_a_circle() -> None:
    import ast
    import graphlib

    net = Path(__file__).resolve().parents[1] / "pipeline" / "net"
    graph: dict[str, set[str]] = {}
    for path in net.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        graph[path.stem] = {
            node.module.rsplit(".", 1)[-1]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.startswith("pipeline.net.")
        }
    graph.pop("__init__")
    order = list(graphlib.TopologicalSorter(graph).static_order())  # raises on a cycle
    assert order.index("sender") < order.index("probe") < order.index("client")


def test_a_refusal_cuts_the_pace_below_what_the_host_took() -> None:
    # Twelve sent at 20 a second; the host answered 5 cleanly, then refused: its limit shows.
    async def go() -> float:
        pace = Pace(floor=0.05)
        for sent in range(12):
            await pace.wait_turn()
            if sent < 5:
                pace.answered()
        pace.refused()
        return pace.interval

    assert 1 / 5 < asyncio.run(go()) <= 1 / 4


def test_a_turn_booked_before_a_retry_after_waits_for_the_host_again() -> None:
    async def go() -> tuple[float, list[float]]:
        pace = Pace(floor=0.05)
        await pace.wait_turn()  # the first request goes at once
        waiting = [asyncio.ensure_future(pace.wait_turn()) for _ in range(3)]
        await asyncio.sleep(0)  # each has booked a turn at 20 a second
        pace.defer(0.5)  # the first request's answer: Retry-After
        deferred_until = time.monotonic() + 0.5
        started = []
        for turn in waiting:
            await turn
            started.append(time.monotonic())
        return deferred_until, started

    deferred_until, started = asyncio.run(go())
    assert all(t >= deferred_until - 0.01 for t in started)


def _starts_after(pace: Pace, slowdown: Callable[[], None], waiting: int) -> list[float]:
    """Seconds after the first request at which `waiting` booked turns start, `slowdown`
    having happened just after they booked."""

    async def go() -> list[float]:
        await pace.wait_turn()
        first = time.monotonic()
        turns = [asyncio.ensure_future(pace.wait_turn()) for _ in range(waiting)]
        await asyncio.sleep(0)
        slowdown()
        started = []
        for turn in turns:
            await turn
            started.append(time.monotonic() - first)
        return started

    return asyncio.run(go())


def test_turns_taken_again_after_a_pause_do_not_queue_behind_the_old_ones() -> None:
    # Booked at 0.2, 0.4, 0.6 s; a 0.1 s pause ends before the first: none moves later.
    pace = Pace(floor=0.2)
    started = _starts_after(pace, lambda: pace.defer(0.1), waiting=3)
    assert started[-1] < 0.75, started


def test_retry_after_zero_leaves_booked_turns_alone() -> None:
    pace = Pace(floor=0.2)
    started = _starts_after(pace, lambda: pace.defer(0), waiting=3)
    assert started[-1] < 0.75, started
