"""The whole outside world of one list, on loopback: arXiv API, GitHub API and every page.

`mount_seed_world(emulator, list_path)` serves:
- the arXiv API with every paper of the list (tests/emulator/arxiv_world.py),
- GitHub's REST and GraphQL APIs with every repo, one each renamed, deleted,
  archived, placeholder and stale (tests/emulator/github_api.py),
- Semantic Scholar, Hugging Face papers and the Wayback Machine with planted
  truth (tests/emulator/scholarly_world.py),
- every other page the list links, on its own loopback address, with a few
  planted faults: one project page gone (404), one moved for good (301), one
  behind a bot wall (403), one host flaky (503 once, then fine), one slow.

and returns the settings that point the pipeline at it (`settings`), with the
real URLs kept: `host_map` connects each page host to its loopback address.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pipeline.config import DEFAULT_BADGE_HOSTS
from pipeline.model import LinkKind
from pipeline.stages.parse import parse_list
from pipeline.stages.resolve import resolve_entries, resolve_other_links
from tests.emulator.arxiv_api import ArxivWorld, arxiv_url, mount_arxiv
from tests.emulator.arxiv_world import seed_arxiv_world
from tests.emulator.github_api import GitHubWorld, mount_github, seed_world
from tests.emulator.scholarly_api import mount_archive, mount_hf, mount_s2
from tests.emulator.scholarly_world import ScholarlyWorld, seed_scholarly_world
from tests.emulator.server import Emulator
from tests.emulator.world import World, load_world

__all__ = ["SeedWorld", "mount_seed_world"]

# Planted page faults: the URL as the list writes it -> the page spec.
PLANTED = {
    "https://groundhog-mllm.github.io/": ("dead", {"status": 404}),
    "https://lanyunzhu.site/POPEN/": ("moved", {"status": 301, "redirect": "/popen-2025/"}),
    "https://cse.hkust.edu.hk/~skao/thinkfirst.html": ("blocked", {"status": 403}),
}
_FLAKY_HOST = "openaccess.thecvf.com"
_SLOW_HOST = "huggingface.co"


@dataclass
class SeedWorld:
    """What is served, and the settings that reach it."""

    settings: dict[str, Any]
    github: GitHubWorld
    scholarly: ScholarlyWorld = field(default_factory=ScholarlyWorld)
    planted: dict[str, str] = field(default_factory=dict)  # URL -> "dead" | "moved" | "blocked"
    page_urls: list[str] = field(default_factory=list)  # links the links stage must check
    arxiv: ArxivWorld = field(default_factory=ArxivWorld)


def _pages(list_path: Path) -> tuple[dict[str, dict[str, Any]], list[str]]:
    parsed = parse_list(list_path.read_text(encoding="utf-8"), source=str(list_path))
    entries, _ = resolve_entries(parsed)
    links = [link for entry in entries for link in entry.links]
    # Links outside entries (badges, the list's own repo, related lists) are checked too;
    # badge images are not requested (badge_hosts).
    links += [
        link
        for link in resolve_other_links(parsed)
        if not (link.image and (urlsplit(link.url).hostname or "") in DEFAULT_BADGE_HOSTS)
    ]
    hosts: dict[str, dict[str, Any]] = {
        "arxiv.org": {"default": {}},
        "www.arxiv.org": {"default": {}},
        "github.com": {"default": {}},
    }
    checked = []
    for link in links:
        if link.kind in (LinkKind.ARXIV, LinkKind.GITHUB) and not link.image:
            continue
        parts = urlsplit(link.url)
        host = (parts.hostname or "").lower()
        site = hosts.setdefault(host, {"pages": {}})
        pages = site.setdefault("pages", {})
        _, spec = PLANTED.get(link.url, ("ok", {}))
        pages[parts.path or "/"] = spec
        if spec.get("redirect"):
            pages[spec["redirect"]] = {}
        checked.append(link.url)
    if _FLAKY_HOST in hosts:
        for spec in hosts[_FLAKY_HOST]["pages"].values():
            spec.setdefault("flaky", 1)
            spec.setdefault("retry_after", "0")
    if _SLOW_HOST in hosts:
        hosts[_SLOW_HOST]["latency"] = 0.2
    return hosts, checked


def mount_seed_world(emulator: Emulator, list_path: Path, *, latency: float = 0.0) -> SeedWorld:
    """Serve the list's whole world; `latency` is added to every page host."""
    arxiv = seed_arxiv_world(list_path)
    mount_arxiv(emulator, arxiv)
    github = seed_world(list_path)
    scholarly = seed_scholarly_world(list_path, github)
    mount_github(emulator, github)
    hosts, checked = _pages(list_path)
    if latency:
        for site in hosts.values():
            site["latency"] = max(site.get("latency", 0.0), latency)
    load_world(emulator, World.from_dict({"hosts": hosts}))
    host_map = {host: f"{emulator.address(host)}:{emulator.port}" for host in hosts}
    cdx_url, available_url = mount_archive(emulator, scholarly.archive)
    settings = {
        "arxiv_api_url": arxiv_url(emulator),
        "github_api_url": emulator.base_url("api.github.com"),
        "s2_api_url": mount_s2(emulator, scholarly.s2),
        "hf_api_url": mount_hf(emulator, scholarly.hf),
        "wayback_cdx_url": cdx_url,
        "wayback_available_url": available_url,
        "host_map": host_map,
    }
    planted = {url: verdict for url, (verdict, _) in PLANTED.items()}
    return SeedWorld(
        settings=settings,
        github=github,
        scholarly=scholarly,
        planted=planted,
        page_urls=checked,
        arxiv=arxiv,
    )
