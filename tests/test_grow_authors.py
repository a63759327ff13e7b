"""How `pipeline add` writes authors: surnames with their particles, two names joined as
the list joins two."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.roundtrip import round_trip, table
from pipeline.grow.fields import format_authors
from pipeline.grow.template import AuthorStyle
from tests.emulator import Emulator

AUTHORS = Path(__file__).parent / "fixtures" / "grow" / "authors"


@pytest.mark.parametrize(
    ("form", "written"),
    [
        pytest.param("surname", "van der Sommen, de With and Le", id="surname"),
        pytest.param("initials", "F. van der Sommen, P. H. N. de With and Q. V. Le", id="initials"),
    ],
)
def test_a_surname_keeps_its_particles(form: str, written: str) -> None:
    # arXiv's names (its Atom `<name>`): given names first, the surname after them whole.
    names = ["Fons van der Sommen", "Peter H. N. de With", "Quoc V. Le"]
    style = AuthorStyle(separator=", ", last_separator=" and ", form=form)
    assert format_authors(names, style) == written


@pytest.mark.parametrize(
    ("listing", "arxiv_id"),
    [
        # awesome-NeRF: `Le Cleac'h et al.` came back as `Cleac'h et al.`.
        pytest.param("particles.md", "2210.09420", id="capitalised-particle"),
        pytest.param("particles.md", "2211.01234", id="particle-van"),
        # Three names end "… and C", two are "A & B": two names are joined as two are.
        pytest.param("pairs.md", "1506.05869", id="two-names-joined-as-two-are"),
    ],
)
def test_authors_come_back_byte_for_byte(
    emulator: Emulator, tmp_path: Path, listing: str, arxiv_id: str
) -> None:
    result = round_trip(AUTHORS / listing, emulator, tmp_path, only=frozenset({arxiv_id}))
    shown = table([result]) + "\n" + "\n".join(result.examples)
    assert result.tried == 1, shown
    assert result.outcomes == {"identical": 1}, shown
