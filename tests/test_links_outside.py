"""Links outside entries: checked like entry links, reported, badges skipped by a stated rule."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import urlsplit

from pipeline.model import Catalog, Link, LinkKind, Verdict
from pipeline.runner import refresh
from tests.emulator import Emulator, World, load_world
from tests.links_helpers import NOW, fast_settings, run_links


def _other(url: str, *, image: bool = False) -> Link:
    return Link(
        label="image" if image else "link",
        url=url,
        line=3,
        column=5,
        image=image,
        section=["Related"],
        kind=LinkKind.OTHER,
        normalized_url=url,
    )


def _world(emulator: Emulator) -> tuple[str, str, str]:
    pages = {"/gone": {"status": 404}, "/fine": {}, "/badge.svg": {}}
    load_world(emulator, World.from_dict({"hosts": {"site": {"pages": pages}}}))
    return (
        emulator.url("site", "/gone"),
        emulator.url("site", "/fine"),
        emulator.url("site", "/badge.svg"),
    )


def test_a_dead_link_outside_entries_is_dead_and_reported(
    emulator: Emulator, tmp_path: Path
) -> None:
    gone, fine, _ = _world(emulator)
    catalog = Catalog(
        generated_at=NOW, source="t.md", entries=[], other_links=[_other(gone), _other(fine)]
    )
    checked, _ = run_links(catalog, fast_settings(tmp_path / "cache"))
    verdicts = {link.url: link.health.verdict for link in checked.other_links}
    assert verdicts == {gone: Verdict.DEAD, fine: Verdict.OK}
    (finding,) = [f for f in checked.findings if f.code == "dead-link"]
    assert (finding.line, finding.url, finding.entry_key) == (3, gone, None)
    assert finding.message.startswith("link (outside entries):")


def test_badge_images_are_not_requested_unless_badge_hosts_is_empty(
    emulator: Emulator, tmp_path: Path
) -> None:
    _, _, badge = _world(emulator)
    host = urlsplit(badge).hostname or ""
    catalog = Catalog(
        generated_at=NOW, source="t.md", entries=[], other_links=[_other(badge, image=True)]
    )
    skipped, _ = run_links(catalog, fast_settings(tmp_path / "a", badge_hosts=[host]))
    assert skipped.other_links[0].health is None
    assert emulator.requests == []
    checked, _ = run_links(catalog, fast_settings(tmp_path / "b", badge_hosts=[]))
    assert checked.other_links[0].health.verdict is Verdict.OK
    assert [r.path for r in emulator.requests] == ["/badge.svg"]


def test_a_whole_run_requests_no_badge_image_either(emulator: Emulator, tmp_path: Path) -> None:
    # The runner queues link checks before the links stage runs: badges must stay out of it.
    _, fine, badge = _world(emulator)
    listing = tmp_path / "list.md"
    listing.write_text(f"# L\n\n![badge]({badge})\n\n- Paper one. [[page]({fine})]\n")
    settings = fast_settings(
        tmp_path / "cache",
        input=listing,
        output_dir=tmp_path / "out",
        badge_hosts=[urlsplit(badge).hostname or ""],
    )
    outcome = asyncio.run(refresh(settings, stages=["links"]))
    assert [r.path for r in emulator.requests] == ["/fine"]
    (image,) = outcome.catalog.other_links
    assert image.health is None
