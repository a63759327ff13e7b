"""Issue 18.4: a long list's first link checks go out while the rest of it is parsed.

Counted at the emulator, never timed: the parse is wrapped to note, after each
of its steps, how many requests had reached the emulator by then.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from typer.testing import CliRunner

from pipeline import startup
from pipeline.cli import app
from pipeline.model import ParsedList, RawLink
from pipeline.net import NetClient, Probe
from pipeline.stages import resolve
from pipeline.stages.parse import lint, stage
from tests.arxiv_helpers import INTERVAL, paper, serve
from tests.emulator import Emulator, World, load_world
from tests.emulator.arxiv_api import ARXIV_HOST, arxiv_url

_ENTRIES = 2500
# Titles with some markup: parsing takes seconds (a TCP connection to the emulator, tried
# before the first check, can take one when the machine is busy).
_TITLE = " ".join(f"*word{j}*" for j in range(25))


def _steps_noted(monkeypatch: pytest.MonkeyPatch, emulator: Emulator) -> list[tuple[int, int]]:
    """(links read so far, requests arrived so far) after each parse step of the run."""
    noted: list[tuple[int, int]] = []
    real = startup.parse_steps

    def counted(
        text: str, source: str, **options: bool
    ) -> Generator[list[RawLink], None, ParsedList]:
        read = 0
        steps = real(text, source, **options)
        while True:
            try:
                found = next(steps)
            except StopIteration as done:
                noted.append((read, len(emulator.requests)))
                return done.value
            read += len(found)
            noted.append((read, len(emulator.requests)))
            yield found

    monkeypatch.setattr(startup, "parse_steps", counted)
    return noted


def _list(tmp_path: Path, emulator: Emulator, lines: list[str]) -> Path:
    (tmp_path / "list.md").write_text("# Papers\n\n" + "".join(lines), encoding="utf-8")
    return tmp_path


@pytest.fixture
def long_list(tmp_path: Path, emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Path:
    load_world(emulator, World.from_dict({"hosts": {"far": {"default": {}}, "near": {}}}))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PIPELINE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PIPELINE_PER_HOST_INTERVAL", "0")
    lines = [
        f"- Paper {i}: {_TITLE}. [[paper]({emulator.url('far', f'/p/{i}')})]\n"
        for i in range(_ENTRIES)
    ]
    return _list(tmp_path, emulator, lines)


def test_first_checks_reach_the_emulator_while_the_list_is_still_parsed(
    long_list: Path, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    noted = _steps_noted(monkeypatch, emulator)
    queued: list[int] = []  # links parsed when each batch of checks was queued
    real = NetClient.start_probes

    def start_probes(net: NetClient, urls: list[str]) -> list[asyncio.Future[Probe]]:
        queued.append(noted[-1][0] if noted else 0)
        return real(net, urls)

    monkeypatch.setattr(NetClient, "start_probes", start_probes)
    result = CliRunner().invoke(app, ["refresh", "-q", "--only", "links", "-i", "list.md"])
    assert result.exit_code == 0, result.output
    # Before: the whole list was parsed and resolved before anything was sent (0 arrivals).
    assert any(arrived for _, arrived in noted[:-1]), (queued[:3], noted[-3:])
    # The first checks were queued when a small part of the list had been read.
    assert queued and queued[0] < _ENTRIES // 4, queued[:3]
    # Each link still checked once.
    assert len(emulator.requests_to("far")) == _ENTRIES


def test_early_checks_are_the_runs_own_one_per_url_as_first_written(
    tmp_path: Path, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_world(emulator, World.from_dict({"hosts": {"far": {"default": {}}}}))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PIPELINE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PIPELINE_PER_HOST_INTERVAL", "0")
    url = emulator.url("far", "/p")
    lines = [
        f"- Paper {i}: {_TITLE}. [[paper]({emulator.url('far', f'/q/{i}')})]\n"
        for i in range(_ENTRIES)
    ]
    # Another spelling outside entries first: the links stage requests the entries' one.
    lines.insert(0, f"See {url}/ and `{emulator.url('far', '/in-code')}`.\n\n")
    lines.insert(1, f"<!-- {emulator.url('far', '/in-comment')} -->\n\n")
    lines.insert(100, f"- Paper x. [[paper]({url})]\n")
    lines.insert(150, f"- Paper y. [[paper]({url}/)] [[code]({url}#top)]\n")
    noted = _steps_noted(monkeypatch, emulator)
    _list(tmp_path, emulator, lines)
    result = CliRunner().invoke(app, ["refresh", "-q", "--only", "links", "-i", "list.md"])
    assert result.exit_code == 0, result.output
    assert any(arrived for _, arrived in noted[:-1])  # checks went out during the parse
    paths = sorted(r.path for r in emulator.requests_to("far"))
    assert paths == sorted(["/p", *(f"/q/{i}" for i in range(_ENTRIES))])


def test_the_first_arxiv_call_goes_out_while_the_list_is_still_parsed(
    tmp_path: Path, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 18: on a real list arXiv's 3 s spacing sets the run's length; its first call
    # waited for the whole list (0.67 s after the first link check on dair-ai's 1,305).
    ids = [f"2401.{n:05d}" for n in range(1, 151)]
    serve(emulator, *(paper(i, f"Paper {i}") for i in ids))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PIPELINE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ARXIV_API_URL", arxiv_url(emulator))
    monkeypatch.setenv("PIPELINE_ARXIV_INTERVAL", str(INTERVAL))
    monkeypatch.setenv("PIPELINE_ARXIV_BATCH_SIZE", "50")
    lines = [f"- Paper {i}: {_TITLE}. [[paper](https://arxiv.org/abs/{i})]\n" for i in ids]
    lines += [f"\nNotes {i}: {_TITLE}.\n" for i in range(2500)]  # long to parse, no entries
    _list(tmp_path, emulator, lines)
    noted = _steps_noted(monkeypatch, emulator)
    result = CliRunner().invoke(app, ["refresh", "-q", "--only", "arxiv", "-i", "list.md"])
    assert result.exit_code == 0, result.output
    # Before: nothing reached the emulator until the whole list was parsed.
    assert any(arrived for _, arrived in noted[:-1]), noted[-3:]
    # Batching kept: 150 ids in 3 calls of 50, each id asked once.
    asked = [
        parse_qs(urlsplit(r.target).query)["id_list"][0].split(",")
        for r in emulator.requests_to(ARXIV_HOST)
    ]
    assert [len(batch) for batch in asked] == [50, 50, 50]
    assert sorted(i for batch in asked for i in batch) == ids
    # A warm rerun asks nothing, early or late.
    before = len(emulator.requests_to(ARXIV_HOST))
    result = CliRunner().invoke(app, ["refresh", "-q", "--only", "arxiv", "-i", "list.md"])
    assert result.exit_code == 0, result.output
    assert len(emulator.requests_to(ARXIV_HOST)) == before


def _most_in_one_step(steps: Generator[object, None, object], done: Callable[[], int]) -> int:
    """Run `steps` to its end: the most work `done()` counted within one step."""
    most = 0
    while True:
        before = done()
        try:
            next(steps)
        except StopIteration:
            return max(most, done() - before)
        most = max(most, done() - before)


def test_no_step_of_the_parse_or_resolve_does_the_whole_list(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The parse's last step drafted and linted all 10,000 entries at once, and resolve went
    # 500 entries a step: 0.3 s and 50 ms in which a run's hosts got no turn.
    text = "# Papers\n\n" + "".join(
        f"- Paper {i}. [[paper](https://example.org/p/{i})]\n" for i in range(1000)
    )
    calls: Counter[str] = Counter()

    def counted(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def count(*args: Any) -> Any:
            calls[name] += 1
            return real(*args)

        return count

    monkeypatch.setattr(stage, "has_code_link", counted("drafted", stage.has_code_link))
    monkeypatch.setattr(lint, "_link_findings", counted("linted", lint._link_findings))
    monkeypatch.setattr(resolve, "resolve_link", counted("resolved", resolve.resolve_link))
    parse = stage.parse_steps(text, "list.md")
    drafted_or_linted = _most_in_one_step(parse, lambda: calls["drafted"] + calls["linted"])
    assert drafted_or_linted <= lint.ENTRIES_A_STEP, drafted_or_linted
    assert (calls["drafted"], calls["linted"]) == (1000, 1000)
    resolved = _most_in_one_step(
        resolve.resolve_steps(stage.parse_list(text, "list.md")), lambda: calls["resolved"]
    )
    assert resolved <= 100, resolved
