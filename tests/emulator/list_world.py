"""A healthy world for any list: every link alive, arXiv titles as the caller says.

`mount_list_world(emulator, list_path, titles)` serves the arXiv API with one
paper per id in `titles` (id -> title), GitHub's APIs with every repository
the file names, and every other page the file links, all answering 200. The
links are read from the file with a plain regular expression, not by the
parse stage, so a parser that misses a link still meets a served page.
Nothing is planted: every finding a refresh raises here is a false alarm or
a true lint finding about the list itself.
"""

from __future__ import annotations

import re
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.emulator.arxiv_api import ArxivWorld, Paper, arxiv_url, mount_arxiv
from tests.emulator.github_api import FakeRepo, GitHubWorld, linked_repos, mount_github
from tests.emulator.scholarly_api import ArchiveWorld, HfWorld, mount_archive, mount_hf, mount_s2
from tests.emulator.scholarly_world import agreeing_s2_world
from tests.emulator.server import Emulator
from tests.emulator.world import World, load_world

__all__ = ["mount_list_world"]

_URL = re.compile(r"(?:https?://|(?<![\w./])www\.)[^\s<>\"'`)\]|]+")


def _published(arxiv_id: str) -> datetime:
    digits = arxiv_id.split("/")[-1]
    yy, mm = int(digits[:2]), max(1, min(12, int(digits[2:4])))
    return datetime(1900 + yy if yy >= 91 else 2000 + yy, mm, 15, 12, tzinfo=UTC)


def mount_list_world(emulator: Emulator, list_path: Path, titles: dict[str, str]) -> dict[str, Any]:
    """Serve the world of the list at `list_path`; returns the pipeline settings that reach it."""
    arxiv = ArxivWorld()
    for arxiv_id, title in titles.items():
        paper = Paper(arxiv_id=arxiv_id, title=title, published=_published(arxiv_id), versions=9)
        arxiv.add(paper)
    mount_arxiv(emulator, arxiv)
    github = GitHubWorld()
    for name in linked_repos(list_path):
        github.add(FakeRepo(id=zlib.crc32(name.lower().encode()), full_name=name))
    mount_github(emulator, github)
    hosts: dict[str, dict[str, Any]] = {"github.com": {"default": {}}}
    for url in _URL.findall(list_path.read_text(encoding="utf-8")):
        host = (urlsplit(url if "://" in url else f"http://{url}").hostname or "").lower()
        if host:
            hosts.setdefault(host, {"default": {}})
    load_world(emulator, World.from_dict({"hosts": hosts}))
    cdx_url, available_url = mount_archive(emulator, ArchiveWorld())
    return {
        "arxiv_api_url": arxiv_url(emulator),
        "github_api_url": emulator.base_url("api.github.com"),
        "s2_api_url": mount_s2(emulator, agreeing_s2_world(list_path)),
        "hf_api_url": mount_hf(emulator, HfWorld()),
        "wayback_cdx_url": cdx_url,
        "wayback_available_url": available_url,
        "host_map": {host: f"{emulator.address(host)}:{emulator.port}" for host in hosts},
    }
