"""Benchmark worlds on the loopback emulator, and the lower bound each one allows.

A world is the emulator set up for one list, plus the list rewritten so its
page hosts point at the emulator. GitHub links stay `github.com` for the
pipeline (the GitHub API stage verifies them) and point at an emulated
`github.com` page host for lychee, which has no API stage.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from tests.emulator import Emulator, Page, Site, World, load_world
from tests.emulator.arxiv_api import ARXIV_HOST, arxiv_url, mount_arxiv
from tests.emulator.arxiv_world import list_papers, seed_arxiv_world
from tests.emulator.github_api import HOST as GITHUB_API_HOST
from tests.emulator.github_api import linked_repos, mount_github, seed_world
from tests.emulator.scholarly_api import mount_archive, mount_hf, mount_s2
from tests.emulator.scholarly_world import SEED_ARCHIVED, seed_scholarly_world
from tests.emulator.seed_world import _FLAKY_HOST, PLANTED
from tests.emulator.seed_world import _pages as seed_pages
from tests.emulator.server import delayed
from tests.emulator.world import SiteHandler

__all__ = [
    "API_LATENCY",
    "BenchWorld",
    "Rules",
    "generated_world",
    "shared_world",
    "shipped_world",
    "throttled_world",
]

_URL = re.compile(r"https?://([A-Za-z0-9.-]+)(/[^\s)\]>\"'<]*)?")
_ARXIV_VERSION = re.compile(r"arxiv\.org/(?:abs|pdf|html)/(\d{4}\.\d{4,5})v(\d+)", re.IGNORECASE)
_API_LATENCY = 0.1  # seconds per GitHub API answer
API_LATENCY = _API_LATENCY  # and every other API's (arXiv, S2, Hugging Face, archive)
_BUSIEST_PERCENT = 17  # share of the generated links on the busiest host
_BUSIEST_LATENCY = 0.266  # seconds an answer from it takes (the reference world)
# One page of the shipped world answers after this many seconds: past the default 20 s
# timeout, within the longer retry's 40 s (issue 18).
SLOW_PAGE_SECONDS = 20.25


@dataclass(frozen=True)
class Rules:
    """The pacing the pipeline promises (its defaults) and the world's rules."""

    concurrency: int = 32
    per_host_concurrency: int = 16  # the most a far host gets (Little's law, capped)
    per_host_interval: float = 0.05
    arxiv_interval: float = 3.0
    github_batch: int = 50
    s2_interval: float = 1.0
    hf_interval: float = 0.2
    archive_interval: float = 1.0


@dataclass
class BenchWorld:
    """A list for the pipeline, one for lychee, and what the lower bound needs to know."""

    name: str
    pipeline_list: str
    lychee_list: str
    latency: dict[str, float]  # emulator host -> seconds per answer
    page_requests: Counter[str] = field(default_factory=Counter)  # host -> requests needed
    api_requests: dict[str, int] = field(default_factory=dict)  # "github"/"arxiv" -> requests
    extra_seconds: float = 0.0  # waits the rules force (retry backoff of flaky pages)
    slowest: float = 0.0  # seconds the slowest page takes to answer (none beats it)
    slow_url: str | None = None  # that page, as the pipeline's list writes it
    slow_lychee_url: str | None = None  # and as lychee's does
    settings: dict[str, object] = field(default_factory=dict)  # [tool.pipeline] for the run
    only: list[str] = field(default_factory=list)  # network stages to run (empty: all)
    dead: set[str] | None = None  # the URLs (as listed) that are really gone; None: not known
    sites: list[SiteHandler] = field(default_factory=list)

    def fresh(self) -> None:
        """The world as a new visitor finds it: each run (ours, lychee's) meets the same
        flaky pages and rate windows, not what an earlier run left."""
        for site in self.sites:
            site.forget()

    def lower_bound(self, rules: Rules, stages: list[str]) -> float:
        """Seconds no polite client can beat: the stages side by side, hosts in parallel,
        each host's first connection costing one latency more (the TLS handshake)."""
        parts = [0.0]
        if "github" in stages and self.api_requests.get("github"):
            batches = self.api_requests["github"]
            rounds = math.ceil(batches / rules.per_host_concurrency)
            parts.append((rounds + 1) * _API_LATENCY)
        if "arxiv" in stages and self.api_requests.get("arxiv"):
            # arXiv's rule runs from the end of one answer to the next request.
            calls = self.api_requests["arxiv"]
            parts.append((calls - 1) * rules.arxiv_interval + (calls + 1) * _API_LATENCY)
        if "scholarly" in stages and self.api_requests.get("s2"):
            # The batch, then the title matches, one a second; Hugging Face beside them.
            calls = self.api_requests["s2"]
            parts.append((calls - 1) * rules.s2_interval + (calls + 1) * _API_LATENCY)
        if "links" in stages:
            parts.append(self.links_bound(rules))
        after = 0.0
        if "archive" in stages and self.api_requests.get("archive"):
            # Archived copies are looked up once the links are judged, one a second.
            calls = self.api_requests["archive"]
            after = (calls - 1) * rules.archive_interval + (calls + 1) * _API_LATENCY
        # The candidates stage's citations add nothing: they fill S2's idle time beside the
        # rest of the run and stop when it is done.
        return max(parts) + after + self.extra_seconds

    def links_bound(self, rules: Rules) -> float:
        """The page checks alone: each host's pace and concurrency, and the global limit."""
        per_host = [
            self.latency[h]
            + max(
                math.ceil(n / rules.per_host_concurrency) * self.latency[h],
                (n - 1) * rules.per_host_interval + self.latency[h],
            )
            for h, n in self.page_requests.items()
        ]
        overall = sum(n * self.latency[h] for h, n in self.page_requests.items())
        return max([*per_host, overall / rules.concurrency, self.slowest, 0.0])

    def pacing_bound(self, rules: Rules) -> float:
        """The per-host pacing part alone (interval and per-host concurrency)."""
        return max(
            (n - 1) * rules.per_host_interval + self.latency[h]
            for h, n in self.page_requests.items()
        )


