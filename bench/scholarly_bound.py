"""Does the scholarly stage make a run longer than the arXiv stage's own bound?

    python -m bench.scholarly_bound [LISTS_DIR]   (default: ../shared/lists)

For every shared list, in its emulated world (bench/lists_world.py: every
page alive, arXiv with every id, Semantic Scholar agreeing with the list,
Hugging Face with no code), two cold runs at the real services' pacing
(arXiv one request every 3 s, Semantic Scholar one a second, Hugging Face
two at a time 0.2 s apart): `--only arxiv`, then `--only arxiv --only
scholarly`. Prints both wall times, their ratio, and the requests the
scholarly stage sent (S2 calls, Hugging Face calls). Links and GitHub are
left out: they overlap both runs alike.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from bench.lists_world import each_list, world_titles
from bench.recall import DEFAULT_LISTS
from pipeline.config import load_settings
from pipeline.runner import refresh
from tests.emulator.list_world import mount_list_world

__all__ = ["main"]


def _run(world: dict, listing: Path, folder: Path, stages: list[str]) -> tuple[float, dict]:
    settings = load_settings(
        {
            "input": listing,
            "output_dir": folder / "out",
            "cache_dir": folder / "cache",
            **{k: v for k, v in world.items() if k.endswith("_url")},
            "host_map": world["host_map"],
            "quiet": True,
        },
        env={},
        project_dir=folder,
    )
    started = time.monotonic()
    outcome = asyncio.run(refresh(settings, stages=stages))
    return time.monotonic() - started, outcome.catalog.stats.requests


def main(argv: list[str]) -> int:
    """Print the table; exit 1 when the scholarly stage makes a run 10% longer than arXiv's."""
    folder = Path(argv[0]) if argv else DEFAULT_LISTS
    print("| list | arXiv alone s | with scholarly s | ratio | S2 requests | HF requests |")
    print("|---|---:|---:|---:|---:|---:|")
    worst = 0.0
    for emulator, listing in each_list(folder):
        text = listing.read_text(encoding="utf-8")
        world = mount_list_world(emulator, listing, world_titles(text, listing.name))
        alone, _ = _run(world, listing, listing.parent / "alone", ["arxiv"])
        both, sent = _run(world, listing, listing.parent / "both", ["arxiv", "scholarly"])
        ratio = both / alone if alone else 0.0
        worst = max(worst, both - alone - 0.1 * alone)
        print(
            f"| {listing.stem} | {alone:.1f} | {both:.1f} | {ratio:.2f} "
            f"| {sent.get('s2', 0)} | {sent.get('huggingface', 0)} |"
        )
    return 0 if worst <= 1.0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
