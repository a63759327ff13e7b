"""The resolve stage: URL -> kind and ids, keys, duplicate findings."""

from __future__ import annotations

import pytest

from pipeline.model import LinkKind, ParsedList, RawEntry, RawLink
from pipeline.stages.resolve import (
    arxiv_id_from_url,
    arxiv_month,
    normalize_url,
    repo_from_url,
    resolve_entries,
    resolve_link,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://arxiv.org/abs/2305.11175", ("2305.11175", None)),
        ("https://arxiv.org/abs/2305.11175v2", ("2305.11175", 2)),
        ("http://arxiv.org/pdf/2510.20803v1", ("2510.20803", 1)),
        ("https://arxiv.org/pdf/2305.11175.pdf", ("2305.11175", None)),
        ("https://arxiv.org/pdf/2305.11175v3.pdf", ("2305.11175", 3)),
        ("https://arxiv.org/html/2406.08394v1", ("2406.08394", 1)),
        ("https://www.arxiv.org/abs/2506.04277", ("2506.04277", None)),
        ("https://export.arxiv.org/abs/1605.08386", ("1605.08386", None)),
        ("https://arxiv.org/abs/0704.0001", ("0704.0001", None)),
        ("https://arxiv.org/abs/cs/0112017", ("cs/0112017", None)),
        ("https://arxiv.org/abs/hep-th/9901001v2", ("hep-th/9901001", 2)),
        ("https://arxiv.org/abs/math.GT/0309136", ("math.GT/0309136", None)),
        ("https://doi.org/10.48550/arXiv.2305.11175", ("2305.11175", None)),
        ("https://arxiv.org/abs/2305.11175/", ("2305.11175", None)),
        ("https://arxiv.org/abs//2306.08707", ("2306.08707", None)),
        ("https://arxiv.org//pdf//2306.08707v2.pdf", ("2306.08707", 2)),
        ("http://arxiv.org/pdf/hep-lat/9107001.pdf", ("hep-lat/9107001", None)),
        ("https://export.arxiv.org/pdf/2306.08707v1", ("2306.08707", 1)),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_arxiv_id_from_every_url_form(url: str, expected: tuple[str, int | None]) -> None:
    assert arxiv_id_from_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://arxiv.org/list/cs.CV/recent",
        "https://arxiv.org/",
        "https://notarxiv.org/abs/2305.11175",
        "https://github.com/a/b",
        "https://doi.org/10.1109/CVPR.2024.001",
    ],
)
def test_non_arxiv_urls_have_no_arxiv_id(url: str) -> None:
    assert arxiv_id_from_url(url) is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/dvlab-research/LISA", "dvlab-research/LISA"),
        ("https://github.com/aim-uofa/SegAgent?tab=readme-ov-file", "aim-uofa/SegAgent"),
        (
            "https://github.com/google-research/big_vision/tree/main/big_vision",
            "google-research/big_vision",
        ),
        ("https://github.com/a/b/blob/main/README.md", "a/b"),
        ("https://github.com/a/b.git", "a/b"),
        ("http://www.github.com/a/b#readme", "a/b"),
        ("https://github.com/features/copilot", None),
        ("https://github.com/topics/segmentation", None),
        ("https://github.com/orgs/openai/repositories", None),
        ("https://github.com/sponsors/someone", None),
        ("https://github.com/likyoo", None),
        ("https://gist.github.com/a/0123abcd", None),
        ("https://mc-lan.github.io/Text4Seg/", None),
    ],
)
def test_repo_from_url(url: str, expected: str | None) -> None:
    assert repo_from_url(url) == expected


@pytest.mark.parametrize(
    ("url", "label", "kind"),
    [
        ("https://arxiv.org/abs/2305.11175", "paper", LinkKind.ARXIV),
        ("https://github.com/a/b", "code", LinkKind.GITHUB),
        ("https://doi.org/10.1109/CVPR.2024.001", "paper", LinkKind.DOI),
        ("https://openreview.net/forum?id=NBQFAN228B", "paper", LinkKind.OPENREVIEW),
        ("https://openaccess.thecvf.com/content/CVPR2024/html/x.html", "paper", LinkKind.CVF),
        ("https://cvpr.thecvf.com/virtual/2025/poster/32585", "paper", LinkKind.CVF),
        (
            "https://proceedings.neurips.cc/paper_files/paper/2024/hash/x.html",
            "paper",
            LinkKind.NEURIPS,
        ),
        ("https://huggingface.co/collections/microsoft/florence", "code", LinkKind.HUGGINGFACE),
        ("https://pixellm.github.io/", "project", LinkKind.PROJECT),
        ("https://lanyunzhu.site/POPEN/", "project", LinkKind.PROJECT),
        ("https://example.com/paper.pdf", "paper", LinkKind.OTHER),
    ],
)
def test_link_kind(url: str, label: str, kind: LinkKind) -> None:
    assert resolve_link(RawLink(label=label, url=url, line=1, column=1)).kind is kind


