"""`make recall`: how much of each list the parse stage finds, against an independent count.

    python -m bench.recall [LISTS_DIR]   (default: ../shared/lists)

LISTS_DIR holds Markdown lists and an EXPECTED.json naming, for each file, every
distinct http(s) URL GitHub renders, the arXiv ids and the GitHub repositories
(`owner/name`, lower-case). The table compares the parse stage's links (entry
links and other links), ids and repos with it. No network.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from pipeline.stages.parse import parse_list
from pipeline.stages.resolve import arxiv_id_from_url, repo_from_url

__all__ = ["Recall", "main", "measure", "measure_dir", "render_table"]

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_LISTS = ROOT.parent / "shared" / "lists"
GOALS = {"url_recall": 0.995, "id_recall": 0.99, "repo_recall": 0.99}


@dataclass(frozen=True)
class Recall:
    """One list's row: what was expected, what was found, and what was missed."""

    name: str
    urls_expected: int
    url_recall: float
    url_precision: float
    id_recall: float
    repo_recall: float
    entries: int
    outside: int
    uncertain_titles: int
    unparsed_venues: int
    missed: tuple[str, ...]
    extra: tuple[str, ...]

    @property
    def meets_goals(self) -> bool:
        """Whether every recall meets its goal (URL 99.5%, ids and repos 99%)."""
        return all(getattr(self, name) >= goal for name, goal in GOALS.items())


def _share(found: set[str], wanted: set[str]) -> float:
    return len(found & wanted) / len(wanted) if wanted else 1.0


def measure(name: str, text: str, expected: dict[str, list[str]]) -> Recall:
    """Compare one list's parse with its expected URLs, arXiv ids and repos."""
    parsed = parse_list(text, name)
    links = [link for entry in parsed.entries for link in entry.links]
    links += parsed.other_links
    urls = {link.url for link in links if link.url.lower().startswith(("http://", "https://"))}
    ids = {found[0] for link in links if (found := arxiv_id_from_url(link.url))}
    # A repository named only by a badge image is not one the list links.
    repos = {repo.lower() for link in links if not link.image and (repo := repo_from_url(link.url))}
    wanted = set(expected.get("urls", []))
    return Recall(
        name=name,
        urls_expected=len(wanted),
        url_recall=_share(urls, wanted),
        url_precision=len(urls & wanted) / len(urls) if urls else 1.0,
        id_recall=_share(ids, set(expected.get("arxiv_ids", []))),
        repo_recall=_share(repos, set(expected.get("github_repos", []))),
        entries=len(parsed.entries),
        outside=sum(1 for link in parsed.other_links if not link.image),
        uncertain_titles=sum(1 for entry in parsed.entries if "title" in entry.uncertain),
        unparsed_venues=sum(1 for f in parsed.findings if f.code == "unparsed-venue"),
        missed=tuple(sorted(wanted - urls)),
        extra=tuple(sorted(urls - wanted)),
    )


def measure_dir(folder: Path) -> list[Recall]:
    """A row for every list that EXPECTED.json in `folder` describes."""
    expected = json.loads((folder / "EXPECTED.json").read_text(encoding="utf-8"))["files"]
    return [
        measure(name, (folder / name).read_text(encoding="utf-8"), counts)
        for name, counts in sorted(expected.items())
    ]


def render_table(rows: list[Recall]) -> str:
    """The rows as a Markdown table, one list a row."""
    lines = [
        "| list | URLs | URL recall | URL precision | arXiv id recall | repo recall "
        "| entries | links outside entries | titles only guessed | unparsed venues |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row.name.removesuffix('.md')} | {row.urls_expected} "
            f"| {row.url_recall:.1%} | {row.url_precision:.1%} | {row.id_recall:.1%} "
            f"| {row.repo_recall:.1%} | {row.entries} | {row.outside} "
            f"| {row.uncertain_titles} | {row.unparsed_venues} |"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Print the table and the misses; exit 1 when a list misses a goal."""
    folder = Path(argv[0]) if argv else DEFAULT_LISTS
    if not (folder / "EXPECTED.json").is_file():
        print(f"Error: {folder}/EXPECTED.json not found", file=sys.stderr)
        return 2
    rows = measure_dir(folder)
    print(render_table(rows))
    for row in rows:
        for label, urls in (("missed", row.missed), ("not expected", row.extra)):
            for url in urls[:10]:
                print(f"  {row.name}: {label}: {url}")
            if len(urls) > 10:
                print(f"  {row.name}: {label}: … {len(urls) - 10} more")
    return 0 if all(row.meets_goals for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
