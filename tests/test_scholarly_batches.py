"""Semantic Scholar's batch: at most 500 ids a call, answers aligned with nulls."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.model import Catalog, FetchStatus
from tests.emulator import Emulator, Request, Response
from tests.emulator.scholarly_api import S2Paper, S2World, mount_s2


def _list(count: int) -> str:
    lines = ["# Papers", ""]
    lines += [
        f"- Paper number {i}. arXiv'2024. [[paper](https://arxiv.org/abs/2401.{i:05d})]"
        for i in range(count)
    ]
    return "\n".join(lines) + "\n"


def test_a_2000_paper_list_costs_four_batches_of_at_most_500(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = S2World(
        papers=[
            S2Paper(paper_id=f"{i:040x}", title=f"Paper number {i}", arxiv_id=f"2401.{i:05d}")
            for i in range(0, 2000, 2)  # every other paper known; the rest answer null
        ]
    )
    monkeypatch.setenv("S2_API_URL", mount_s2(emulator, world))
    monkeypatch.setenv("PIPELINE_HF_BUDGET", "0")
    monkeypatch.setenv("PIPELINE_S2_INTERVAL", "0")
    monkeypatch.chdir(tmp_path)
    Path("list.md").write_text(_list(2000))
    result = CliRunner().invoke(
        app, ["refresh", "-q", "-i", "list.md", "-o", "out", "--only", "scholarly"]
    )
    assert result.exit_code == 0, result.output
    batches = [json.loads(r.body)["ids"] for r in emulator.requests if r.path.endswith("/batch")]
    assert [len(ids) for ids in batches] == [500, 500, 500, 500]
    catalog = Catalog.model_validate_json(Path("out/catalog.json").read_text())
    statuses = [e.scholarly.status for e in catalog.entries if e.scholarly]
    assert statuses.count(FetchStatus.OK) == 1000
    assert statuses.count(FetchStatus.NOT_FOUND) == 1000
    # Aligned: each record is its own paper, not its neighbour's.
    assert all(
        e.scholarly.arxiv_id == e.arxiv_id
        for e in catalog.entries
        if e.scholarly and e.scholarly.status is FetchStatus.OK
    )


def test_the_emulator_refuses_more_than_500_ids_as_s2_does(emulator: Emulator) -> None:
    base = mount_s2(emulator, S2World())
    ids = [f"ARXIV:2401.{i:05d}" for i in range(501)]
    answer = httpx.post(f"{base}/paper/batch", json={"ids": ids})
    assert answer.status_code == 400
    answer = httpx.post(f"{base}/paper/batch", json={"ids": ids[:2]})
    assert answer.json() == [None, None]


def test_only_s2_needed_and_refusing_connections_is_an_outage(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, refusing_url: str
) -> None:
    # conftest points S2 at a port that refuses connections: the pre-run check finds it
    # unreachable and the stage sends nothing (no retries against a closed port).
    monkeypatch.chdir(tmp_path)
    Path("list.md").write_text(_list(3))
    result = CliRunner().invoke(
        app, ["refresh", "-q", "-i", "list.md", "-o", "out", "--only", "scholarly"]
    )
    # The only host the run needed refused: a network outage, nothing judged.
    assert result.exit_code == 3, result.output


def test_title_matches_beyond_the_budget_come_in_later_runs(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    titles = [f"A Conference Paper About Segmentation Number {i}" for i in range(25)]
    world = S2World(
        papers=[S2Paper(paper_id=f"{i:040x}", title=t, year=2024) for i, t in enumerate(titles)]
    )
    monkeypatch.setenv("S2_API_URL", mount_s2(emulator, world))
    monkeypatch.setenv("PIPELINE_S2_INTERVAL", "0")
    monkeypatch.setenv("PIPELINE_S2_MATCH_BUDGET", "10")
    monkeypatch.setenv("PIPELINE_HF_BUDGET", "0")
    monkeypatch.chdir(tmp_path)
    lines = [
        f"- **{t}**. CVPR'2024. [[paper](https://cvf.example/{i})]" for i, t in enumerate(titles)
    ]
    Path("list.md").write_text("# Papers\n\n" + "\n".join(lines) + "\n")
    sent = []
    for _ in range(3):
        emulator.requests.clear()
        result = CliRunner().invoke(
            app, ["refresh", "-q", "-i", "list.md", "-o", "out", "--only", "scholarly"]
        )
        assert result.exit_code == 0, result.output
        sent.append(len([r for r in emulator.requests if r.path.endswith("/search/match")]))
    # Each run asks what its budget allows, the ones not asked before first.
    assert sent == [10, 10, 5]
    catalog = Catalog.model_validate_json(Path("out/catalog.json").read_text())
    assert all(e.scholarly and e.scholarly.matched_by == "title" for e in catalog.entries)


def test_odd_shapes_from_s2_are_read_safely(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    odd = [
        {"paperId": "a", "publicationVenue": "CVPR", "citationCount": "many"},
        {"paperId": 7, "externalIds": ["x"], "publicationVenue": {"name": "X", "type": 3}},
        {},  # S2 answering {} for a paper it has
        {"publicationVenue": {"name": "Computer Vision and Pattern Recognition",
                              "alternate_names": "CVPR", "type": "conference"},
         "year": "2024", "citationCount": -1},
    ]  # fmt: skip

    def handler(request: Request) -> Response:
        return Response(200, {"Content-Type": "application/json"}, json.dumps(odd).encode())

    emulator.mount("api.semanticscholar.org", handler, prefix="/graph/v1/")
    monkeypatch.setenv("S2_API_URL", emulator.url("api.semanticscholar.org", "/graph/v1"))
    monkeypatch.setenv("PIPELINE_HF_BUDGET", "0")
    monkeypatch.chdir(tmp_path)
    Path("list.md").write_text(_list(4))
    result = CliRunner().invoke(
        app, ["refresh", "-q", "-i", "list.md", "-o", "out", "--only", "scholarly"]
    )
    assert result.exit_code == 0, result.output
    catalog = Catalog.model_validate_json(Path("out/catalog.json").read_text())
    records = [e.scholarly for e in catalog.entries]
    assert all(r is not None and r.status is FetchStatus.OK for r in records)
    assert [r.citation_count for r in records if r] == [None, None, None, None]
    assert records[3] is not None and records[3].venue_short == "CVPR"
    # Only the readable venue is judged: the list says arXiv, S2 says CVPR (year unreadable).
    judged = [f for f in catalog.findings if f.code in ("published", "venue-disagrees")]
    assert [(f.code, f.suggestion) for f in judged] == [("published", "CVPR")]
