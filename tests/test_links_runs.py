"""The links stage across runs and worlds: no false alarms, outages, cache, history."""

from __future__ import annotations

import socket
from datetime import timedelta
from pathlib import Path

from pipeline.model import LinkHealth, Verdict
from tests.emulator import Emulator, World, load_world
from tests.links_helpers import NOW, catalog_of, fast_settings, health_of, run_links


def _free_port() -> int:
    # A port nothing listens on: bound, read, released.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_flaky_429_storm_and_slow_host_give_no_dead(emulator: Emulator, tmp_path: Path) -> None:
    world = {
        "flaky": {"pages": {f"/f{i}": {"flaky": 2} for i in range(5)}},
        "storm": {
            "pages": {
                f"/s{i}": {"flaky": 2, "flaky_status": 429, "retry_after": "0"} for i in range(5)
            }
        },
        "slow": {"latency": 0.15, "pages": {f"/w{i}": {} for i in range(5)}},
        "resets": {"pages": {"/r": {"reset": True}}},
    }
    load_world(emulator, World.from_dict({"hosts": world}))
    urls = [emulator.url(h, p) for h, site in world.items() for p in site["pages"]]
    catalog, ctx = run_links(catalog_of(*urls), fast_settings(tmp_path, retries=3))
    verdicts = [h.verdict for h in health_of(catalog).values()]
    assert Verdict.DEAD not in verdicts
    assert verdicts.count(Verdict.OK) == 15
    assert not ctx.outage


def test_404_410_and_unknown_host_are_each_found_dead(emulator: Emulator, tmp_path: Path) -> None:
    world = {"a": {"pages": {"/ok": {}, "/gone": {"status": 410}}}, "b": {"pages": {"/ok": {}}}}
    load_world(emulator, World.from_dict({"hosts": world}))
    missing, gone = emulator.url("b", "/missing"), emulator.url("a", "/gone")
    unknown = f"http://vanished.invalid:{emulator.port}/paper"
    urls = [emulator.url("a", "/ok"), emulator.url("b", "/ok"), missing, gone, unknown]
    catalog, _ = run_links(catalog_of(*urls), fast_settings(tmp_path))
    dead = {url for url, h in health_of(catalog).items() if h.verdict is Verdict.DEAD}
    assert dead == {missing, gone, unknown}


def test_unreachable_network_is_an_outage_keeping_previous_health(tmp_path: Path) -> None:
    port = _free_port()
    urls = [f"http://127.0.0.{n}:{port}/p" for n in range(2, 6)]
    before = LinkHealth(verdict=Verdict.OK, status_code=200, checked_at=NOW - timedelta(days=1))
    previous = catalog_of(*urls[:2], health={u: before for u in urls[:2]})
    catalog, ctx = run_links(
        catalog_of(*urls), fast_settings(tmp_path, retries=0), previous=previous
    )
    health = health_of(catalog)
    assert ctx.outage
    assert health[urls[0]] == before and health[urls[1]] == before
    assert {health[u].verdict for u in urls[2:]} == {Verdict.UNVERIFIED}
    assert Verdict.DEAD not in {h.verdict for h in health.values()}
    assert any("outage" in note for note in ctx.notes)


def test_failed_canary_is_an_outage(emulator: Emulator, tmp_path: Path) -> None:
    load_world(emulator, World.from_dict({"hosts": {"a": {"pages": {"/p": {"status": 404}}}}}))
    url = emulator.url("a", "/p")
    canary = f"http://127.0.0.1:{_free_port()}/"
    catalog, ctx = run_links(catalog_of(url), fast_settings(tmp_path, canary_url=canary, retries=0))
    assert ctx.outage
    assert health_of(catalog)[url].verdict is Verdict.UNVERIFIED


def test_second_run_inside_ttl_makes_no_request(emulator: Emulator, tmp_path: Path) -> None:
    world = {"a": {"pages": {"/ok": {}, "/gone": {"status": 404}, "/wall": {"status": 403}}}}
    load_world(emulator, World.from_dict({"hosts": world}))
    catalog = catalog_of(*(emulator.url("a", p) for p in world["a"]["pages"]))
    first, _ = run_links(catalog, fast_settings(tmp_path))
    emulator.requests.clear()
    second, ctx = run_links(catalog, fast_settings(tmp_path), previous=first)
    assert emulator.requests == []
    assert ctx.counters["cache_hits"] == 3
    assert {u: h.verdict for u, h in health_of(second).items()} == {
        u: h.verdict for u, h in health_of(first).items()
    }


def test_after_ttl_etag_is_revalidated_and_304_keeps_the_verdict(
    emulator: Emulator, tmp_path: Path
) -> None:
    load_world(emulator, World.from_dict({"hosts": {"a": {"pages": {"/p": {"etag": '"v7"'}}}}}))
    url = emulator.url("a", "/p")
    first, _ = run_links(catalog_of(url), fast_settings(tmp_path))
    emulator.requests.clear()
    later = NOW + timedelta(days=2)
    second, _ = run_links(
        catalog_of(url), fast_settings(tmp_path, link_ttl_hours=0), previous=first, now=later
    )
    (request,) = emulator.requests
    assert request.headers["if-none-match"] == '"v7"'
    assert health_of(second)[url].verdict is Verdict.OK
    assert health_of(second)[url].last_ok_at == later


