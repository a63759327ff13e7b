"""Proxies are honoured for every request: HTTP_PROXY / HTTPS_PROXY / ALL_PROXY / NO_PROXY and
the `proxy` setting, through a loopback proxy that counts what it relayed."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.model import Catalog, Verdict
from tests.emulator import Emulator
from tests.links_helpers import mount_hosts
from tests.proxy_support import LoopbackProxy


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name, value in {"TIMEOUT": "3", "RETRIES": "0", "RETRY_BACKOFF": "0.01"}.items():
        monkeypatch.setenv(f"PIPELINE_{name}", value)
    return tmp_path


def _write_list(folder: Path, *urls: str) -> None:
    lines = [f"- **Paper Number {i}** [paper]({url})" for i, url in enumerate(urls)]
    (folder / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _refresh():
    return CliRunner().invoke(
        app, ["refresh", "--only", "links", "-q", "-i", "README.md", "-o", "out"]
    )


def _verdicts(folder: Path) -> dict[str, Verdict | None]:
    text = (folder / "out" / "catalog.json").read_text(encoding="utf-8")
    catalog = Catalog.model_validate_json(text)
    return {
        link.url: link.health.verdict if link.health else None for _, link in catalog.iter_links()
    }


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "PIPELINE_PROXY"])
def test_every_link_check_goes_through_the_proxy(
    emulator: Emulator, workdir: Path, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    # Names no resolver knows: only a proxy that forwards them can reach the pages.
    mount_hosts(emulator, {h: {"default": {"status": 200}} for h in ("paper.test", "code.test")})
    urls = ["http://paper.test/a", "http://code.test/b", "http://paper.test/c"]
    _write_list(workdir, *urls)
    with LoopbackProxy(emulator.port) as proxy:
        monkeypatch.setenv(variable, proxy.url)
        result = _refresh()
    assert result.exit_code == 0, result.output
    assert _verdicts(workdir) == dict.fromkeys(urls, Verdict.OK)
    assert {line.split()[1] for line in proxy.relayed} == set(urls)
    assert len(proxy.relayed) == len(emulator.requests) >= 3


def test_no_proxy_hosts_go_direct(
    emulator: Emulator, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mount_hosts(emulator, {h: {"default": {"status": 200}} for h in ("paper.test", "localhost")})
    direct = f"http://localhost:{emulator.port}/b"
    _write_list(workdir, "http://paper.test/a", direct)
    with LoopbackProxy(emulator.port) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", "example.org, .localhost,localhost")
        result = _refresh()
    assert result.exit_code == 0, result.output
    assert set(_verdicts(workdir).values()) == {Verdict.OK}
    assert proxy.relayed and all(line.split()[1] == "http://paper.test/a" for line in proxy.relayed)
    assert any(r.host == "localhost" for r in emulator.requests)


def test_https_goes_through_a_connect_tunnel(
    tls_emulator: Emulator, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mount_hosts(tls_emulator, {"localhost": {"default": {"status": 200}}})
    url = f"https://localhost:{tls_emulator.port}/paper"
    _write_list(workdir, url)
    monkeypatch.setenv("PIPELINE_CA_BUNDLE", str(tls_emulator.ca_file))
    with LoopbackProxy(tls_emulator.port) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        result = _refresh()
    assert result.exit_code == 0, result.output
    assert _verdicts(workdir) == {url: Verdict.OK}
    assert proxy.relayed == [f"CONNECT localhost:{tls_emulator.port}"]


def test_an_unreachable_proxy_is_an_outage_even_when_hosts_answer_directly(
    emulator: Emulator, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mount_hosts(emulator, {"pages": {"default": {"status": 200}}})
    _write_list(workdir, emulator.url("pages", "/a"))
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{_closed_port()}")
    result = _refresh()
    assert result.exit_code == 3, result.output
    assert "network outage" in result.stderr
    assert emulator.requests == []  # nothing went around the proxy


@pytest.mark.parametrize(
    "variable,value",
    [("HTTPS_PROXY", "socks4://u:s3cret@127.0.0.1:1080"), ("HTTP_PROXY", "http://u:s3cret@h:port")],
)
def test_a_bad_proxy_url_is_one_error_line(
    emulator: Emulator, workdir: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    mount_hosts(emulator, {"pages": {"default": {"status": 200}}})
    _write_list(workdir, emulator.url("pages", "/a"))
    monkeypatch.setenv(variable, value)
    result = _refresh()
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {variable}:"), result.stderr
    assert "s3cret" not in result.output


def test_api_fetches_go_through_the_proxy_too(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    from pipeline.net import open_client
    from tests.links_helpers import fast_settings

    mount_hosts(emulator, {"api.test": {"pages": {"/q": {"body": "v1"}}}})
    with LoopbackProxy(emulator.port) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # not this scheme's
        monkeypatch.setenv("HTTP_PROXY", proxy.url)

        async def go() -> bytes:
            async with open_client(fast_settings(tmp_path)) as net:
                return (await net.fetch("GET", "http://api.test/q?id=1", kind="github")).body

        assert asyncio.run(go()) == b"v1"
    assert proxy.relayed == ["GET http://api.test/q?id=1"]
