"""Where `pipeline add` puts a paper in its section, and the bytes it writes there."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.roundtrip import round_trip, table
from pipeline.cli import app
from pipeline.errors import InputError
from pipeline.grow.place import place, resolve_section
from pipeline.model import Entry
from pipeline.stages.parse import parse_list
from pipeline.stages.resolve import resolve_entries
from tests.emulator import Emulator
from tests.emulator.roundtrip_world import mount_roundtrip_world

PLACE = Path(__file__).parent / "fixtures" / "grow" / "place"


def _serve(emulator: Emulator, text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The list's round-trip world (the sources say what the list wrote), through the env."""
    entries, _ = resolve_entries(parse_list(text, "list.md"))
    world = mount_roundtrip_world(emulator, entries, text.split("\n"))
    monkeypatch.setenv("ARXIV_API_URL", world["arxiv_api_url"])
    monkeypatch.setenv("GITHUB_API_URL", world["github_api_url"])
    monkeypatch.setenv("PIPELINE_S2_API_URL", world["s2_api_url"])
    monkeypatch.setenv("PIPELINE_HF_API_URL", world["hf_api_url"])
    monkeypatch.setenv("GITHUB_TOKEN", "place-token")
    for name in ("ARXIV_INTERVAL", "S2_INTERVAL", "HF_INTERVAL"):
        monkeypatch.setenv(f"PIPELINE_{name}", "0")


def test_a_crlf_list_gets_crlf_on_every_line_add_writes(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = (PLACE / "crlf-blocks.md").read_bytes()
    text = original.decode("utf-8")
    _serve(emulator, text, monkeypatch)
    # The list without its second entry (and the blank line after it), which add puts back
    # between the first and the third, blank lines around it as the section has them.
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("**Sparse Control"))
    shorter = [*lines[:start], *lines[start + 6 :]]
    listing = tmp_path / "list.md"
    listing.write_bytes("\n".join(shorter).encode("utf-8"))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        app, ["add", "2312.40002", "--section", "3D Gaussians", "--input", str(listing), "--write"]
    )
    assert result.exit_code == 0, result.stderr
    written = listing.read_bytes()
    assert written.count(b"\n") == written.count(b"\r\n"), written.decode()
    assert written == original, written.decode()


def _entries(name: str) -> tuple[list[Entry], dict[int, int]]:
    entries, _ = resolve_entries(parse_list((PLACE / name).read_text(), name))
    return entries, {e.line: e.line for e in entries}


def _title_at(entries: list[Entry], line: int) -> str:
    return next(e.title for e in entries if e.line == line)


def test_a_paper_slipped_in_late_does_not_move_a_new_one_away_from_its_nearest_id() -> None:
    entries, ends = _entries("slipped-in.md")
    # Newest first; `Late Slip` (2310) sits among the 2024 papers. 2311.20000 goes next to
    # Bench Five (2311.10005), not before the slip (the first older id from the top).
    spot = place(entries, ("Evaluation",), "2311.20000", ends)
    assert spot.order == "newest first"
    assert _title_at(entries, spot.neighbour) == "Bench Five"
    assert spot.line == spot.neighbour - 1  # right before it
    assert spot.breaks == 0


def test_a_small_section_in_order_by_chance_is_not_sorted_when_the_list_never_sorts() -> None:
    entries, ends = _entries("weeks.md")
    # Week 3's five ids happen to be in order; the four other weeks are in none: the bottom.
    spot = place(entries, ("Week 3",), "2406.35000", ends)
    assert spot.order == "bottom"
    assert _title_at(entries, spot.neighbour) == "Omicron"


def test_the_round_trip_tells_an_entry_the_list_had_out_of_order_from_a_misplaced_one(
    emulator: Emulator, tmp_path: Path
) -> None:
    # `Late Slip` goes back where its id puts it (between Bench Five and Bench Four):
    # not where the list had it, and not misplaced either.
    result = round_trip(PLACE / "slipped-in.md", emulator, tmp_path, only=frozenset({"2310.10099"}))
    shown = table([result]) + "\n" + "\n".join(result.examples)
    assert result.tried == 1, shown
    assert (result.misplaced, result.unordered) == (0, 1), shown


def test_a_small_section_is_sorted_as_the_list_sorts_its_sections() -> None:
    entries, ends = _entries("by-year.md")
    # Three sections of four in order, newest first (a big appendix in none, terryum's
    # shape): a 2014 paper goes between Language's 2017 and 2014 papers, not at the bottom.
    spot = place(entries, ("Language",), "1411.04555", ends)
    assert spot.order == "newest first"
    assert _title_at(entries, spot.neighbour) == "Sequence to sequence learning"


def test_among_papers_of_its_year_with_no_arxiv_id_a_paper_goes_beside_an_id_of_its_year() -> None:
    entries, ends = _entries("by-year.md")
    # A 2016 paper with no arXiv link tops a section sorted newest first by year, above
    # 1601.06759: a 2016 arXiv paper goes right above that id of its year (the paper with
    # none says nothing about where in 2016 it is), not first (awesome-NeRF, leave one out
    # over all seven lists: 387 entries back in place against 385, no list fewer).
    spot = place(entries, ("Generative models",), "1606.03498", ends, date="2016-06-10")
    assert spot.order == "newest first"
    assert _title_at(entries, spot.neighbour) == "Pixel recurrent networks"
    assert spot.line == spot.neighbour - 1
    # A 2017 one has no id of its year near: above the 2016 paper with none, first.
    spot = place(entries, ("Generative models",), "1701.00001", ends, date="2017-01-10")
    assert _title_at(entries, spot.neighbour) == "Improved techniques for training GANs"
    assert spot.line == spot.neighbour - 1


def _in(*section: str) -> Entry:
    return Entry(key="-".join(section), title="T", line=1, section=list(section))


def test_a_heading_with_a_path_mark_in_it_can_be_named() -> None:
    # awesome-NeRF-like: a `<summary>Text > Image</summary>` block under "Models".
    entries = [_in("Models", "Text > Image"), _in("Models", "Image"), _in("Text", "Video")]
    assert resolve_section("Text > Image", entries) == ("Models", "Text > Image")
    assert resolve_section("models>text > image", entries) == ("Models", "Text > Image")
    assert resolve_section("Models > Image", entries) == ("Models", "Image")
    with pytest.raises(InputError, match="holds no papers of its own"):
        resolve_section("Text", [*entries, _in("Other", "Text", "Audio")])
    with pytest.raises(InputError, match="--section is empty"):
        resolve_section(" > ", entries)
