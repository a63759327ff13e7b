"""The round trip of `make roundtrip`, on small lists in the formats of the shared lists:
remove each entry, `add` it back with its section and tags, compare the lines byte for byte."""

from __future__ import annotations

from pathlib import Path

from bench.roundtrip import ListResult, round_trip, table
from tests.emulator import Emulator

FIXTURES = Path(__file__).parent / "fixtures" / "grow"


def _run(emulator: Emulator, tmp_path: Path) -> list[ListResult]:
    results = []
    for listing in sorted(FIXTURES.glob("*.md")):
        emulator.reset()
        work = tmp_path / listing.stem
        work.mkdir()
        results.append(round_trip(listing, emulator, work, n=100))
    return results


def test_every_entry_comes_back_in_its_place_with_no_wrong_field(
    emulator: Emulator, tmp_path: Path
) -> None:
    results = _run(emulator, tmp_path)
    shown = table(results)
    assert len(results) == 5, shown
    for result in results:
        assert result.tried >= 4, shown
        assert result.outcomes["wrong or missing"] == 0, shown
        assert result.outcomes["refused"] == 0, shown
        assert result.misplaced == 0, shown
    by_name = {r.name: r for r in results}
    # Badge tables, bold titles with authors, bullet lines with bare URLs: byte for byte.
    for name in ("badge-table", "bold-year-authors", "bullets-bare-urls"):
        assert by_name[name].outcomes["identical"] == by_name[name].tried, shown
    # Sorted sections: each entry went back where the order puts it (misplaced is 0 above).
    assert by_name["badge-table"].orders == {"newest first": 6}, shown
    assert by_name["numbered-crlf"].orders == {"oldest first": 5}, shown
    assert by_name["padded-table"].orders == {"oldest first": 7}, shown  # by the dates it writes
    assert by_name["bold-year-authors"].orders["bottom"] > 0, shown
    # Numbered entries count on from their neighbour; CRLF line endings kept.
    assert by_name["numbered-crlf"].outcomes["identical"] >= 4, shown
    identical = sum(r.outcomes["identical"] for r in results)
    assert identical / sum(r.tried for r in results) >= 0.85, shown
