"""The network stages side by side: the same catalog whatever finishes first, and link checks
that do not wait for the arXiv API's spacing."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.merge import merge_catalogs
from pipeline.model import Catalog, Finding, Severity
from pipeline.runner import _unaffected_by_apis
from pipeline.stages.github import STAGE as GITHUB_STAGE
from pipeline.stages.parse import parse_list
from pipeline.stages.resolve import resolve_entries
from tests.emulator import Emulator
from tests.emulator.arxiv_api import ARXIV_HOST
from tests.emulator.github_api import HOST as GITHUB_API_HOST
from tests.emulator.seed_world import mount_seed_world
from tests.links_helpers import catalog_of
from tests.world_env import point_pipeline_at

ROOT = Path(__file__).resolve().parents[1]
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")


def _cold_refresh(folder: Path, emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> str:
    """A cold refresh of the shipped list in `folder`, its world freshly mounted; the catalog."""
    emulator.reset()
    (folder / "data").mkdir(parents=True)
    shutil.copy(ROOT / "data" / "awesome-list.md", folder / "data" / "awesome-list.md")
    monkeypatch.chdir(folder)
    world = mount_seed_world(emulator, folder / "data" / "awesome-list.md")
    point_pipeline_at(monkeypatch, world.settings, arxiv_interval=0.5)
    result = CliRunner().invoke(app, ["refresh", "--quiet"])
    assert result.exit_code == 0, result.output
    catalog = json.loads((folder / "data" / "catalog.json").read_text(encoding="utf-8"))
    catalog.pop("stats")
    return _TIMESTAMP.sub("T", json.dumps(catalog, indent=1))


def test_side_by_side_runs_give_the_same_catalog_every_time(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _cold_refresh(tmp_path / "one", emulator, monkeypatch)
    second = _cold_refresh(tmp_path / "two", emulator, monkeypatch)
    assert first == second


def test_link_checks_do_not_wait_for_the_arxiv_api_spacing(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _cold_refresh(tmp_path, emulator, monkeypatch)
    api = [i for i, r in enumerate(emulator.requests) if r.host == ARXIV_HOST]
    pages = [
        i for i, r in enumerate(emulator.requests) if r.host not in (ARXIV_HOST, GITHUB_API_HOST)
    ]
    assert len(api) == 2  # ids, then titles: 0.5 s apart
    assert sum(1 for i in pages if i < api[-1]) > 10  # pages checked while arXiv was paced


def test_links_the_github_api_leaves_are_checked_before_arxiv_is_done(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The list links its own repo's pull requests: a repo link the API cannot verify.
    _cold_refresh(tmp_path, emulator, monkeypatch)
    api = [i for i, r in enumerate(emulator.requests) if r.host == ARXIV_HOST]
    left = [i for i, r in enumerate(emulator.requests) if r.host == "github.com"]
    assert left and api
    assert max(left) < api[-1]


def test_a_path_inside_a_repository_is_checked_without_waiting_for_the_github_api() -> None:
    # The API says whether a repository exists, never whether a path in it does: such a link
    # is checked with the first checks, not after the API's answer (amusi's tree/ links were
    # the last requests of its run).
    text = (
        "## Papers\n\n- A Tool for Things. arXiv'2025. [[code](https://github.com/org/tool)] "
        "[[configs](https://github.com/org/tool/tree/main/configs)]\n"
    )
    entries, _ = resolve_entries(parse_list(text, "list.md"))
    catalog = Catalog(generated_at=datetime.now(UTC), source="list.md", entries=entries)
    repo, path = (link for _, link in catalog.iter_links())
    assert GITHUB_STAGE.verifies(repo) and not GITHUB_STAGE.verifies(path)
    assert _unaffected_by_apis(catalog, {"github"}, []) == [path.url]


def _finding(code: str) -> Finding:
    return Finding(code=code, severity=Severity.INFO, message=code)


def test_merge_takes_each_stage_change_in_stage_order() -> None:
    base = catalog_of("https://a.example/", "https://b.example/")
    arxiv = base.model_copy(update={"findings": [_finding("from-arxiv")]})
    entries = [base.entries[0], base.entries[1].model_copy(update={"title": "Renamed"})]
    github = base.model_copy(update={"entries": entries, "findings": [_finding("from-github")]})
    merged = merge_catalogs(base, [arxiv, github])
    assert [f.code for f in merged.findings] == ["from-arxiv", "from-github"]
    assert [e.title for e in merged.entries] == ["Paper 0", "Renamed"]
