"""What changed since the last run: entries, link verdicts, stars, and the headline numbers.

Links are matched by (entry key, URL as written), repositories by GitHub's
numeric id when both runs have it (it survives renames), else by the key.
"""

from __future__ import annotations

from pydantic import BaseModel

from pipeline.model import Catalog, Entry, FetchStatus, Link, Severity, Verdict

__all__ = [
    "METRICS",
    "CatalogDiff",
    "EntryRef",
    "LinkChange",
    "StarMove",
    "catalog_metrics",
    "diff_catalogs",
    "metric_changes",
]

# The summary table's rows, in order: (key, label).
METRICS: tuple[tuple[str, str], ...] = (
    ("entries", "Entries"),
    ("links", "Links"),
    ("links_outside", "Links outside entries"),
    ("links_ok", "Links ok"),
    ("links_moved", "Links moved"),
    ("links_dead", "Links dead"),
    ("links_blocked", "Links blocked"),
    ("links_unverified", "Links unverified"),
    ("links_unchecked", "Links not checked"),
    ("arxiv_resolved", "arXiv records resolved"),
    ("repos", "Repos"),
    ("stars", "Total stars"),
    ("errors", "Findings: errors"),
    ("warnings", "Findings: warnings"),
)


class EntryRef(BaseModel):
    """An entry named in the diff."""

    key: str
    title: str
    line: int


class LinkChange(BaseModel):
    """A link whose verdict changed."""

    entry_key: str
    title: str
    line: int
    url: str
    before: str | None
    after: str
    final_url: str | None = None


class StarMove(BaseModel):
    """A repository's star count then and now."""

    repo: str
    url: str | None
    before: int
    after: int
    delta: int


class CatalogDiff(BaseModel):
    """Everything that changed between the previous catalog and this one."""

    first_run: bool = False
    new_entries: list[EntryRef] = []
    removed_entries: list[EntryRef] = []
    newly_dead: list[LinkChange] = []
    recovered: list[LinkChange] = []
    newly_moved: list[LinkChange] = []
    star_movers: list[StarMove] = []


def _verdict(link: Link) -> Verdict | None:
    return link.health.verdict if link.health else None


# The "entry" of a link outside every entry, in the diff's link tables.
_OUTSIDE = "(outside entries)"


def _links(catalog: Catalog) -> dict[tuple[str, str], tuple[Entry | None, Link]]:
    titles = {e.key: e for e in catalog.entries}
    return {
        (key or _OUTSIDE, link.url): (titles[key] if key else None, link)
        for key, link in catalog.iter_links()
    }


def _ref(entry: Entry) -> EntryRef:
    return EntryRef(key=entry.key, title=entry.title, line=entry.line)


def _change(entry: Entry | None, link: Link, before: Verdict | None) -> LinkChange:
    after = _verdict(link)
    return LinkChange(
        entry_key=entry.key if entry else "",
        title=entry.title if entry else _OUTSIDE,
        line=link.line,
        url=link.url,
        before=before.value if before else None,
        after=after.value if after else "",
        final_url=link.health.final_url if link.health else None,
    )


def _was_failing(link: Link) -> bool:
    health = link.health
    return health is not None and (
        health.verdict is Verdict.DEAD or health.persistently_unreachable
    )


def _star_movers(previous: Catalog, current: Catalog) -> list[StarMove]:
    before_by_id = {r.repo_id: r for r in previous.repos.values() if r.repo_id is not None}
    moves: dict[str, StarMove] = {}
    for key, record in current.repos.items():
        if record.proposed:
            continue  # not the list's: a code link the report only proposes
        old = before_by_id.get(record.repo_id) if record.repo_id is not None else None
        old = old or previous.repos.get(key)
        if old is None or old.stars is None or record.stars is None:
            continue
        if record.status is not FetchStatus.OK or record.stars == old.stars:
            continue
        name = record.full_name or record.linked_as
        moves[name.lower()] = StarMove(
            repo=name,
            url=record.url,
            before=old.stars,
            after=record.stars,
            delta=record.stars - old.stars,
        )
    return sorted(moves.values(), key=lambda m: (-abs(m.delta), m.repo.lower()))


def diff_catalogs(previous: Catalog | None, current: Catalog) -> CatalogDiff:
    """The changes from `previous` (None on the first run) to `current`."""
    if previous is None:
        return CatalogDiff(first_run=True)
    old_keys = {e.key: e for e in previous.entries}
    new_keys = {e.key: e for e in current.entries}
    diff = CatalogDiff(
        new_entries=[_ref(e) for e in current.entries if e.key not in old_keys],
        removed_entries=[_ref(e) for e in previous.entries if e.key not in new_keys],
        star_movers=_star_movers(previous, current),
    )
    old_links = _links(previous)
    for ident, (entry, link) in _links(current).items():
        verdict = _verdict(link)
        if ident not in old_links or verdict is None:
            continue
        old_link = old_links[ident][1]
        before = _verdict(old_link)
        if verdict is Verdict.DEAD and before is not Verdict.DEAD:
            diff.newly_dead.append(_change(entry, link, before))
        elif verdict is Verdict.OK and _was_failing(old_link):
            diff.recovered.append(_change(entry, link, before))
        elif verdict is Verdict.MOVED and before is not Verdict.MOVED:
            diff.newly_moved.append(_change(entry, link, before))
    return diff


def _unique_repos(catalog: Catalog) -> dict[object, int | None]:
    """Stars by repository, a repo linked under two spellings counted once."""
    seen: dict[object, int | None] = {}
    for key, record in catalog.repos.items():
        if record.proposed:
            continue
        ident: object = record.repo_id if record.repo_id is not None else key
        seen[ident] = record.stars
    return seen


def catalog_metrics(catalog: Catalog) -> dict[str, int]:
    """The headline numbers of a catalog (the summary table's "now" column)."""
    verdicts = [_verdict(link) for _, link in catalog.iter_links()]
    repos = _unique_repos(catalog)
    resolved = (FetchStatus.OK, FetchStatus.STALE)
    return {
        "entries": len(catalog.entries),
        "links": len(verdicts),
        "links_outside": len(catalog.other_links),
        "links_ok": verdicts.count(Verdict.OK),
        "links_moved": verdicts.count(Verdict.MOVED),
        "links_dead": verdicts.count(Verdict.DEAD),
        "links_blocked": verdicts.count(Verdict.BLOCKED),
        "links_unverified": verdicts.count(Verdict.UNVERIFIED),
        "links_unchecked": verdicts.count(None),
        "arxiv_resolved": sum(
            1 for e in catalog.entries if e.arxiv is not None and e.arxiv.status in resolved
        ),
        "repos": len(repos),
        "stars": sum(stars for stars in repos.values() if stars is not None),
        "errors": sum(1 for f in catalog.findings if f.severity is Severity.ERROR),
        "warnings": sum(1 for f in catalog.findings if f.severity is Severity.WARNING),
    }


def metric_changes(
    current: dict[str, int], previous: dict[str, int] | None
) -> dict[str, int | None]:
    """Each metric's change since the previous run (None when there was no previous run)."""
    if previous is None:
        return dict.fromkeys(current)
    return {key: value - previous.get(key, 0) for key, value in current.items()}
