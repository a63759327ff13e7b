"""Benchmark the parse stage on a large list: the seed list repeated to about 5 MB.

    .venv/bin/python bench/parse_bench.py [--mb 5] [--list data/awesome-list.md]

Prints size, entries, findings, and the seconds of markdown-it alone and of the
whole parse (markdown-it plus our walk, fields and lint).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from markdown_it import MarkdownIt  # noqa: E402

from pipeline.stages.parse import parse_list, read_list  # noqa: E402


def main() -> None:
    """Run the benchmark once and print one line of numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=5.0)
    parser.add_argument("--list", type=Path, default=ROOT / "data" / "awesome-list.md")
    args = parser.parse_args()
    one = read_list(args.list)
    copies = max(1, int(args.mb * 1_000_000 / max(1, len(one.encode()))) + 1)
    text = "\n".join([one] * copies)
    started = time.perf_counter()
    MarkdownIt("commonmark", {"html": True}).enable("table").parse(text)
    markdown_seconds = time.perf_counter() - started
    started = time.perf_counter()
    parsed = parse_list(text, str(args.list))
    seconds = time.perf_counter() - started
    print(
        f"{len(text.encode()) / 1e6:.1f} MB ({copies} copies of {args.list.name}): "
        f"{len(parsed.entries)} entries, {len(parsed.findings)} findings; "
        f"markdown-it {markdown_seconds:.1f} s, parse_list {seconds:.1f} s"
    )


if __name__ == "__main__":
    main()