def _trust(emulator: Emulator) -> dict[str, object]:
    # The pipeline trusts the emulator's test CA here, and only here.
    return {"ca_bundle": str(emulator.ca_file)} if emulator.ca_file else {}


def _rewrite(text: str, base: dict[str, str], keep: set[str]) -> str:
    def swap(match: re.Match[str]) -> str:
        host = match.group(1).lower()
        if host in keep or host not in base:
            return match.group(0)
        return base[host] + (match.group(2) or "/")

    return _URL.sub(swap, text)


def shipped_world(emulator: Emulator, list_path: Path, seed: int = 7) -> BenchWorld:
    """The shipped list with its real URLs: arXiv and GitHub APIs, every page host at 50-400 ms.

    The pages and planted faults are tests/emulator/seed_world.py's; the pipeline
    reaches them through `host_map` (URLs unchanged), lychee through a rewritten copy.
    """
    rng = random.Random(seed)
    text = list_path.read_text(encoding="utf-8")
    arxiv = mount_arxiv(emulator, seed_arxiv_world(list_path))
    emulator.mount(ARXIV_HOST, delayed(arxiv, _API_LATENCY), prefix="/api/")
    github = seed_world(list_path)
    scholarly = seed_scholarly_world(list_path, github)
    api = mount_github(emulator, github)
    emulator.mount(GITHUB_API_HOST, delayed(api, _API_LATENCY))
    cdx_url, available_url = mount_archive(emulator, scholarly.archive, _API_LATENCY)
    hosts, checked = seed_pages(list_path)
    latency = {}
    for host, site in hosts.items():
        site["latency"] = max(site.get("latency", 0.0), round(rng.uniform(0.05, 0.4), 3))
        latency[host] = site["latency"]
        for spec in [site.get("default") or {}, *site.get("pages", {}).values()]:
            spec.setdefault("etag", '"v1"')
    slow_url = next(
        u
        for u in checked
        if u not in PLANTED
        and urlsplit(u).hostname not in ("github.com", "arxiv.org", "www.arxiv.org", _FLAKY_HOST)
    )
    slow = urlsplit(slow_url)
    slow_host = (slow.hostname or "").lower()
    # Site and page latencies add up: the page answers after SLOW_PAGE_SECONDS in all.
    hosts[slow_host]["pages"][slow.path or "/"]["latency"] = SLOW_PAGE_SECONDS - latency[slow_host]
    sites = load_world(emulator, World.from_dict({"hosts": hosts}))
    base = {host: emulator.base_url(host) for host in hosts}
    bench = BenchWorld("shipped list", text, _rewrite(text, base, keep=set()), latency)
    bench.sites = list(sites.values())
    bench.slowest = SLOW_PAGE_SECONDS + latency[slow_host]  # and the handshake before it
    bench.slow_url = slow_url
    bench.slow_lychee_url = _rewrite(slow_url, base, keep=set())
    scheme = "https://" if emulator.tls else ""
    bench.settings = {
        "arxiv_api_url": arxiv_url(emulator),
        "github_api_url": emulator.base_url(GITHUB_API_HOST),
        "s2_api_url": mount_s2(emulator, scholarly.s2, _API_LATENCY),
        "hf_api_url": mount_hf(emulator, scholarly.hf, _API_LATENCY),
        "wayback_cdx_url": cdx_url,
        "wayback_available_url": available_url,
        "host_map": {host: f"{scheme}{emulator.address(host)}:{emulator.port}" for host in hosts},
        **_trust(emulator),
    }
    bench.api_requests["github"] = math.ceil(len(linked_repos(list_path)) / 50)
    ids = {i for _, found in list_papers(text) for i in found}
    untitled = any(not found for _, found in list_papers(text))
    bench.api_requests["arxiv"] = math.ceil(len(ids) / 100) + int(untitled)
    # One S2 batch and a title match per conference-only paper; the planted dead page and
    # the deleted repository are looked up in the archive.
    bench.api_requests["s2"] = 1 + sum(1 for _, found in list_papers(text) if not found)
    bench.api_requests["archive"] = len(SEED_ARCHIVED) + 1
    distinct = {(urlsplit(u).hostname or "").lower() + urlsplit(u).path for u in checked}
    bench.page_requests.update(key.split("/", 1)[0] for key in distinct)
    return bench