def test_openreview_and_doi_ids_are_read() -> None:
    review = resolve_link(
        RawLink(label="paper", url="https://openreview.net/forum?id=NBQFAN228B", line=1, column=1)
    )
    doi = resolve_link(
        RawLink(label="paper", url="https://doi.org/10.1109/CVPR.2024.001", line=1, column=1)
    )
    assert review.openreview_id == "NBQFAN228B"
    assert doi.doi == "10.1109/CVPR.2024.001"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("http://arxiv.org/pdf/2510.20803v1", "https://arxiv.org/abs/2510.20803"),
        (
            "https://github.com/aim-uofa/SegAgent?tab=readme-ov-file",
            "https://github.com/AIM-UOFA/segagent/",
        ),
        ("http://www.example.com/a/?utm_source=x#top", "https://example.com/a"),
    ],
)
def test_normalized_urls_match_for_the_same_resource(a: str, b: str) -> None:
    assert normalize_url(a) == normalize_url(b)


def test_normalized_urls_keep_meaningful_queries() -> None:
    assert normalize_url("https://openreview.net/forum?id=A") != normalize_url(
        "https://openreview.net/forum?id=B"
    )


@pytest.mark.parametrize(
    ("arxiv_id", "month"),
    [
        ("2305.11175", "2023-05"),
        ("0704.0001", "2007-04"),
        ("cs/0112017", "2001-12"),
        ("hep-th/9901001", "1999-01"),
        ("2313.00001", None),
    ],
)
def test_arxiv_month_from_id(arxiv_id: str, month: str | None) -> None:
    assert arxiv_month(arxiv_id) == month


def _entry(title: str, line: int, *urls: tuple[str, str]) -> RawEntry:
    links = [RawLink(label=label, url=url, line=line, column=1) for label, url in urls]
    return RawEntry(
        key=title.lower().replace(" ", "-"), section=["S"], title=title, line=line, links=links
    )


def test_entries_are_keyed_by_arxiv_id_and_carry_repos() -> None:
    parsed = ParsedList(
        source="x.md",
        entries=[
            _entry(
                "A",
                3,
                ("paper", "https://arxiv.org/abs/2305.11175v2"),
                ("code", "https://github.com/o/a"),
            ),
            _entry("B", 4, ("paper", "https://openreview.net/forum?id=X")),
        ],
        findings=[],
    )
    entries, findings = resolve_entries(parsed)
    assert [e.key for e in entries] == ["arxiv:2305.11175", "b"]
    assert entries[0].arxiv_id == "2305.11175"
    assert entries[0].arxiv_month == "2023-05"
    assert entries[0].repos == ["o/a"]
    assert entries[0].links[0].arxiv_version == 2
    assert findings == []


def test_same_arxiv_id_twice_is_a_duplicate_paper_with_unique_keys() -> None:
    parsed = ParsedList(
        source="x.md",
        entries=[
            _entry("A", 3, ("paper", "https://arxiv.org/abs/2305.11175")),
            _entry("A again", 9, ("paper", "https://arxiv.org/pdf/2305.11175v1")),
        ],
        findings=[],
    )
    entries, findings = resolve_entries(parsed)
    assert [e.key for e in entries] == ["arxiv:2305.11175", "arxiv:2305.11175@9"]
    codes = sorted((f.code, f.line) for f in findings)
    assert codes == [("duplicate-paper", 9), ("duplicate-url", 9)]


def test_same_title_is_a_duplicate_paper() -> None:
    parsed = ParsedList(
        source="x.md",
        entries=[
            _entry("Seg Everything!", 3, ("paper", "https://a.example/1")),
            _entry("seg  everything", 5, ("paper", "https://a.example/2")),
        ],
        findings=[],
    )
    _, findings = resolve_entries(parsed)
    assert [(f.code, f.line) for f in findings] == [("duplicate-paper", 5)]


def test_shared_code_repo_is_not_a_duplicate_but_a_repeated_link_in_one_entry_is() -> None:
    parsed = ParsedList(
        source="x.md",
        entries=[
            _entry(
                "A",
                3,
                ("paper", "https://arxiv.org/abs/2305.11175"),
                ("code", "https://github.com/o/r"),
            ),
            _entry(
                "B",
                4,
                ("paper", "https://arxiv.org/abs/2406.08394"),
                ("code", "https://github.com/o/r"),
                ("project", "https://github.com/o/r"),
            ),
        ],
        findings=[],
    )
    _, findings = resolve_entries(parsed)
    assert [(f.code, f.line) for f in findings] == [("duplicate-url", 4)]
