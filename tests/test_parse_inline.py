"""Links inside one block: Markdown links, HTML anchors, bare URLs, badges, positions."""

from __future__ import annotations

from pipeline.model import RawLink
from pipeline.stages.parse import parse_list


def _links(line: str) -> list[RawLink]:
    parsed = parse_list(line + "\n", "t.md")
    assert len(parsed.entries) == 1, parsed
    return parsed.entries[0].links


def test_html_anchor_is_a_link() -> None:
    links = _links('- A Paper Title. CVPR\'2024. <a href="https://arxiv.org/abs/1">paper</a>')
    assert links == [RawLink(label="paper", url="https://arxiv.org/abs/1", line=1, column=38)]


def test_bare_url_is_labelled_by_the_text_before_it() -> None:
    links = _links("- A Paper Title. CVPR'2024. Paper: https://arxiv.org/abs/1.")
    assert [(link.label, link.url, link.column) for link in links] == [
        ("paper", "https://arxiv.org/abs/1", 36)
    ]


def test_bare_url_keeps_balanced_parentheses() -> None:
    links = _links("- A Paper Title. CVPR'2024. (code: https://example.org/a_(b))")
    assert links[0].url == "https://example.org/a_(b)"


def test_empty_link_target_is_not_a_link() -> None:
    links = _links("- A Paper Title. CVPR'2024. [[paper](https://arxiv.org/abs/1)] [Coming soon]()")
    assert [link.url for link in links] == ["https://arxiv.org/abs/1"]


def test_anchor_and_relative_links_are_not_entry_links() -> None:
    links = _links(
        "- A Paper Title. CVPR'2024. [[paper](https://arxiv.org/abs/1)] [top](#top) [img](./a.png)"
    )
    assert [link.url for link in links] == ["https://arxiv.org/abs/1"]


def test_same_url_twice_in_one_entry_is_one_link() -> None:
    # A title link repeated by its badge, or a repo linked as paper and code: one link.
    links = _links(
        "- A Paper Title. CVPR'2024. [[paper](https://github.com/a/b)] [[code](https://github.com/a/b)]"
    )
    assert [(link.label, link.column) for link in links] == [("paper", 38)]


def test_same_url_twice_outside_entries_gets_two_columns() -> None:
    parsed = parse_list("See [a](https://x.org/p) and [b](https://x.org/p), twice.\n", "t.md")
    assert [link.column for link in parsed.other_links] == [9, 34]


def test_url_prefix_of_an_earlier_url_is_found_at_its_own_place() -> None:
    links = _links(
        "- A Paper Title. CVPR'2024. [[paper](https://x.org/a/b.pdf)] [[code](https://x.org/a)]"
    )
    assert [link.column for link in links] == [38, 70]


def test_text_fragment_url_is_a_normal_link() -> None:
    url = "https://cvpr.thecvf.com/virtual/2025/poster/32585#:~:text=In%20this%20work%2C%20we"
    links = _links(f"- A Paper Title. CVPR'2025 [[paper]({url})]")
    assert [(link.label, link.url) for link in links] == [("paper", url)]


def test_link_on_a_continuation_line_has_that_line() -> None:
    parsed = parse_list(
        "- A Paper Title  \n  arXiv 2025, [Paper](https://arxiv.org/abs/1)\n", "t.md"
    )
    assert parsed.entries[0].links == [
        RawLink(label="paper", url="https://arxiv.org/abs/1", line=2, column=23)
    ]


def test_item_with_only_a_title_link_takes_its_text_as_title() -> None:
    parsed = parse_list(
        "- [Visual Instruction Tuning for Models](https://arxiv.org/abs/2304.08485) NeurIPS 2023\n",
        "t.md",
    )
    entry = parsed.entries[0]
    assert (entry.title, entry.venue, entry.year, entry.links[0].label) == (
        "Visual Instruction Tuning for Models",
        "NeurIPS",
        2023,
        "paper",
    )


def test_navigation_and_pointer_items_are_not_entries() -> None:
    text = "- [Survey](#survey)\n- [Awesome-MLLM-Segmentation](https://github.com/mc-lan/x)\n"
    assert parse_list(text, "t.md").entries == []


def test_an_entity_in_a_url_is_decoded_and_still_located() -> None:
    links = _links("- A Paper Title. CVPR'2024. [[paper](https://a.b/x?a=1&amp;b=2)]")
    assert [(link.url, link.column) for link in links] == [("https://a.b/x?a=1&b=2", 38)]


def test_a_destination_not_written_verbatim_is_read_where_it_is_written() -> None:
    # The destination is read after its `](` (issue 19, point 14), so the same URL written
    # verbatim far later is not taken for it, and the search stays linear (issue 12).
    far = "x" * 10_000
    text = f"See [a](https://a.b/x\\(y) {far} and https://a.b/x(y end.\n"
    first, second = parse_list(text, "t.md").other_links
    assert (first.url, first.line, first.column) == ("https://a.b/x(y", 1, 9)
    assert (second.url, second.column) == ("https://a.b/x(y", text.index("https://a.b/x(y") + 1)


def test_an_html_anchor_with_long_text_is_located_at_its_href() -> None:
    text = '- A Paper Title. CVPR\'2024. <a href="https://x.org/p?a=1&amp;b=2">a long link text here</a>'
    links = _links(text)
    assert [(link.url, link.column) for link in links] == [
        ("https://x.org/p?a=1&b=2", text.index("https://x.org") + 1)
    ]
