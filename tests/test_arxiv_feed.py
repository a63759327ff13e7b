"""Feeds, records and query URLs, on recorded real arXiv answers (tests/fixtures/arxiv/).

The fixtures are copies of shared/reference/arxiv/*.xml, recorded from
export.arxiv.org in 2026 by lukasschwab/arxiv.py (see the .txt files there).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from pipeline.model import FetchStatus
from pipeline.stages.arxiv.feed import (
    error_feed_message,
    id_query_url,
    parse_feed,
    record_from_result,
    split_version,
    title_query_urls,
)

FIXTURES = Path(__file__).parent / "fixtures" / "arxiv"
NOW = datetime(2026, 5, 1, tzinfo=UTC)
BASE = "https://export.arxiv.org/api/query"


def _body(name: str) -> bytes:
    return (FIXTURES / f"api_query_{name}.xml").read_bytes()


def test_a_batch_with_a_missing_id_counts_only_the_found_one() -> None:
    feed = parse_feed(_body("id_0808.05394_1707.08567"))
    assert feed is not None and feed.total == 1
    assert [r.get_short_id() for r in feed.results] == ["1707.08567v1"]


def test_not_found_is_a_feed_with_total_zero() -> None:
    feed = parse_feed(_body("id_0000.0000_notfound"))
    assert feed is not None and (feed.total, feed.results) == (0, [])


@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><body><h1>Down for maintenance</h1></body></html>",
        b"",
        b"<feed xmlns='http://www.w3.org/2005/Atom'></feed>",  # no totalResults
        b"<?xml version='1.0'?><rss><channel/></rss>",
    ],
    ids=["html", "empty", "no-total", "not-atom"],
)
def test_a_body_that_is_not_an_arxiv_feed_is_none(body: bytes) -> None:
    assert parse_feed(body) is None


def test_error_feed_message_is_read() -> None:
    assert error_feed_message(_body("id_abc_http400")) == "incorrect id format for abc"


def test_a_normal_feed_has_no_error_message() -> None:
    assert error_feed_message(_body("id_0808.05394_1707.08567")) is None


def test_record_from_a_recorded_search_result() -> None:
    feed = parse_feed(_body("search_testing_s0_m10"))
    assert feed is not None and feed.total == 214881 and len(feed.results) == 10
    record = record_from_result(feed.results[0], now=NOW)
    assert (record.arxiv_id, record.version) == ("2202.12139", 1)
    assert record.title.startswith("Testing Deep Learning Models")
    assert record.authors == ["Mohit Kumar Ahuja", "Arnaud Gotlieb", "Helge Spieker"]
    assert (record.primary_category, record.categories) == ("cs.SE", ["cs.SE", "cs.LG"])
    assert record.doi == "10.1109/ICSTW55395.2022.00035"
    assert record.comment.startswith("Artificial Intelligence in Software Testing")
    assert record.abs_url == "https://arxiv.org/abs/2202.12139v1"
    assert record.pdf_url == "https://arxiv.org/pdf/2202.12139v1"
    assert record.published == datetime(2022, 2, 24, 15, 5, 19, tzinfo=UTC)
    assert (record.status, record.fetched_at, record.withdrawn) == (FetchStatus.OK, NOW, False)


def test_old_style_ids_keep_their_archive() -> None:
    feed = parse_feed(_body("id_quant-ph_0201082v1"))
    assert feed is not None
    record = record_from_result(feed.results[0], now=NOW)
    assert (record.arxiv_id, record.version) == ("quant-ph/0201082", 1)


@pytest.mark.parametrize(
    ("short", "expected"),
    [("2305.11175v2", ("2305.11175", 2)), ("2305.11175", ("2305.11175", None))],
)
def test_split_version(short: str, expected: tuple[str, int | None]) -> None:
    assert split_version(short) == expected


def test_id_query_asks_for_as_many_results_as_ids() -> None:
    query = parse_qs(urlsplit(id_query_url(BASE, ["2305.11175", "hep-th/9901001"])).query)
    assert query["id_list"] == ["2305.11175,hep-th/9901001"]
    assert query["max_results"] == ["2"]


def test_title_queries_stay_under_the_url_limit() -> None:
    titles = [f"A Rather Long Paper Title About Segmentation Number {n}" for n in range(200)]
    batches = title_query_urls(BASE, titles)
    assert all(len(url) <= 4000 for url, _ in batches)
    assert [t for _, batch in batches for t in batch] == titles
    assert len(batches) <= 200 * 80 // 3000 + 1  # as few as fit, not one per title


def test_title_query_is_or_combined_phrases() -> None:
    ((url, _),) = title_query_urls(BASE, ["A: b", "C d"])
    assert parse_qs(urlsplit(url).query)["search_query"] == ['ti:"A: b" OR ti:"C d"']
