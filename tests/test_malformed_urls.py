"""Issue 12.1: a malformed URL is a finding with line and column and a verdict, never a crash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.model import RawLink, Verdict
from pipeline.net import Failure
from pipeline.stages.resolve import URL_SYNTAX, resolve_link, url_problem
from tests.emulator import Emulator, World, load_world
from tests.links_helpers import catalog_of, fast_settings, health_of, run_links

BROKEN = [
    ("http://a.b:99999/x", "Port out of range"),
    ("http://a.b:abc/x", "Port could not be cast"),
    ("http://[::1/x", "Invalid IPv6 URL"),
    ("http://a＃b.com/x", "NFKC normalization"),
    ("http:///x", "no host name"),
    ("http://exa mple.com/", "invalid character in host"),
]
NOT_IDNA = ["https://☃.net/", "https://xn--a.com/", "https://xn--n3h.net/"]


@pytest.mark.parametrize(("url", "reason"), BROKEN, ids=[u for u, _ in BROKEN])
def test_broken_url_is_dead_from_its_spelling(url: str, reason: str) -> None:
    link = resolve_link(RawLink(label="paper", url=url, line=3, column=12))
    assert link.health is not None
    assert link.health.verdict is Verdict.DEAD
    assert link.health.verified_by == URL_SYNTAX
    assert reason in link.health.detail


@pytest.mark.parametrize("url", NOT_IDNA)
def test_host_that_fails_idna_is_unverified_not_dead(url: str) -> None:
    link = resolve_link(RawLink(label="paper", url=url, line=1, column=1))
    assert link.health is not None and link.health.verdict is Verdict.UNVERIFIED
    assert "not a valid IDNA name" in link.health.detail


@pytest.mark.parametrize(
    "url",
    ["https://münchen.de/", "https://[::1]:8080/", "mailto:a@b.c", "#section", "./other.md"],
)
def test_valid_or_non_http_urls_are_not_malformed(url: str) -> None:
    assert url_problem(url) is None


def test_parse_of_a_port_out_of_range_gives_a_finding_with_line_and_column(tmp_path: Path) -> None:
    source = tmp_path / "p.md"
    source.write_text(
        "# S\n\n- Some paper title words. CVPR'2024. [[paper](http://a.b:99999/x)]\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["parse", str(source), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    (finding,) = [f for f in payload["findings"] if f["code"] == "malformed-url"]
    assert finding["severity"] == "error" and finding["line"] == 3
    assert finding["column"] == payload["entries"][0]["links"][0]["column"] > 0
    assert "Port out of range" in finding["message"]
    assert payload["entries"][0]["links"][0]["url"] == "http://a.b:99999/x"


def test_offline_refresh_writes_the_malformed_verdict(tmp_path: Path) -> None:
    source = tmp_path / "p.md"
    source.write_text(
        '- A paper. CVPR\'2024. <a href="http://[::1/x">paper</a>\n', encoding="utf-8"
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["refresh", "--offline", "-q", "-i", str(source), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    catalog = json.loads((out / "catalog.json").read_text(encoding="utf-8"))
    (link,) = catalog["entries"][0]["links"]
    assert link["health"]["verdict"] == "dead"
    assert "malformed-url" in {f["code"] for f in catalog["findings"]}


def test_links_stage_sends_no_request_for_a_host_that_fails_idna(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_world(emulator, World.from_dict({"hosts": {"ok": {"pages": {"/": {}}}}}))
    source = tmp_path / "i.md"
    source.write_text(
        "- Snowman paper title. CVPR'2024. [[paper](https://☃.net/)]\n"
        f"- Fine paper title. CVPR'2024. [[paper]({emulator.url('ok', '/')})]\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("PIPELINE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PIPELINE_RETRIES", "0")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["refresh", "-q", "--only", "links", "-i", str(source), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    catalog = json.loads((out / "catalog.json").read_text(encoding="utf-8"))
    verdicts = [e["links"][0]["health"]["verdict"] for e in catalog["entries"]]
    assert verdicts == ["unverified", "ok"]
    assert [f["code"] for f in catalog["findings"] if f["code"] == "malformed-url"] == [
        "malformed-url"
    ]
    assert len(emulator.requests) == 1


@pytest.mark.parametrize(
    "location",
    ["http://[::1/x", "https://xn--a.com/", "http://127.0.0.1:99999/", "http://a.b:abc/"],
)
def test_redirect_to_a_malformed_url_is_unverified_not_a_crash(
    emulator: Emulator, tmp_path: Path, location: str
) -> None:
    world = {"site": {"pages": {"/p": {"status": 301, "redirect": location}}}}
    load_world(emulator, World.from_dict({"hosts": world}))
    url = emulator.url("site", "/p")
    catalog, _ = run_links(catalog_of(url), fast_settings(tmp_path, retries=0))
    health = health_of(catalog)[url]
    assert health.verdict is Verdict.UNVERIFIED
    assert health.detail.startswith((Failure.INVALID_URL.value, Failure.PROTOCOL.value))
    assert len(emulator.requests_to("site")) == 1


def test_a_malformed_link_outside_any_entry_gets_its_finding_too(tmp_path: Path) -> None:
    source = tmp_path / "p.md"
    source.write_text(
        "# List\n\nSee [our site](http://a.b:99999/x) for more.\n\n"
        "- A paper. CVPR'2024. [[paper](https://arxiv.org/abs/2401.00001)]\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["refresh", "--offline", "-q", "-i", str(source), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    catalog = json.loads((out / "catalog.json").read_text(encoding="utf-8"))
    (other,) = [link for link in catalog["other_links"] if "99999" in link["url"]]
    assert other["health"]["verdict"] == "dead"
    (finding,) = [f for f in catalog["findings"] if f["code"] == "malformed-url"]
    assert finding["line"] == 3 and finding["entry_key"] is None