def test_last_modified_is_revalidated(emulator: Emulator, tmp_path: Path) -> None:
    stamp = "Wed, 01 Jan 2025 00:00:00 GMT"
    load_world(
        emulator, World.from_dict({"hosts": {"a": {"pages": {"/p": {"last_modified": stamp}}}}})
    )
    url = emulator.url("a", "/p")
    run_links(catalog_of(url), fast_settings(tmp_path))
    emulator.requests.clear()
    run_links(catalog_of(url), fast_settings(tmp_path, link_ttl_hours=0))
    assert emulator.requests[0].headers["if-modified-since"] == stamp


def test_unverified_answers_are_not_cached(emulator: Emulator, tmp_path: Path) -> None:
    load_world(emulator, World.from_dict({"hosts": {"a": {"pages": {"/p": {"status": 503}}}}}))
    url = emulator.url("a", "/p")
    run_links(catalog_of(url), fast_settings(tmp_path, retries=0))
    run_links(catalog_of(url), fast_settings(tmp_path, retries=0))
    assert len(emulator.requests) == 2


def test_history_counts_failures_and_becomes_persistent(emulator: Emulator, tmp_path: Path) -> None:
    load_world(
        emulator,
        World.from_dict(
            {
                "hosts": {
                    "a": {"pages": {"/p": {"status": 503}}},
                    "b": {"pages": {"/": {}}},
                }
            }
        ),
    )
    url, other = emulator.url("a", "/p"), emulator.url("b", "/")
    settings = fast_settings(tmp_path, retries=0, persistent_after_runs=3)
    previous = None
    streak = []
    for run in range(3):
        previous, _ = run_links(
            catalog_of(url, other), settings, previous=previous, now=NOW + timedelta(days=run)
        )
        health = health_of(previous)[url]
        streak.append((health.consecutive_failures, health.persistently_unreachable))
    assert streak == [(1, False), (2, False), (3, True)]
    assert health.first_failed_at == NOW


def test_recovery_resets_the_streak(emulator: Emulator, tmp_path: Path) -> None:
    load_world(emulator, World.from_dict({"hosts": {"a": {"pages": {"/p": {}}}}}))
    url = emulator.url("a", "/p")
    failing = LinkHealth(
        verdict=Verdict.UNVERIFIED,
        consecutive_failures=5,
        first_failed_at=NOW,
        persistently_unreachable=True,
    )
    catalog, _ = run_links(
        catalog_of(url), fast_settings(tmp_path), previous=catalog_of(url, health={url: failing})
    )
    health = health_of(catalog)[url]
    assert (
        health.consecutive_failures,
        health.first_failed_at,
        health.persistently_unreachable,
    ) == (0, None, False)
    assert health.last_ok_at == NOW


def test_progress_reports_every_link(emulator: Emulator, tmp_path: Path) -> None:
    load_world(emulator, World.from_dict({"hosts": {"a": {"default": {}}}}))
    urls = [emulator.url("a", f"/{i}") for i in range(4)]
    calls: list[tuple[str, int, int]] = []
    catalog, _ = run_links(
        catalog_of(*urls), fast_settings(tmp_path), progress=lambda *a: calls.append(a)
    )
    assert {h.verdict for h in health_of(catalog).values()} == {Verdict.OK}
    assert calls[0] == ("links", 0, 4)
    assert calls[-1] == ("links", 4, 4)


def test_offline_keeps_previous_health_without_requests(tmp_path: Path) -> None:
    import asyncio

    from pipeline.context import RunContext
    from pipeline.stages.links import check_links

    url = "http://127.0.0.9:9/p"
    before = LinkHealth(verdict=Verdict.MOVED, final_url="http://x/")
    ctx = RunContext(
        settings=fast_settings(tmp_path, offline=True),
        now=NOW,
        previous=catalog_of(url, health={url: before}),
    )
    catalog = asyncio.run(check_links(catalog_of(url), ctx))
    assert health_of(catalog)[url] == before
    assert not ctx.outage


def test_dead_and_moved_links_become_findings_with_line_and_fix(
    emulator: Emulator, tmp_path: Path
) -> None:
    world = {
        "a": {
            "pages": {
                "/ok": {},
                "/gone": {"status": 404},
                "/old": {"redirect": "/new", "status": 301},
                "/new": {},
            }
        }
    }
    load_world(emulator, World.from_dict({"hosts": world}))
    urls = [emulator.url("a", "/ok"), emulator.url("a", "/gone"), emulator.url("a", "/old")]
    catalog, _ = run_links(catalog_of(*urls), fast_settings(tmp_path))
    found = {(f.code, f.line, f.url) for f in catalog.findings}
    assert found == {("dead-link", 2, urls[1]), ("moved-link", 3, urls[2])}
    moved = next(f for f in catalog.findings if f.code == "moved-link")
    assert moved.hint == f"link the new address: {emulator.url('a', '/new')}"
