"""The emulator itself: hosts, handlers, records, and the world's behaviours."""

from __future__ import annotations

import json
import ssl
from pathlib import Path

import httpx
import pytest

from tests.emulator import Emulator, Request, Response, World, load_world
from tests.emulator.__main__ import main


def test_hosts_get_distinct_loopback_addresses_on_one_port(emulator: Emulator) -> None:
    a, b = emulator.url("host-a", "/x"), emulator.url("host-b", "/x")
    assert a != b
    assert httpx.URL(a).port == httpx.URL(b).port == emulator.port
    assert httpx.URL(a).host.startswith("127.")


def test_mounted_handler_answers_and_request_is_recorded(emulator: Emulator) -> None:
    def api(request: Request) -> Response:
        return Response(200, {"Content-Type": "text/plain"}, request.query["q"][0].encode())

    emulator.mount("api", api, prefix="/api/")
    response = httpx.get(emulator.url("api", "/api/query?q=hello"), headers={"X-Test": "1"})
    assert response.text == "hello"
    (seen,) = emulator.requests_to("api")
    assert (seen.method, seen.path, seen.headers["x-test"]) == ("GET", "/api/query", "1")


def test_async_handler_and_longest_prefix_win(emulator: Emulator) -> None:
    async def deep(request: Request) -> Response:
        return Response(201)

    emulator.mount("api", lambda r: Response(200))
    emulator.mount("api", deep, prefix="/graphql")
    assert httpx.post(emulator.url("api", "/graphql"), json={"query": "{}"}).status_code == 201
    assert httpx.get(emulator.url("api", "/other")).status_code == 200
    assert json.loads(emulator.requests[0].body) == {"query": "{}"}


def test_unmounted_path_is_404(emulator: Emulator) -> None:
    assert httpx.get(emulator.url("nobody", "/")).status_code == 404


def test_reset_fault_resets_the_connection(emulator: Emulator) -> None:
    emulator.mount("r", lambda r: Response(fault="reset"))
    with pytest.raises(httpx.ReadError):
        httpx.get(emulator.url("r", "/"))


def test_world_etag_answers_304(emulator: Emulator) -> None:
    load_world(emulator, World.from_dict({"hosts": {"a": {"pages": {"/": {"etag": '"1"'}}}}}))
    assert httpx.get(emulator.url("a"), headers={"If-None-Match": '"1"'}).status_code == 304


def test_world_rate_limit_answers_429(emulator: Emulator) -> None:
    load_world(emulator, World.from_dict({"hosts": {"a": {"rate_limit": 2, "default": {}}}}))
    statuses = [httpx.get(emulator.url("a", f"/{i}")).status_code for i in range(3)]
    assert statuses == [200, 200, 429]


def test_a_forgotten_site_fails_its_flaky_pages_again(emulator: Emulator) -> None:
    # The bench's tools each meet the same world, not the one an earlier run left.
    world = World.from_dict({"hosts": {"f": {"pages": {"/": {"flaky": 1}}}}})
    site = load_world(emulator, world)["f"]
    assert [httpx.get(emulator.url("f")).status_code for _ in range(2)] == [503, 200]
    site.forget()
    assert [httpx.get(emulator.url("f")).status_code for _ in range(2)] == [503, 200]


def test_world_rejects_unknown_page_keys() -> None:
    with pytest.raises(ValueError, match="unknown page keys"):
        World.from_dict({"hosts": {"a": {"pages": {"/": {"stauts": 200}}}}})


def test_command_line_serves_a_world_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world = tmp_path / "world.json"
    world.write_text(json.dumps({"hosts": {"a": {"pages": {"/": {}}}}}))
    main(["--world", str(world), "--seconds", "0.01"])
    out = capsys.readouterr().out
    assert out.startswith("a\thttp://127.") and "served 0 requests" in out


def test_host_header_routes_on_127_0_0_1(emulator: Emulator) -> None:
    emulator.mount("export.arxiv.org", lambda r: Response(200, body=b"atom"))
    url = f"http://127.0.0.1:{emulator.port}/api/query"
    assert httpx.get(url, headers={"Host": "export.arxiv.org"}).text == "atom"


def test_tls_emulator_serves_https_with_its_test_ca_and_counts_connections(
    tls_emulator: Emulator,
) -> None:
    load_world(tls_emulator, World.from_dict({"hosts": {"a": {"default": {}, "latency": 0.01}}}))
    assert tls_emulator.url("a", "/x").startswith("https://")
    assert tls_emulator.connect_delay["a"] == 0.01  # a new connection costs one latency more
    trust = ssl.create_default_context(cafile=str(tls_emulator.ca_file))
    with httpx.Client(verify=trust) as client:
        statuses = [client.get(tls_emulator.url("a", f"/{i}")).status_code for i in range(3)]
    with httpx.Client(verify=trust) as client:
        client.get(tls_emulator.url("a", "/again"))
    assert statuses == [200, 200, 200]
    assert tls_emulator.connections["a"] == 2  # one per client: kept alive in between


def test_tls_emulator_certificate_is_not_publicly_trusted(tls_emulator: Emulator) -> None:
    tls_emulator.mount("a", lambda request: Response(200))
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(tls_emulator.url("a", "/"))