def generated_world(
    emulator: Emulator, links: int = 10_000, hosts: int = 200, seed: int = 11
) -> BenchWorld:
    """`links` links over `hosts` hosts, each answering in its own 50-300 ms (a new
    connection costs as much again: the handshake); 1% dead (404), 1% flaky (503 once).

    Real lists are skewed (github.com and arxiv.org carry most links): as in the
    issue's reference world, the busiest host has 17% of the links (1,700 of
    10,000) and answers in 266 ms, the rest spread evenly. Its pacing sets the bound.
    """
    rng = random.Random(seed)
    names = [f"h{i}.bench" for i in range(hosts)]
    latency = {name: round(rng.uniform(0.05, 0.3), 3) for name in names}
    latency[names[0]] = _BUSIEST_LATENCY
    sites = {
        name: Site(default=Page(status=200, etag='"v1"'), latency=latency[name]) for name in names
    }
    lines = ["# Generated\n\n"]
    bench = BenchWorld(f"{links:,} links / {hosts} hosts", "", "", latency)
    dead: list[str] = []
    for i in range(links):
        host = names[0] if i % 100 < _BUSIEST_PERCENT else names[1 + i % (hosts - 1)]
        path = f"/p/{i}"
        roll = rng.random()
        if roll < 0.01:
            sites[host].pages[path] = Page(status=404)
            dead.append(f"https://{host}{path}")
            bench.page_requests[host] += 1  # HEAD 404 is confirmed by a GET
        elif roll < 0.02:
            sites[host].pages[path] = Page(status=200, flaky=1, etag='"v1"')
            bench.page_requests[host] += 1  # the retry
        bench.page_requests[host] += 1
        lines.append(f"- Paper {i}. [[paper](https://{host}{path})]\n")
    bench.sites = list(load_world(emulator, World(sites=sites)).values())
    bench.extra_seconds = 1.0  # a flaky page's one retry waits the default retry_backoff
    bench.settings = _trust(emulator)
    bench.only = ["links"]  # titles like "Paper 17" are not worth 10,000 arXiv title searches
    text = "".join(lines)
    base = {name: emulator.base_url(name) for name in names}
    bench.pipeline_list = bench.lychee_list = _rewrite(text, base, keep=set())
    bench.dead = {_rewrite(url, base, keep=set()) for url in dead}
    return bench


