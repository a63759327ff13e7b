"""`pipeline add --section "Papers > Topic"` writes into a `<details>` block: at the place its
order implies, or at its bottom, before `</details>` and the blank lines before it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from tests.emulator import Emulator
from tests.test_grow_place import _serve

TOPICS = Path(__file__).parent / "fixtures" / "grow" / "details" / "topics.md"


def _readd(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, arxiv_id: str, section: str
) -> tuple[list[str], list[str], int]:
    """The list's lines; its lines once the entry linking `arxiv_id` is removed and added
    back with `add --section SECTION --write`; and the removed entry's index."""
    text = TOPICS.read_text()
    _serve(emulator, text, monkeypatch)
    lines = text.split("\n")
    at = next(i for i, line in enumerate(lines) if f"/abs/{arxiv_id})" in line)
    listing = tmp_path / "list.md"
    listing.write_text("\n".join([*lines[:at], *lines[at + 1 :]]))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        app, ["add", arxiv_id, "--section", section, "--input", str(listing), "--write"]
    )
    assert result.exit_code == 0, result.stderr
    return lines, listing.read_text().split("\n"), at


def test_an_entry_goes_to_the_bottom_of_its_block_before_its_blank_line_and_closing_tag(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Faster Inference has no order: the bottom of the block, never after `</details>`.
    lines, written, at = _readd(
        emulator, tmp_path, monkeypatch, "2103.13744", "Papers > Faster Inference"
    )
    assert written[at].startswith("- [Thousands of Tiny MLPs](https://arxiv.org/abs/2103.13744)")
    assert written[at - 1] == lines[at - 1]
    assert written[at + 1 :] == lines[at + 1 :]  # the blank line, then `</details>`
    assert written[at + 1 : at + 3] == ["", "</details>"]


@pytest.mark.parametrize(
    "arxiv_id",
    [
        # Generalization is oldest first; papers with no arXiv link sit among those with.
        "2103.17269",  # after a 2021 paper with none: 2104.00587 is the nearer 2021 id
        "2104.00587",  # right after 2103.17269, before the 2021 papers with none
        "2304.08971",  # after a 2023 paper with none, right before 2308.12967
        "2404.03658",  # the last of the block, right before `</details>`
    ],
)
def test_an_entry_goes_where_its_blocks_order_puts_it(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, arxiv_id: str
) -> None:
    lines, written, at = _readd(emulator, tmp_path, monkeypatch, arxiv_id, "Generalization")
    assert f"(https://arxiv.org/abs/{arxiv_id})" in written[at]
    assert written[:at] == lines[:at]
    assert written[at + 1 :] == lines[at + 1 :]


def test_a_block_with_no_entries_takes_the_paper_inside_it(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = TOPICS.read_text()
    _serve(emulator, text, monkeypatch)
    lines = text.split("\n")
    at = next(i for i, line in enumerate(lines) if "/abs/2103.13744)" in line)
    empty = ["<details open>", "<summary>Compression</summary>", "", "</details>", ""]
    close = lines.index("</details>", at)
    shorter = [*lines[:at], *lines[at + 1 : close + 2], *empty, *lines[close + 2 :]]
    listing = tmp_path / "list.md"
    listing.write_text("\n".join(shorter))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        app, ["add", "2103.13744", "--section", "Compression", "--input", str(listing), "--write"]
    )
    assert result.exit_code == 0, result.stderr
    assert "'Papers > Compression', line 17 (first in its section)" in result.stderr
    written = listing.read_text().split("\n")
    start = written.index("<summary>Compression</summary>")
    assert written[start - 1 : start + 5] == [
        "<details open>",
        "<summary>Compression</summary>",
        "",
        written[start + 2],
        "",
        "</details>",
    ]
    assert written[start + 2].startswith("- [Thousands of Tiny MLPs](https://arxiv.org/abs/2103")
