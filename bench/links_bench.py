"""Benchmark the links stage: 1,000 links over 50 emulated hosts with 50-300 ms latency.

    .venv/bin/python bench/links_bench.py [--links 1000] [--hosts 50] [--seed 1]

The emulator runs in its own process (`python -m tests.emulator`), so the peak
memory printed is the pipeline's alone. A second run inside the cache TTL
shows what the cache saves.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.config import Settings  # noqa: E402
from pipeline.context import RunContext  # noqa: E402
from pipeline.model import Catalog  # noqa: E402
from pipeline.net import open_client  # noqa: E402
from pipeline.stages.links import check_links, links_summary  # noqa: E402
from tests.links_helpers import catalog_of  # noqa: E402


def _world(hosts: int, links: int, rng: random.Random) -> tuple[dict, list[tuple[str, str]]]:
    sites: dict[str, dict] = {}
    targets = []
    for i in range(links):
        host = f"host{i % hosts:02d}.example"
        path = f"/paper/{i}"
        roll = rng.random()
        page: dict = {"latency": round(rng.uniform(0.05, 0.3), 3)}
        if roll < 0.05:
            page["status"] = 404
        elif roll < 0.10:
            page.update(status=301, redirect=f"/new/{i}")
        elif roll < 0.15:
            page["head_status"] = 405
        sites.setdefault(host, {"pages": {}})["pages"][path] = page
        sites[host].setdefault("default", {"latency": 0.05})
        targets.append((host, path))
    return {"hosts": sites}, targets


async def _run(catalog: Catalog, settings: Settings) -> tuple[Catalog, RunContext, float]:
    started = time.perf_counter()
    async with open_client(settings) as net:
        ctx = RunContext(settings=settings, now=datetime.now(UTC), net=net)
        checked = await check_links(catalog, ctx)
    return checked, ctx, time.perf_counter() - started


def main() -> None:
    """Generate the world, serve it, run the stage twice, print the numbers."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--links", type=int, default=1000)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    world, targets = _world(args.hosts, args.links, random.Random(args.seed))
    with tempfile.TemporaryDirectory() as tmp:
        world_file = Path(tmp) / "world.json"
        world_file.write_text(json.dumps(world))
        server = subprocess.Popen(
            [sys.executable, "-m", "tests.emulator", "--world", str(world_file)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.stdout is not None
            bases = dict(server.stdout.readline().rstrip("\n").split("\t") for _ in world["hosts"])
            urls = [bases[host] + path for host, path in targets]
            settings = Settings(cache_dir=Path(tmp) / "cache", quiet=True)
            catalog = catalog_of(*urls)
            for label in ("cold", "warm (cache)"):
                checked, ctx, seconds = await_run(catalog, settings)
                peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                print(
                    f"{label:>13}: {seconds:6.2f} s wall, "
                    f"{ctx.counters['requests:links']} requests, peak RSS {peak_mib:.0f} MiB"
                )
                print(f"{'':>13}  {links_summary(checked, ctx, seconds)}")
        finally:
            server.send_signal(signal.SIGINT)
            out, _ = server.communicate(timeout=10)
            print(f"{'emulator':>13}: {out.strip()}")


def await_run(catalog: Catalog, settings: Settings) -> tuple[Catalog, RunContext, float]:
    """Run the stage once in a fresh event loop."""
    return asyncio.run(_run(catalog, settings))


if __name__ == "__main__":
    main()