def throttled_world(
    emulator: Emulator, links: int = 150, limit: float = 5.0, latency: float = 0.1
) -> BenchWorld:
    """`links` links on one host that answers 429 with `Retry-After: 2` above `limit` a second.

    Like github.com's pages for a run without a token: the pace our defaults allow
    (20 a second) is four times what the host takes; the bound is the host's own limit.
    """
    host = "throttled.bench"
    site = Site(default=Page(status=200), latency=latency, rate_limit=limit)
    site.limit_retry_after = "2"
    handlers = load_world(emulator, World(sites={host: site}))
    text = "# Throttled\n\n" + "".join(
        f"- Paper {i}. [[code](https://{host}/repo/{i})]\n" for i in range(links)
    )
    bench = BenchWorld(f"{links} links / 1 host at {limit:g}/s", "", "", {host: latency})
    bench.page_requests[host] = links
    bench.extra_seconds = (links - 1) / limit - (links - 1) * Rules().per_host_interval
    bench.only = ["links"]
    bench.settings = _trust(emulator)
    bench.pipeline_list = bench.lychee_list = _rewrite(
        text, {host: emulator.base_url(host)}, keep=set()
    )
    bench.dead = set()
    bench.sites = list(handlers.values())
    return bench


def shared_world(emulator: Emulator, list_path: Path, seed: int = 5) -> BenchWorld:
    """Another maintainer's list (../shared/lists) where nothing is wrong: every page alive at
    50-300 ms, arXiv with every id it links, GitHub with every repo, Semantic Scholar with
    every paper at the venue the list names, Hugging Face with no code, the archive empty."""
    from bench.lists_world import world_titles  # the titles arXiv has: the list's sure ones
    from tests.emulator.arxiv_api import ArxivWorld, Paper
    from tests.emulator.github_api import FakeRepo, GitHubWorld
    from tests.emulator.scholarly_api import ArchiveWorld, HfWorld
    from tests.emulator.scholarly_world import agreeing_s2_world

    rng = random.Random(seed)
    text = list_path.read_text(encoding="utf-8")
    titles = world_titles(text, list_path.name)
    arxiv_world = ArxivWorld()
    # Every version the list links exists (a link to v4 of a paper with 2 is a real finding).
    linked = Counter[str]()
    for found in _ARXIV_VERSION.finditer(text):
        linked[found.group(1)] = max(linked[found.group(1)], int(found.group(2)))
    for arxiv_id, title in titles.items():
        arxiv_world.add(Paper(arxiv_id=arxiv_id, title=title, versions=max(2, linked[arxiv_id])))
    arxiv = mount_arxiv(emulator, arxiv_world)
    emulator.mount(ARXIV_HOST, delayed(arxiv, _API_LATENCY), prefix="/api/")
    github = GitHubWorld()
    for index, name in enumerate(linked_repos(list_path)):
        github.add(FakeRepo(id=500_000 + index, full_name=name))
    emulator.mount(GITHUB_API_HOST, delayed(mount_github(emulator, github), _API_LATENCY))
    s2 = agreeing_s2_world(list_path)
    cdx_url, available_url = mount_archive(emulator, ArchiveWorld(), _API_LATENCY)
    # arXiv and GitHub pages are served for lychee; the pipeline asks their APIs instead.
    api_verified = ("github.com", "arxiv.org", "www.arxiv.org")
    hosts: dict[str, dict[str, object]] = {}
    for url in _URL.finditer(text):
        host = url.group(1).lower()
        hosts.setdefault(host, {"default": {}, "latency": round(rng.uniform(0.05, 0.3), 3)})
    sites = load_world(emulator, World.from_dict({"hosts": hosts}))
    base = {host: emulator.base_url(host) for host in hosts}
    bench = BenchWorld(
        list_path.stem,
        text,
        _rewrite(text, base, keep=set()),
        {h: hosts[h]["latency"] for h in hosts},
    )
    bench.sites = list(sites.values())
    bench.dead = set()
    scheme = "https://" if emulator.tls else ""
    bench.settings = {
        "arxiv_api_url": arxiv_url(emulator),
        "github_api_url": emulator.base_url(GITHUB_API_HOST),
        "s2_api_url": mount_s2(emulator, s2, _API_LATENCY),
        "hf_api_url": mount_hf(emulator, HfWorld(), _API_LATENCY),
        "wayback_cdx_url": cdx_url,
        "wayback_available_url": available_url,
        "host_map": {h: f"{scheme}{emulator.address(h)}:{emulator.port}" for h in hosts},
        **_trust(emulator),
    }
    bench.api_requests["github"] = math.ceil(len(linked_repos(list_path)) / 50)
    bench.api_requests["arxiv"] = math.ceil(len(titles) / 100) + 1
    distinct = {(m.group(1).lower(), m.group(2) or "/") for m in _URL.finditer(text)}
    bench.page_requests.update(host for host, _ in distinct if host not in api_verified)
    return bench
