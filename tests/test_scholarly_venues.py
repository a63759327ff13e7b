"""Venue names as lists write them: S2's names to abbreviations, and a list's own style."""

from __future__ import annotations

from typing import Any

import pytest

from pipeline.stages.scholarly.venues import (
    VenueStyle,
    format_venue,
    learn_style,
    read_venue,
    same_venue,
)


def _record(name: str | None, kind: str | None = "conference", *alternates: str, **extra: Any):
    place = (
        None if name is None else {"name": name, "type": kind, "alternate_names": list(alternates)}
    )
    return {"publicationVenue": place, "venue": name or "", **extra}


@pytest.mark.parametrize(
    ("record", "short", "kind"),
    [
        (
            _record("Computer Vision and Pattern Recognition", "conference", "CVPR"),
            "CVPR",
            "conference",
        ),
        (
            _record(
                "2024 IEEE/CVF Conference on Computer Vision and Pattern Recognition Workshops (CVPRW)"
            ),
            "CVPRW",
            "conference",
        ),
        (
            _record("Neural Information Processing Systems", "conference", "NIPS"),
            "NeurIPS",
            "conference",
        ),
        (
            _record("Annual Meeting of the Association for Computational Linguistics"),
            "ACL",
            "conference",
        ),
        (
            _record("North American Chapter of the Association for Computational Linguistics"),
            "NAACL",
            "conference",
        ),
        (
            _record("IEEE Transactions on Pattern Analysis and Machine Intelligence", "journal"),
            "TPAMI",
            "journal",
        ),
        (
            _record(
                "IEEE Transactions on Geoscience and Remote Sensing",
                "journal",
                "IEEE Trans Geosci Remote Sens",
                "TGRS",
            ),
            "TGRS",
            "journal",
        ),
        (_record("Some Obscure Symposium", "conference"), "Some Obscure Symposium", "conference"),
        (
            _record("Proc. of Something", None, externalIds={"DBLP": "conf/iccv/Li0Z23"}),
            "ICCV",
            "conference",
        ),
    ],
    ids=[
        "cvpr",
        "workshop",
        "nips",
        "acl",
        "naacl",
        "tpami",
        "alternate-acronym",
        "unknown",
        "dblp",
    ],
)
def test_s2_venues_map_to_the_abbreviations_lists_use(
    record: dict[str, Any], short: str, kind: str
) -> None:
    _, got_short, got_kind = read_venue(record)
    assert (got_short, got_kind) == (short, kind)


@pytest.mark.parametrize(
    "record",
    [
        _record(None),
        _record("arXiv.org", "journal", "ArXiv"),
        {"publicationVenue": {"name": "", "type": "journal"}, "venue": ""},
    ],
    ids=["no-venue", "arxiv", "empty-name"],
)
def test_a_preprint_is_not_a_venue(record: dict[str, Any]) -> None:
    assert read_venue(record) == (None, None, None)


@pytest.mark.parametrize(
    ("listed", "s2", "same"),
    [
        ("NIPS", "NeurIPS", True),
        ("MM", "ACM MM", True),
        ("CVPR", "CVPR", True),
        ("CVPR", "CVPRW", False),
        ("ECCV", "NeurIPS", False),
        ("CVPRW", "CVPRW", True),
    ],
)
def test_same_venue_under_another_spelling(listed: str, s2: str, same: bool) -> None:
    assert same_venue(listed, s2) is same


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        (["CVPR'2024", "arXiv'2025", "NeurIPS 2023"], "CVPR'2025"),
        (["CVPR 2021", "Arxiv 2020", "ICCV 2021"], "CVPR 2025"),
        (["CVPR'25", "ECCV'24", "ArXiv'2508", "ArXiv'2508", "ArXiv'2508"], "CVPR'25"),
        ([None, None], "CVPR 2025"),
    ],
    ids=["quote-4", "space-4", "quote-2-year-month-ignored", "none-default"],
)
def test_the_fix_writes_a_venue_the_way_the_list_does(
    written: list[str | None], expected: str
) -> None:
    assert format_venue("CVPR", 2025, learn_style(written)) == expected


def test_a_venue_without_a_year_is_just_its_name() -> None:
    assert format_venue("TPAMI", None, VenueStyle(separator="'", year_digits=2)) == "TPAMI"
