"""The runner: which stages run, and what a stage that does not run keeps."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.config import load_settings
from pipeline.errors import ConfigError
from pipeline.model import ArxivRecord, FetchStatus, LinkHealth, RepoRecord, Verdict
from pipeline.runner import refresh, select_stages
from pipeline.stages.emit import read_catalog, write_catalog

LIST = """## Papers

- LISA: Reasoning Segmentation via Large Language Model. CVPR'2024. [[paper](https://arxiv.org/abs/2308.00692)] | [[code](https://github.com/dvlab-research/LISA)]
"""
THEN = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("only", "skip", "expected"),
    [
        ((), (), ["arxiv", "github", "scholarly", "links", "archive", "candidates"]),
        (("links",), (), ["links"]),
        ((), ("links", "arxiv", "scholarly", "archive", "candidates"), ["github"]),
        (("arxiv", "github"), ("github",), ["arxiv"]),
        (("parse",), (), []),
    ],
)
def test_select_stages(only: tuple[str, ...], skip: tuple[str, ...], expected: list[str]) -> None:
    assert select_stages(only, skip) == expected


def test_select_stages_rejects_unknown_names() -> None:
    with pytest.raises(ConfigError, match="unknown stage 'pdf'"):
        select_stages(("pdf",))


def test_offline_run_keeps_previous_metadata_and_health(tmp_path: Path) -> None:
    (tmp_path / "list.md").write_text(LIST, encoding="utf-8")
    settings = load_settings(
        {"input": tmp_path / "list.md", "output_dir": tmp_path / "out", "offline": True},
        env={},
        project_dir=tmp_path,
    )
    first = asyncio.run(refresh(settings)).catalog
    entry = first.entries[0]
    record = ArxivRecord(arxiv_id="2308.00692", version=3, title="LISA", status=FetchStatus.OK)
    health = LinkHealth(verdict=Verdict.OK, checked_at=THEN, last_ok_at=THEN)
    enriched = first.model_copy(
        update={
            "entries": [
                entry.model_copy(
                    update={
                        "arxiv": record,
                        "links": [
                            link.model_copy(update={"health": health}) for link in entry.links
                        ],
                    }
                )
            ],
            "repos": {
                "dvlab-research/lisa": RepoRecord(
                    linked_as="dvlab-research/LISA", stars=5, status=FetchStatus.OK
                )
            },
        }
    )
    write_catalog(enriched, settings.catalog_path)

    second = asyncio.run(refresh(settings)).catalog
    assert second.entries[0].arxiv == record
    assert [link.health for link in second.entries[0].links] == [health, health]
    assert second.repos["dvlab-research/lisa"].stars == 5
    assert read_catalog(settings.catalog_path) == second
