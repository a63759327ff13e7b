"""The round trip of `make roundtrip`, on small lists in the formats of the shared lists:
remove each entry, `add` it back with its section and tags, compare the lines byte for byte."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from bench.hand import own_hand
from bench.roundtrip import ListResult, _counted, round_trip, table, world_settings
from pipeline.grow.add import add_papers
from pipeline.grow.literal import literal_text
from pipeline.stages.parse import parse_list
from pipeline.stages.resolve import resolve_entries
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


# One list a known cause of a regenerated line differing from the maintainers' (issue 20):
# each case removes one entry and adds it back; it must come back byte for byte.
CAUSES = FIXTURES / "causes"


def _readd(emulator: Emulator, tmp_path: Path, listing: str, arxiv_id: str) -> ListResult:
    emulator.reset()
    result = round_trip(CAUSES / listing, emulator, tmp_path, only=frozenset({arxiv_id}))
    assert result.tried == 1, table([result])
    return result


@pytest.mark.parametrize(
    ("listing", "arxiv_id"),
    [
        # Both neighbours link `/pdf/ID.pdf`, as do most of the section's (older) entries;
        # the entries of the same months link `/pdf/ID`.
        pytest.param("arxiv-forms.md", "2402.10002", id="arxiv-form-of-the-same-months"),
        # An unsorted numbered section: at the bottom it is numbered (and anchored) after
        # the last entry, though its model (the other entry without code) is not the last.
        pytest.param("numbered-unsorted.md", "2312.12423", id="number-and-anchor-at-bottom"),
        # mc-lan writes a preprint as `ArXiv'2408`: the arXiv id's month, not the year.
        pytest.param("numbered-unsorted.md", "2408.02503", id="preprint-venue-as-written"),
        # dair-ai: the description (its full stop too) is one placeholder; numbered at the bottom.
        pytest.param("weekly-table.md", "2410.19803", id="description-placeholder"),
        # Its model is the only other row with a project page (a shape of its own): its
        # number counts on all the same, and the model's `(…)` is description, not markup.
        pytest.param("weekly-table.md", "2302.01329", id="row-of-its-own-shape"),
        # A word a description shares with most others (`This …`) is description too.
        pytest.param("weekly-long.md", "2506.20430", id="description-words-shared"),
        # terryum: the space after `-` is kept even where another entry has two.
        pytest.param("plain-bullets.md", "1409.0575", id="space-before-the-title"),
        # amusi: no other entry of its section has a homepage: one of another section is the
        # model, so the project page (a field a source gives) is not dropped; the model's
        # typo (`Homeoage:`) is written as most lines write it, and so is the space most
        # `- Homepage:` lines end with.
        pytest.param("paragraph-blocks.md", "2309.00610", id="project-page-kept"),
        # A space after a URL that two entries have is not the list's style.
        pytest.param("paragraph-blocks.md", "2312.02142", id="no-stray-trailing-space"),
        # awesome-NeRF's survey: the nearest entries write no venue; one that does is the
        # model (the venue is a field a source gives); the bibtex file is a placeholder.
        pytest.param("survey-bullets.md", "2101.05204", id="venue-kept-bibtex-placeholder"),
        # Hannibal: names are the title before its colon for 3 of 7 entries only: `ToT` is a
        # field no source gives, not `Tree of Thoughts`.
        pytest.param("named-table.md", "2305.10601", id="name-placeholder-not-guess"),
        # Hannibal's table: rows padded to the columns until 2023, one space since; a 2024
        # row is padded as the rows near it are, not as most of the table's.
        pytest.param("drifting-table.md", "2409.02060", id="padding-of-the-rows-near-it"),
        # terryum: the nearest entry's slip (`(2012) G. Hinton`) is not copied, the typical
        # `(2014), ` is; two names are written in full though one name is commoner.
        pytest.param("author-bullets.md", "1412.6980", id="typical-markup-et-al-threshold"),
        # awesome-NeRF: most entries near the new one close with a bibtex key in a comment (no
        # source gives it): a `<!---TODO:text-->` closes it, though its model has none ...
        pytest.param("closing-comments.md", "2006.10006", id="closing-comment-placeholder"),
        # ... and none where the entries near it have none, though its model has one.
        pytest.param("closing-comments.md", "2104.10010", id="no-closing-comment-of-one-entry"),
        # amusi: the model's space before its title (` **Gamma…**`) is that entry's slip ...
        pytest.param("paragraph-slips.md", "2401.20004", id="no-space-before-the-title"),
        # ... and so is its blank line between `- Homepage:` and `- Paper:`.
        pytest.param("paragraph-slips.md", "2401.20007", id="no-blank-line-of-one-entry"),
        # dair-ai: the model row's `,  [Tweet]` (rows 5-7 of the week) is written as most of
        # the week's rows write it, `, [Tweet]`.
        pytest.param("weekly-spacing.md", "2406.01252", id="spacing-most-rows-write"),
        # dair-ai: a row links a tweet (no source gives it: a placeholder) as most rows of
        # its week do, though the rows at the week's bottom, where it goes, link none.
        pytest.param("weekly-tweets.md", "2503.14476", id="tweet-as-most-of-the-week"),
        # mc-lan: the model (the entry at the bottom, where it goes) writes no space between
        # its title and the next field; every other entry writes one.
        pytest.param("field-spacing-slip.md", "2407.14500", id="spacing-after-a-field"),
        # mc-lan: names are titles' parts before the colon of one or two words; a part of
        # six is a phrase, and the name (the repository's, `VideoLISA`) no source gives.
        pytest.param("long-title-names.md", "2409.19603", id="long-title-part-is-no-name"),
        # dair-ai: the model row's description has bold and `<br>●` bullets no other row
        # writes: they are its description's, one placeholder with it.
        pytest.param("weekly-markup-in-text.md", "2308.16184", id="markup-inside-a-description"),
        # ... and a quotation closing the model's description leaves no quotation mark.
        pytest.param("weekly-quote-at-end.md", "2404.03862", id="quotation-inside-a-description"),
        # The only row that reads as a template, its words nobody else's to compare with:
        # they are fields, never copied (row 1's description was written into row 4).
        pytest.param("quoted-descriptions.md", "2404.03862", id="no-description-copied"),
        # awesome-NeRF: a `<details><summary>` topic is a section; the paper goes back to
        # its bottom, before `</details>`, among entries closing with `<!---key-->`, not
        # after the last block among entries with none.
        pytest.param("details-topics.md", "2103.13744", id="details-block-is-a-section"),
        # A topic whose two other arXiv entries write two forms (one a slip, `abs/ID.pdf`,
        # the nearest in date) agrees on none: the list's entries nearest in date say `/abs/ID`.
        pytest.param(
            "topic-forms.md", "2107.00021", id="arxiv-form-of-the-list-where-a-topic-disagrees"
        ),
        # BradyFU's datasets: `Caption` fills most of the Type column, `ASR` the audio rows:
        # the column is a field no source gives, a placeholder, never the majority's value.
        pytest.param("datasets-table.md", "1808.10583", id="column-of-values-is-a-field"),
        # dair-ai's 2025 rows: most of the week link a tweet, though most rows' names are only
        # guessed (`UniversalRAG  UniversalRAG is …`, no template): the tweet is written; the
        # description's `<br>●` bullets, as many as its paper needs, are one placeholder.
        pytest.param("weekly-bullets.md", "2504.20734", id="bulleted-description-one-field"),
        # ... and where the one row that reads as a template with a tweet is removed, the
        # model is a row with a tweet still, of a shape of its own but for the tweet.
        pytest.param("weekly-bullets.md", "2504.19413", id="tweet-of-the-week-unread-rows"),
    ],
)
def test_each_known_cause_comes_back_byte_for_byte(
    emulator: Emulator, tmp_path: Path, listing: str, arxiv_id: str
) -> None:
    result = _readd(emulator, tmp_path, listing, arxiv_id)
    shown = table([result]) + "\n" + "\n".join(result.examples)
    assert result.outcomes == {"identical": 1}, shown
    assert result.misplaced == 0, shown


def test_an_entry_put_in_a_numbered_sorted_section_renumbers_the_ones_after_it(
    emulator: Emulator, tmp_path: Path
) -> None:
    listing = FIXTURES / "numbered-crlf.md"
    text = listing.read_bytes().decode("utf-8")
    entries, _ = resolve_entries(parse_list(text, listing.name))
    settings = world_settings(listing, emulator, tmp_path, entries, text)
    lines = text.split("\n")
    at = next(i for i, line in enumerate(lines) if "2312.50003" in line)
    # The list without entry 3, the entries after it numbered on (3, 4) as a maintainer
    # would, their anchors too (1003, 1004).
    shorter = [*lines[:at], *(_number_back(line) for line in lines[at + 1 :])]
    new_text, added = asyncio.run(
        add_papers(settings, "\n".join(shorter), ["2312.50003"], section="Referring Segmentation")
    )
    numbered = [line for line in new_text.split("\n") if re.match(r"\d+\. ", line)]
    assert [line.split(".")[0] for line in numbered] == ["1", "2", "3", "4", "5"], new_text
    assert added[0].order == "oldest first"
    anchors = [re.findall(r'id = "(\d+)"', line) for line in numbered]
    assert anchors == [["1001"], ["1002"], ["1003"], ["1004"], ["1005"]], new_text
    assert "**[MaskMind]**" in numbered[2], numbered[2]


def test_a_star_badge_is_written_as_its_model_writes_it(emulator: Emulator, tmp_path: Path) -> None:
    # BradyFU's "Evaluation" (an excerpt): most rows badge `![Stars](…/{repo}?style=…)`, the
    # 2023 rows `![Star](…/{repo}.svg?style=…)`; the badge is the model's markup, never a field.
    listing = CAUSES / "badge-forms.md"
    text = listing.read_text(encoding="utf-8")
    entries, _ = resolve_entries(parse_list(text, listing.name))
    settings = world_settings(listing, emulator, tmp_path, entries, text)
    shorter = "\n".join(line for line in text.split("\n") if "2310.08475" not in line)
    _, added = asyncio.run(add_papers(settings, shorter, ["2310.08475"], section="Evaluation"))
    badge = (
        "![Star](https://img.shields.io/github/stars/zjunlp/EasyEdit.svg?style=social&label=Star)"
    )
    assert added[0].text.startswith(f"| {badge} <br> "), added[0].text


def test_a_column_the_rows_fill_with_different_words_is_a_placeholder(
    emulator: Emulator, tmp_path: Path
) -> None:
    listing = CAUSES / "datasets-table.md"
    text = listing.read_text(encoding="utf-8")
    entries, _ = resolve_entries(parse_list(text, listing.name))
    settings = world_settings(listing, emulator, tmp_path, entries, text)
    shorter = "\n".join(line for line in text.split("\n") if "1808.10583" not in line)
    _, added = asyncio.run(
        add_papers(
            settings, shorter, ["1808.10583"], section="Datasets of Pre-Training for Alignment"
        )
    )
    cells = [cell.strip() for cell in added[0].text.split("|")]
    # Name, paper, Type (Caption in 9 of 12 rows), Modalities: no value copied from another row.
    assert cells[3:5] == ["TODO:text", "TODO:text"], added[0].text
    assert "1808.10583" in cells[2], added[0].text


def _number_back(line: str) -> str:
    """`4. <span id = "1004">` as `3. <span id = "1003">`."""
    match = re.match(r'(\d+)\. <span id = "(\d+)"', line)
    if match is None:
        return line
    number, anchor = int(match[1]) - 1, int(match[2]) - 1
    return f'{number}. <span id = "{anchor}"' + line[match.end() :]


# The round trip's "list's own hand": a difference in a form none of the section's
# neighbouring entries writes (bench/hand.py), so no learner of the list's style had it.
_ROW = "- [T{n}](https://arxiv.org/abs/2401.0000{n}), A et al., CVPR 2024 | [bibtex](./b{n}.txt)"
_NEAR = [_ROW.format(n=n) for n in range(1, 5)]
_PDF = _ROW.format(n=9).replace("abs/2401.00009", "pdf/2401.00009.pdf")
_ONE_PDF = [*_NEAR[:2], _NEAR[2].replace("abs/2401.00003", "pdf/2401.00003.pdf"), _NEAR[3]]
_CLOSED = [f"{line} <!---key{n}-->" for n, line in enumerate(_NEAR)]


@pytest.mark.parametrize(
    ("removed", "generated", "near", "hand"),
    [
        # `/pdf/…pdf` where every neighbour links `/abs/`: the entry's own.
        pytest.param(_PDF, _ROW.format(n=9), _NEAR, True, id="arxiv-form-no-neighbour-writes"),
        # The same form in one neighbour: a learner could have written it.
        pytest.param(_PDF, _ROW.format(n=9), _ONE_PDF, False, id="arxiv-form-one-writes"),
        # A space at the line's end that no neighbour has.
        pytest.param(_ROW.format(n=9) + " ", _ROW.format(n=9), _NEAR, True, id="trailing-space"),
        # A closing comment (its text aside) the neighbours have too.
        pytest.param(
            _ROW.format(n=9) + " <!---k-->", _ROW.format(n=9), _CLOSED, False, id="comment"
        ),
        # A placeholder stands for the text the list wrote: no difference to classify.
        pytest.param(
            _ROW.format(n=9),
            _ROW.format(n=9).replace("./b9.txt", "TODO:url"),
            _NEAR,
            False,
            id="placeholder",
        ),
    ],
)
def test_the_lists_own_hand_is_a_form_no_neighbour_writes(
    removed: str, generated: str, near: list[str], hand: bool
) -> None:
    assert own_hand(removed, generated, near) is hand


def test_a_removed_row_is_renumbered_but_not_its_titles_number() -> None:
    # dair-ai's row 4 put back as row 11: its `4)` and nothing else (`GPT-4` stays).
    removed = "| 4) **Exploiting Novel GPT-4 APIs** - red-teams three APIs | [Paper](x) |"
    text = "| 10) **Ten** - t | [Paper](y) |\n| 11) **X** - TODO:text | [Paper](x) |"
    written = "| 11) **Exploiting Novel GPT-4 APIs** - TODO:text | [Paper](x) |"
    counted = _counted(removed, text, 2, written)
    assert counted == removed.replace("| 4)", "| 11)"), counted
    # An anchor counted from the number moves with it (mc-lan's `<span id = "1004">`).
    anchored = '4. <span id = "1004">**[A4]**</span>'
    assert _counted(anchored, "3. b\n5. x", 2, "4. y") == anchored
    assert _counted(anchored, "4. b\n5. x", 2, "5. y") == '5. <span id = "1005">**[A4]**</span>'


def test_the_table_says_how_many_lines_a_learner_of_the_neighbours_could_give_back() -> None:
    # 20 re-added, 6 formatted in forms none of their neighbours write: at most 14 (70%).
    result = ListResult(name="a-list", tried=20, hand=6)
    result.outcomes.update({"identical": 11, "formatted differently": 9})
    header, _, row = table([result]).splitlines()
    columns = [c.strip() for c in header.strip("|").split("|")]
    cells = dict(zip(columns, (c.strip() for c in row.strip("|").split("|")), strict=True))
    assert cells["identical"] == "11 (55%)"
    assert cells["of those, the list's own hand"] == "6"
    assert cells["identical at most"] == "70%"


_BULLETED = "  Proposes a thing. Highlights:   <br>● one (a) part.   <br>● two.   <br>● three | ["
_BULLETED_OTHERS = [
    "  Introduces X:   <br>● first.   <br>● second | [",
    "  A survey.   <br>● a (b) c.   <br>● d.   <br>● e.   <br>● f | [",
]


@pytest.mark.parametrize(
    ("model", "others", "rest", "expected"),
    [
        # dair-ai: `TODO:text".` where the model's description ended with a quoted word.
        pytest.param(
            '** - aligns models to quote "verbatim". | [Paper](',
            [
                '** - integrates a "compressive memory". | [Paper](',
                '** - uses "tokens". | [Paper](',
            ],
            [],
            "** - TODO:text | [Paper](",
            id="no-quotation-mark-left",
        ),
        # dair-ai, 2025: each paper's description in as many `<br>●` bullets as it needs.
        pytest.param(
            _BULLETED, _BULLETED_OTHERS, [], "  TODO:text | [", id="bullets-one-placeholder"
        ),
        # With no other row of its shape, the tags' names stay markup, the words are the text.
        pytest.param(
            _BULLETED, [], _BULLETED_OTHERS, "  TODO:text | [", id="bullets-of-a-shape-alone"
        ),
    ],
)
def test_a_description_is_one_placeholder(
    model: str, others: list[str], rest: list[str], expected: str
) -> None:
    assert literal_text(model, others, rest, None) == expected


def test_a_description_of_many_breaks_is_read_in_one_pass() -> None:
    # Hostile input: 40 breaks, then markup that is no bullet. A pattern that could split
    # the spaces between two breaks two ways took 38 s for 8 of them (pytest-timeout: 120 s).
    model = "  Words" + "   <br> " * 40 + "* more words | ["
    others = ["  Some" + "   <br> " * 3 + "* text | [", "  Other" + "   <br> " * 2 + "* text | ["]
    written = literal_text(model, others, [], None)
    assert written.count("TODO:text") == 2, written
    assert written.endswith("* TODO:text | ["), written
