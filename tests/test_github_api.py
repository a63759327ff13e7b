"""GitHub API shapes: endpoints, query, rate-limit readings, mapping of recorded payloads."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.model import RepoRecord
from pipeline.stages.github.api import (
    api_endpoints,
    build_query,
    limit_wait,
    parse_graphql,
    rate_limit_from_graphql,
    rate_limit_from_headers,
    record_from_rest,
)
from pipeline.stages.github.health import is_placeholder, is_plain_repo_url

# Recorded GitHub answers (copied from the project's reference recordings, so they run for
# every contributor and in CI).
REF = Path(__file__).parent / "fixtures" / "github"
NOW = datetime(2026, 5, 1, tzinfo=UTC)


def test_the_recorded_payloads_ship_with_the_tests() -> None:
    # They used to be read from outside the repository and skipped silently without it.
    root = Path(__file__).resolve().parents[1]
    assert REF.resolve().is_relative_to(root)
    for name in ("rest_get_repo_200_PyGithub_2026.json", "rest_get_repo_404.headers.json"):
        assert json.loads((REF / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("base", "rest", "graphql"),
    [
        ("https://api.github.com", "https://api.github.com", "https://api.github.com/graphql"),
        (
            "https://ghe.example/api/v3/",
            "https://ghe.example/api/v3",
            "https://ghe.example/api/graphql",
        ),
    ],
    ids=["github.com", "enterprise"],
)
def test_api_endpoints(base: str, rest: str, graphql: str) -> None:
    assert api_endpoints(base) == (rest, graphql)


def test_query_escapes_names_and_aliases_in_order() -> None:
    query = build_query(["a/b", 'x/we"ird'])
    assert 'r0: repository(owner: "a", name: "b")' in query
    assert 'r1: repository(owner: "x", name: "we\\"ird")' in query


def test_rest_record_from_recorded_payload() -> None:
    body = json.loads((REF / "rest_get_repo_200_PyGithub_2026.json").read_text())
    record = record_from_rest(body, "pygithub/pygithub", NOW)
    assert (record.repo_id, record.full_name) == (3544490, "PyGithub/PyGithub")
    assert record.stars == body["stargazers_count"] and record.license == "LGPL-3.0"
    assert record.pushed_at is not None and record.last_commit_at is None


def test_rate_limit_headers_from_recording_any_case() -> None:
    pairs = json.loads((REF / "rest_get_repo_404.headers.json").read_text())
    rate = rate_limit_from_headers(dict(pairs))
    assert rate is not None and (rate.limit, rate.remaining, rate.resource) == (5000, 4978, "core")


def test_graphql_not_found_recording_is_split_by_path() -> None:
    batch = parse_graphql(json.loads((REF / "graphql_not_found_200.json").read_text()))
    assert batch.not_found == {"node"} and batch.nodes == {} and not batch.rate_limited


def test_graphql_rate_limit_field_reset_is_an_iso_string() -> None:
    payload = {
        "data": {
            "rateLimit": {
                "cost": 1,
                "limit": 5000,
                "remaining": 4,
                "used": 4996,
                "resetAt": "2026-06-01T13:00:00Z",
            }
        }
    }
    rate = rate_limit_from_graphql(payload)
    assert rate is not None and rate.remaining == 4
    assert rate.reset == datetime(2026, 6, 1, 13, tzinfo=UTC).timestamp()


def test_graphql_rate_limited_error_is_flagged() -> None:
    batch = parse_graphql({"errors": [{"type": "RATE_LIMITED", "message": "API rate limit"}]})
    assert batch.rate_limited


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        (403, {"Retry-After": "30", "X-RateLimit-Remaining": "0"}, 30.0),
        (403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1100"}, 101.0),
        (429, {}, 60.0),
        (403, {"x-ratelimit-remaining": "12"}, 60.0),
        (403, {}, None),
        (404, {"x-ratelimit-remaining": "0"}, None),
    ],
    ids=["retry-after-wins", "primary-reset", "429-bare", "secondary", "plain-403", "not-a-limit"],
)
def test_limit_wait(status: int, headers: dict[str, str], expected: float | None) -> None:
    assert limit_wait(status, headers, now=1000.0) == expected


@pytest.mark.parametrize(
    ("url", "plain"),
    [
        ("https://github.com/a/b", True),
        ("https://github.com/a/b/", True),
        ("https://www.github.com/a/b?tab=readme-ov-file", True),
        ("https://github.com/a/b/tree/main/src", False),
        ("https://github.com/a/b?x=1", False),
        ("https://gitlab.com/a/b", False),
    ],
)
def test_plain_repo_url(url: str, plain: bool) -> None:
    assert is_plain_repo_url(url) is plain


@pytest.mark.parametrize(
    ("fields", "placeholder"),
    [
        ({"empty": True}, True),
        ({"size_kb": 5, "language": None}, True),
        ({"size_kb": 300, "language": "Python", "description": "Code coming soon"}, True),
        ({"size_kb": 300, "language": "Python", "description": "A segmentation model"}, False),
        ({"size_kb": 50_000, "language": None, "description": "coming soon"}, False),
    ],
    ids=["empty", "tiny-no-code", "coming-soon", "small-real", "big"],
)
def test_placeholder_rule(fields: dict[str, object], placeholder: bool) -> None:
    record = RepoRecord.model_validate({"linked_as": "a/b", **fields})
    assert is_placeholder(record) is placeholder
