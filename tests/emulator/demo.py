"""`make demo`: the whole pipeline against the emulated world of the shipped list.

No network needed: the arXiv API, GitHub's APIs and every linked page are
served on loopback (tests/emulator/seed_world.py). Outputs go to
`cache/demo/` so the real `data/` is untouched.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from pipeline.cli import app
from tests.emulator.seed_world import mount_seed_world
from tests.emulator.server import Emulator


def main(argv: list[str] | None = None) -> int:
    """Serve the seed world, run `pipeline refresh` against it, and say where the outputs are."""
    parser = argparse.ArgumentParser(prog="python -m tests.emulator.demo", description=__doc__)
    parser.add_argument("--input", type=Path, default=Path("data/awesome-list.md"))
    parser.add_argument("--output-dir", type=Path, default=Path("cache/demo"))
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per page answer")
    parser.add_argument("--warm", action="store_true", help="keep the last demo's cache")
    args = parser.parse_args(argv)
    if not args.warm:
        # A newcomer's first run is cold: start from nothing each time.
        shutil.rmtree(args.output_dir, ignore_errors=True)
    with Emulator() as emulator:
        world = mount_seed_world(emulator, args.input, latency=args.latency)
        env = {
            "ARXIV_API_URL": world.settings["arxiv_api_url"],
            "GITHUB_API_URL": world.settings["github_api_url"],
            "PIPELINE_HOST_MAP": json.dumps(world.settings["host_map"]),
            "PIPELINE_CACHE_DIR": str(args.output_dir / "cache"),
            "PIPELINE_ARXIV_INTERVAL": "1",  # the real API wants 3 s; a demo should be quick
            "PIPELINE_S2_INTERVAL": "0.2",  # and S2 one a second
            "GITHUB_TOKEN": "demo-token",  # the emulator takes any token: GraphQL batches
            **{
                f"PIPELINE_{name.upper()}": world.settings[name]
                for name in ("s2_api_url", "hf_api_url", "wayback_cdx_url", "wayback_available_url")
            },
        }
        print(
            f"emulated world: {len(world.settings['host_map'])} page hosts, arXiv, GitHub, "
            "Semantic Scholar, Hugging Face and Wayback APIs"
        )
        started = time.monotonic()
        result = CliRunner().invoke(
            app,
            ["refresh", "--input", str(args.input), "--output-dir", str(args.output_dir)],
            env=env,
        )
        print(result.output, end="")
        print(f"{len(emulator.requests)} requests served in {time.monotonic() - started:.1f} s")
    outputs = sorted(p for p in args.output_dir.glob("[!.]*") if p.is_file())
    print("outputs:")
    for path in outputs:
        print(f"  {path}")
    report = args.output_dir / "report.md"
    if report.exists():
        print(f"read the report: {report}")
    return result.exit_code


if __name__ == "__main__":
    os.environ.pop("CI", None)  # CliRunner output is not a terminal anyway
    sys.exit(main())
