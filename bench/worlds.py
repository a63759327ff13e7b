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

from tests.emulator import Emulator, Page, Site, World, load_world
from tests.emulator.github_api import HOST as GITHUB_API_HOST
from tests.emulator.github_api import linked_repos, mount_github, seed_world
from tests.emulator.server import Request, Response

__all__ = ["BenchWorld", "Rules", "generated_world", "shipped_world"]

_URL = re.compile(r"https?://([A-Za-z0-9.-]+)(/[^\s)\]>\"'<]*)?")
_API_LATENCY = 0.1  # seconds per GitHub API answer


@dataclass(frozen=True)
class Rules:
    """The pacing the pipeline promises (its defaults) and the world's rules."""

    concurrency: int = 32
    per_host_concurrency: int = 4
    per_host_interval: float = 0.05
    arxiv_interval: float = 3.0
    github_batch: int = 50


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

    def lower_bound(self, rules: Rules, stages: list[str]) -> float:
        """Seconds no polite client can beat: stages in order, hosts in parallel within one."""
        total = 0.0
        if "github" in stages and self.api_requests.get("github"):
            batches = self.api_requests["github"]
            total += math.ceil(batches / rules.per_host_concurrency) * _API_LATENCY
        if "arxiv" in stages and self.api_requests.get("arxiv"):
            total += (self.api_requests["arxiv"] - 1) * rules.arxiv_interval + _API_LATENCY
        per_host = [
            max(
                math.ceil(n / rules.per_host_concurrency) * self.latency[h],
                (n - 1) * rules.per_host_interval + self.latency[h],
            )
            for h, n in self.page_requests.items()
        ]
        overall = sum(n * self.latency[h] for h, n in self.page_requests.items())
        links = max([*per_host, overall / rules.concurrency, 0.0])
        return total + links + self.extra_seconds

    def pacing_bound(self, rules: Rules) -> float:
        """The per-host pacing part alone (interval and per-host concurrency)."""
        return max(
            (n - 1) * rules.per_host_interval + self.latency[h]
            for h, n in self.page_requests.items()
        )


def _rewrite(text: str, base: dict[str, str], keep: set[str]) -> str:
    def swap(match: re.Match[str]) -> str:
        host = match.group(1).lower()
        if host in keep or host not in base:
            return match.group(0)
        return base[host] + (match.group(2) or "/")

    return _URL.sub(swap, text)


def _with_delay(handler, delay: float):
    def answer(request: Request) -> Response:
        response = handler(request)
        response.delay = delay
        return response

    return answer


def shipped_world(emulator: Emulator, list_path: Path, seed: int = 7) -> BenchWorld:
    """The shipped list: 50-400 ms per host, ETags on every page, GitHub API emulated."""
    rng = random.Random(seed)
    text = list_path.read_text(encoding="utf-8")
    urls = {(m.group(1).lower(), m.group(2) or "/") for m in _URL.finditer(text)}
    hosts = sorted({host for host, _ in urls})
    latency = {host: round(rng.uniform(0.05, 0.4), 3) for host in hosts}
    page = Page(status=200, etag='"v1"')
    world = World(sites={h: Site(default=page, latency=latency[h]) for h in hosts})
    load_world(emulator, world)
    api = mount_github(emulator, seed_world(list_path))
    emulator.mount(GITHUB_API_HOST, _with_delay(api, _API_LATENCY))
    base = {host: emulator.base_url(host) for host in hosts}
    pipeline_list = _rewrite(text, base, keep={"github.com", "www.github.com"})
    lychee_list = _rewrite(text, base, keep=set())
    bench = BenchWorld("shipped list", pipeline_list, lychee_list, latency)
    bench.api_requests["github"] = math.ceil(len(linked_repos(list_path)) / 50)
    distinct = {(h, p) for h, p in urls if h not in ("github.com", "www.github.com")}
    bench.page_requests.update(h for h, _ in distinct)
    return bench


def generated_world(
    emulator: Emulator, links: int = 10_000, hosts: int = 200, seed: int = 11
) -> BenchWorld:
    """`links` links over `hosts` hosts, 5 ms each; 1% dead (404), 1% flaky (503 once)."""
    rng = random.Random(seed)
    names = [f"h{i}.bench" for i in range(hosts)]
    sites = {name: Site(default=Page(status=200, etag='"v1"'), latency=0.005) for name in names}
    lines = ["# Generated\n\n"]
    bench = BenchWorld(f"{links:,} links / {hosts} hosts", "", "", dict.fromkeys(names, 0.005))
    for i in range(links):
        host = names[i % hosts]
        path = f"/p/{i}"
        roll = rng.random()
        if roll < 0.01:
            sites[host].pages[path] = Page(status=404)
            bench.page_requests[host] += 1  # HEAD 404 is confirmed by a GET
        elif roll < 0.02:
            sites[host].pages[path] = Page(status=200, flaky=1, etag='"v1"')
            bench.page_requests[host] += 1  # the retry
        bench.page_requests[host] += 1
        lines.append(f"- Paper {i}. [[paper](https://{host}{path})]\n")
    load_world(emulator, World(sites=sites))
    bench.extra_seconds = 1.0  # a flaky page's one retry waits the default retry_backoff
    text = "".join(lines)
    base = {name: emulator.base_url(name) for name in names}
    bench.pipeline_list = bench.lychee_list = _rewrite(text, base, keep=set())
    return bench
