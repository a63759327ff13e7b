"""The links stage against the loopback emulator: one verdict or fault per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.model import LinkHealth, Verdict
from tests.emulator import Emulator, World, load_world
from tests.links_helpers import catalog_of, fast_settings, health_of, run_links


def _check(emulator: Emulator, tmp_path: Path, pages: dict, path: str = "/p", **settings):
    load_world(
        emulator, World.from_dict({"hosts": {"site": {"pages": pages}, "ok": {"pages": {"/": {}}}}})
    )
    url = emulator.url("site", path)
    catalog, ctx = run_links(
        catalog_of(url, emulator.url("ok", "/")), fast_settings(tmp_path / "cache", **settings)
    )
    return health_of(catalog)[url], ctx


def test_200_is_ok(emulator: Emulator, tmp_path: Path) -> None:
    health, _ = _check(emulator, tmp_path, {"/p": {}})
    assert health.verdict is Verdict.OK
    assert health.status_code == 200
    assert health.verified_by == "http"


def test_permanent_redirect_to_another_resource_is_moved(
    emulator: Emulator, tmp_path: Path
) -> None:
    health, _ = _check(emulator, tmp_path, {"/p": {"status": 301, "redirect": "/new"}, "/new": {}})
    assert health.verdict is Verdict.MOVED
    assert health.final_url == emulator.url("site", "/new")


def test_permanent_redirect_to_another_host_is_moved(emulator: Emulator, tmp_path: Path) -> None:
    health, _ = _check(emulator, tmp_path, {"/p": {"status": 308, "redirect": "//ok/"}})
    assert health.verdict is Verdict.MOVED
    assert health.final_url == emulator.url("ok", "/")


def test_trailing_slash_redirect_is_ok_not_moved(emulator: Emulator, tmp_path: Path) -> None:
    health, _ = _check(emulator, tmp_path, {"/p": {"status": 301, "redirect": "/p/"}, "/p/": {}})
    assert health.verdict is Verdict.OK


def test_temporary_redirect_is_ok(emulator: Emulator, tmp_path: Path) -> None:
    health, _ = _check(
        emulator, tmp_path, {"/p": {"status": 302, "redirect": "/login"}, "/login": {}}
    )
    assert health.verdict is Verdict.OK


@pytest.mark.parametrize("status", [404, 410], ids=["not-found", "gone"])
def test_gone_statuses_are_dead(emulator: Emulator, tmp_path: Path, status: int) -> None:
    health, _ = _check(emulator, tmp_path, {"/p": {"status": status}})
    assert health.verdict is Verdict.DEAD
    assert health.status_code == status


def test_dead_is_confirmed_by_get_after_head(emulator: Emulator, tmp_path: Path) -> None:
    _check(emulator, tmp_path, {"/p": {"status": 404}})
    assert [r.method for r in emulator.requests_to("site")] == ["HEAD", "GET"]


@pytest.mark.parametrize("status", [401, 403, 999], ids=["401", "403", "999"])
def test_bot_walls_are_blocked(emulator: Emulator, tmp_path: Path, status: int) -> None:
    health, _ = _check(emulator, tmp_path, {"/p": {"status": status}})
    assert health.verdict is Verdict.BLOCKED


def test_server_error_after_retries_is_unverified(emulator: Emulator, tmp_path: Path) -> None:
    health, _ = _check(emulator, tmp_path, {"/p": {"status": 503}}, retries=2)
    assert health.verdict is Verdict.UNVERIFIED
    assert len(emulator.requests_to("site")) == 3


def test_429_after_retries_is_unverified(emulator: Emulator, tmp_path: Path) -> None:
    health, _ = _check(emulator, tmp_path, {"/p": {"status": 429, "retry_after": "0"}})
    assert health.verdict is Verdict.UNVERIFIED
    assert health.status_code == 429


def test_timeout_is_unverified_not_dead(emulator: Emulator, tmp_path: Path) -> None:
    health, _ = _check(emulator, tmp_path, {"/p": {"hang": True}}, timeout=0.2, retries=0)
    assert health.verdict is Verdict.UNVERIFIED
    assert "timeout" in health.detail


def test_reset_is_unverified(emulator: Emulator, tmp_path: Path) -> None:
    health, _ = _check(emulator, tmp_path, {"/p": {"reset": True}}, retries=1)
    assert health.verdict is Verdict.UNVERIFIED
    assert "reset" in health.detail


def test_flaky_page_recovers_as_ok(emulator: Emulator, tmp_path: Path) -> None:
    health, _ = _check(emulator, tmp_path, {"/p": {"flaky": 2}}, retries=3)
    assert health.verdict is Verdict.OK


def test_redirect_to_another_scheme_is_a_finding(emulator: Emulator, tmp_path: Path) -> None:
    load_world(
        emulator,
        World.from_dict(
            {
                "hosts": {
                    "site": {"pages": {"/p": {"status": 301, "redirect": "ftp://files.example/p"}}}
                }
            }
        ),
    )
    url = emulator.url("site", "/p")
    catalog, _ = run_links(catalog_of(url), fast_settings(tmp_path / "cache"))
    assert health_of(catalog)[url].verdict is Verdict.UNVERIFIED
    assert [f.code for f in catalog.findings] == ["non-http-redirect"]
    assert len(emulator.requests_to("files.example")) == 0


def test_redirect_loop_is_capped_and_unverified(emulator: Emulator, tmp_path: Path) -> None:
    health, _ = _check(
        emulator, tmp_path, {"/p": {"status": 302, "redirect": "/p"}}, max_redirects=3, retries=0
    )
    assert health.verdict is Verdict.UNVERIFIED
    assert len(emulator.requests_to("site")) == 4


def test_unknown_host_is_dead_when_other_hosts_answer(emulator: Emulator, tmp_path: Path) -> None:
    load_world(emulator, World.from_dict({"hosts": {"ok": {"pages": {"/": {}}}}}))
    unknown = f"http://no-such-host.invalid:{emulator.port}/"
    catalog, ctx = run_links(catalog_of(unknown, emulator.url("ok", "/")), fast_settings(tmp_path))
    assert health_of(catalog)[unknown].verdict is Verdict.DEAD
    assert not ctx.outage


def test_unknown_host_alone_is_not_dead(emulator: Emulator, tmp_path: Path) -> None:
    unknown = "http://no-such-host.invalid/"
    catalog, _ = run_links(catalog_of(unknown), fast_settings(tmp_path))
    assert health_of(catalog)[unknown].verdict is Verdict.UNVERIFIED


def test_api_verified_links_are_not_requested(emulator: Emulator, tmp_path: Path) -> None:
    load_world(emulator, World.from_dict({"hosts": {"site": {"pages": {"/p": {}}}}}))
    url = emulator.url("site", "/p")
    api = LinkHealth(verdict=Verdict.OK, verified_by="arxiv-api")
    catalog, _ = run_links(catalog_of(url, health={url: api}), fast_settings(tmp_path))
    assert health_of(catalog)[url] == api
    assert emulator.requests == []


def test_each_normalized_url_is_checked_once(emulator: Emulator, tmp_path: Path) -> None:
    load_world(emulator, World.from_dict({"hosts": {"site": {"pages": {"/p": {}}}}}))
    url = emulator.url("site", "/p")
    catalog, _ = run_links(catalog_of(url, url, url), fast_settings(tmp_path))
    assert [h.verdict for h in health_of(catalog).values()] == [Verdict.OK]
    assert len(emulator.requests) == 1


def test_non_http_link_is_not_fetched(emulator: Emulator, tmp_path: Path) -> None:
    load_world(emulator, World.from_dict({"hosts": {"ok": {"pages": {"/": {}}}}}))
    catalog, _ = run_links(
        catalog_of("mailto:someone@example.org", emulator.url("ok", "/")), fast_settings(tmp_path)
    )
    health = health_of(catalog)["mailto:someone@example.org"]
    assert health.verdict is Verdict.UNVERIFIED
    assert "not an http(s) URL" in health.detail
    assert len(emulator.requests) == 1


def test_head_not_allowed_is_checked_with_get(emulator: Emulator, tmp_path: Path) -> None:
    health, _ = _check(emulator, tmp_path, {"/p": {"head_status": 405}})
    assert health.verdict is Verdict.OK
    assert [r.method for r in emulator.requests_to("site")] == ["HEAD", "GET"]


def test_huge_body_is_ok_without_being_downloaded(emulator: Emulator, tmp_path: Path) -> None:
    health, _ = _check(
        emulator, tmp_path, {"/p": {"body_bytes": 5_000_000_000, "head_status": 501}}
    )
    assert health.verdict is Verdict.OK
    assert sum(emulator.bytes_sent.values()) < 100_000_000


def test_rate_limited_host_is_waited_for_not_judged(emulator: Emulator, tmp_path: Path) -> None:
    pages = {f"/p{i}": {} for i in range(4)}
    load_world(emulator, World.from_dict({"hosts": {"site": {"rate_limit": 2, "pages": pages}}}))
    urls = [emulator.url("site", p) for p in pages]
    catalog, _ = run_links(catalog_of(*urls), fast_settings(tmp_path, retries=3))
    assert {h.verdict for h in health_of(catalog).values()} == {Verdict.OK}
    assert len(emulator.requests) > 4  # some were answered 429, waited for and retried
