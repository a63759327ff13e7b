"""`make recall` part two: each shared list refreshed in a world where nothing is wrong.

    python -m bench.lists_world [LISTS_DIR]   (default: ../shared/lists)

For every list in LISTS_DIR the loopback emulator serves every link alive
(pages, GitHub repos) and every arXiv id the list links. A paper's arXiv
title is the title the list gives it where the parser read that title with
confidence; where it only guessed, arXiv's title is deliberately unrelated,
so a finding that compared a guessed field would show here. A venue comment
is never set, so every venue finding is a false alarm too. Prints one row a
list: entries, the field findings (title mismatches, venue updates,
unparsed venues) and their share of the entries, and every verdict that is
not ok (a link the parser mangled would not be served).
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from bench.recall import DEFAULT_LISTS
from pipeline.config import load_settings
from pipeline.model import Catalog
from pipeline.runner import refresh
from pipeline.stages.arxiv.match import normalize_title
from pipeline.stages.parse import parse_list
from pipeline.stages.resolve import resolve_entries, resolve_other_links
from pipeline.stages.scholarly.venues import is_preprint
from tests.emulator import Emulator
from tests.emulator.list_world import mount_list_world

__all__ = ["each_list", "main", "world_titles"]

_FIELD_CODES = ("title-mismatch", "venue-update", "unparsed-venue", "published", "venue-disagrees")


def world_titles(text: str, name: str) -> dict[str, str]:
    """arXiv id -> the title arXiv has in the world: the list's own where it was read surely."""
    parsed = parse_list(text, name)
    entries, _ = resolve_entries(parsed)
    titles: dict[str, str] = {}
    for entry in entries:
        for link in entry.links:
            if link.arxiv_id and link.arxiv_id not in titles:
                sure = entry.title and "title" not in entry.uncertain
                titles[link.arxiv_id] = entry.title if sure else f"Unrelated Work {link.arxiv_id}"
    for link in resolve_other_links(parsed):
        if link.arxiv_id:
            titles.setdefault(link.arxiv_id, f"Unrelated Work {link.arxiv_id}")
    return titles


def _run(
    emulator: Emulator, listing: Path, folder: Path
) -> tuple[int, Counter[str], Counter[str], float]:
    text = listing.read_text(encoding="utf-8")
    world = mount_list_world(emulator, listing, world_titles(text, listing.name))
    settings = load_settings(
        {
            "input": listing,
            "output_dir": folder / "out",
            "cache_dir": folder / "cache",
            **{k: v for k, v in world.items() if k.endswith("_url")},
            "host_map": world["host_map"],
            "github_token": "lists-world-token",
            "arxiv_interval": 0.0,
            "s2_interval": 0.0,
            "hf_interval": 0.0,
            "per_host_interval": 0.0,
            "quiet": True,
        },
        env={},
        project_dir=folder,
    )
    started = time.monotonic()
    outcome = asyncio.run(refresh(settings))
    seconds = time.monotonic() - started
    catalog = outcome.catalog
    codes = Counter(f.code for f in catalog.findings if f.code in _FIELD_CODES)
    codes["own"] = _own_inconsistencies(catalog)
    verdicts = Counter(
        link.health.verdict.value for _, link in catalog.iter_links() if link.health is not None
    )
    return len(catalog.entries), codes, verdicts, seconds


def _own_inconsistencies(catalog: Catalog) -> int:
    """`published` findings where the list itself names the paper's venue in another entry
    (the same arXiv id or title): true findings about the list, not false alarms."""
    named: set[str] = set()
    for entry in catalog.entries:
        if entry.venue and not is_preprint(entry.venue):
            named.update(filter(None, (entry.arxiv_id, normalize_title(entry.title))))
    keys = {entry.key: entry for entry in catalog.entries}
    return sum(
        1
        for f in catalog.findings
        if f.code == "published"
        and (entry := keys.get(f.entry_key or "")) is not None
        and (entry.arxiv_id in named or normalize_title(entry.title) in named)
    )


def each_list(folder: Path, *, tls: bool = False) -> Iterator[tuple[Emulator, Path]]:
    """Each list of `folder` copied into a scratch folder of its own, with a fresh emulator
    (serving HTTPS with `tls`, as `make bench`'s worlds do)."""
    lists = sorted(p for p in folder.glob("*.md") if p.name != "README.md")
    with Emulator(tls=tls) as emulator, tempfile.TemporaryDirectory() as scratch:
        for listing in lists:
            emulator.reset()
            work = Path(scratch) / listing.stem
            work.mkdir()
            shutil.copy(listing, work / listing.name)
            yield emulator, work / listing.name


def main(argv: list[str]) -> int:
    """Print the table; exit 1 when a list's field findings pass 1% of its entries."""
    folder = Path(argv[0]) if argv else DEFAULT_LISTS
    print(
        "| list | entries | title mismatches | venue updates | unparsed venues "
        "| published (the list's own) / venue disagrees | share | not ok | seconds |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|---:|")
    worst = 0.0
    for emulator, listing in each_list(folder):
        entries, codes, verdicts, seconds = _run(emulator, listing, listing.parent)
        # A paper called arXiv here and CVPR there is the list's own inconsistency.
        alarms = sum(codes[c] for c in _FIELD_CODES) - codes["own"]
        share = alarms / entries if entries else 0.0
        worst = max(worst, share)
        bad = ", ".join(f"{n} {v}" for v, n in sorted(verdicts.items()) if v != "ok") or "-"
        print(
            f"| {listing.stem} | {entries} | {codes['title-mismatch']} "
            f"| {codes['venue-update']} | {codes['unparsed-venue']} "
            f"| {codes['published']} ({codes['own']}) / {codes['venue-disagrees']} "
            f"| {share:.1%} "
            f"| {bad} | {seconds:.1f} |"
        )
    return 0 if worst <= 0.01 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
