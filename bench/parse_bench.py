"""Benchmark the parse stage on large lists: time and peak memory at several sizes.

    .venv/bin/python bench/parse_bench.py [--mb 1 10] [--list data/awesome-list.md]

Each size is the list repeated to about that many MB, parsed in a child
process of its own so that its peak RSS is its own. Prints one Markdown row
per size: MB, entries, links, markdown-it seconds, whole-parse seconds, peak
RSS, and seconds and MB per input MB (flat when cost grows linearly).
Goals: 1 MB under 2 s, 10 MB under 20 s. Then two shapes (issue 19): one paragraph of
80,000 links with escaped destinations (goal: under 10 s), and a 10 MB list written as
an HTML table (goal: under 20 s, as for Markdown).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _measure(list_path: Path, mb: float) -> dict[str, float]:
    """Parse the list repeated to `mb` MB in this process; the numbers as a dict."""
    from markdown_it import MarkdownIt

    from pipeline.stages.parse import parse_list, read_list

    one = read_list(list_path)
    copies = max(1, int(mb * 1_000_000 / max(1, len(one.encode()))) + 1)
    text = "\n".join([one] * copies)
    started = time.perf_counter()
    MarkdownIt("commonmark", {"html": True}).enable("table").parse(text)
    markdown_seconds = time.perf_counter() - started
    started = time.perf_counter()
    parsed = parse_list(text, str(list_path))
    seconds = time.perf_counter() - started
    links = sum(len(e.links) for e in parsed.entries) + len(parsed.other_links)
    return {
        "mb": len(text.encode()) / 1e6,
        "entries": len(parsed.entries),
        "links": links,
        "markdown_s": markdown_seconds,
        "parse_s": seconds,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def escaped_block(count: int) -> str:
    """One paragraph of `count` links whose destinations hold escapes and an entity."""
    return "".join(f"[p{i}](https://e.com/p\\(x\\)?a={i}&amp;b=2)\n" for i in range(count))


def html_table(megabytes: float) -> str:
    """A list written as one HTML table, one row a paper, about `megabytes` MB."""
    rows: list[str] = []
    size, i = 0, 0
    while size < megabytes * 1_000_000:
        row = (
            f'<tr><td><a href="https://arxiv.org/abs/2401.{i % 99999:05d}">Paper {i}</a></td>'
            f'<td><a href="https://github.com/o{i}/r">code</a></td></tr>\n'
        )
        rows.append(row)
        size, i = size + len(row), i + 1
    return "# List\n\n<table>\n" + "".join(rows) + "</table>\n"


def _measure_shape(shape: str) -> dict[str, float]:
    from pipeline.stages.parse import parse_list

    text = escaped_block(80_000) if shape == "escaped" else html_table(10.0)
    started = time.perf_counter()
    parsed = parse_list(text, shape)
    seconds = time.perf_counter() - started
    links = sum(len(e.links) for e in parsed.entries) + len(parsed.other_links)
    return {"mb": len(text.encode()) / 1e6, "links": links, "parse_s": seconds}


def main() -> None:
    """Measure every size in a child process and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument("--list", type=Path, default=ROOT / "data" / "awesome-list.md")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--shape", choices=["escaped", "html-table"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        row = _measure_shape(args.shape) if args.shape else _measure(args.list, args.mb[0])
        print(json.dumps(row))
        return
    print(f"Parse stage on {args.list.name} repeated (goals: 1 MB < 2 s, 10 MB < 20 s)\n")
    print(
        "| MB | entries | links | markdown-it s | parse s | peak RSS MB "
        "| s per MB | RSS MB per MB |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for mb in args.mb:
        command = [sys.executable, __file__, "--child", "--mb", str(mb), "--list", str(args.list)]
        row = json.loads(subprocess.run(command, check=True, capture_output=True).stdout)
        print(
            f"| {row['mb']:.1f} | {row['entries']:,} | {row['links']:,} "
            f"| {row['markdown_s']:.1f} | {row['parse_s']:.1f} | {row['peak_mb']:.0f} "
            f"| {row['parse_s'] / row['mb']:.2f} | {row['peak_mb'] / row['mb']:.0f} |"
        )

    print("\n| shape | MB | links | parse s | goal |")
    print("|---|---:|---:|---:|---|")
    for shape, goal in (("escaped", "< 10 s"), ("html-table", "< 20 s")):
        command = [sys.executable, __file__, "--child", "--shape", shape]
        row = json.loads(subprocess.run(command, check=True, capture_output=True).stdout)
        name = "80,000 escaped links, one block" if shape == "escaped" else "HTML-table list"
        print(f"| {name} | {row['mb']:.1f} | {row['links']:,} | {row['parse_s']:.1f} | {goal} |")


if __name__ == "__main__":
    main()
