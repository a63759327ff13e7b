"""GitHub's API shapes: endpoints, the batched GraphQL query, rate-limit readings, and the
mapping of GraphQL nodes and REST bodies to `RepoRecord`. No I/O here.

Field notes (shared/reference/API-NOTES.md, section 3):
- `open_issues`: REST `open_issues_count` counts open pull requests too; GraphQL
  `issues(states: OPEN).totalCount` counts issues only.
- `last_commit_at`: GraphQL's default branch head `committedDate`; REST has no
  such field without a second request, so it stays None in REST mode.
- `size_kb`: GraphQL `diskUsage`, REST `size`, both in kilobytes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pipeline.model import FetchStatus, RepoRecord

__all__ = [
    "GraphQLBatch",
    "RateLimit",
    "api_endpoints",
    "build_query",
    "is_safe_repo",
    "limit_wait",
    "parse_graphql",
    "rate_limit_from_graphql",
    "rate_limit_from_headers",
    "record_from_graphql",
    "record_from_rest",
]

_REPO_FIELDS = """databaseId nameWithOwner url description homepageUrl
  stargazerCount forkCount createdAt pushedAt isArchived isDisabled isFork isEmpty diskUsage
  primaryLanguage { name } licenseInfo { spdxId key name }
  repositoryTopics(first: 20) { nodes { topic { name } } }
  issues(states: OPEN) { totalCount }
  defaultBranchRef { name target { ... on Commit { committedDate } } }"""


def api_endpoints(base: str) -> tuple[str, str]:
    """The REST base and the GraphQL URL for an API base (api.github.com or `<host>/api/v3`)."""
    base = base.rstrip("/")
    if base.endswith("/api/v3"):
        # GitHub Enterprise Server: REST at <host>/api/v3, GraphQL at <host>/api/graphql.
        return base, base.removesuffix("/v3") + "/graphql"
    return base, base + "/graphql"


def build_query(repos: list[str]) -> str:
    """One GraphQL query for `repos` ('owner/name'), aliased r0..rN, plus `rateLimit`."""
    lines = ["query {", "  rateLimit { cost limit remaining used resetAt }"]
    for index, repo in enumerate(repos):
        owner, name = repo.split("/", 1)
        # GraphQL string literals escape like JSON ones.
        args = f"owner: {json.dumps(owner)}, name: {json.dumps(name)}"
        lines.append(f"  r{index}: repository({args}) {{ ...R }}")
    lines.append("}")
    lines.append(f"fragment R on Repository {{ {_REPO_FIELDS} }}")
    return "\n".join(lines)


@dataclass(frozen=True)
class RateLimit:
    """Where the budget stands, from `x-ratelimit-*` headers or GraphQL `rateLimit`."""

    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None  # epoch seconds
    resource: str | None = None
    cost: int | None = None


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {key.lower(): value for key, value in headers.items()}


def rate_limit_from_headers(headers: Mapping[str, str]) -> RateLimit | None:
    """The `x-ratelimit-*` headers (any case), or None when the answer has none."""
    h = _lower(headers)
    if "x-ratelimit-remaining" not in h:
        return None
    reset = _int(h.get("x-ratelimit-reset"))
    return RateLimit(
        limit=_int(h.get("x-ratelimit-limit")),
        remaining=_int(h.get("x-ratelimit-remaining")),
        reset=float(reset) if reset is not None else None,
        resource=h.get("x-ratelimit-resource"),
    )


def rate_limit_from_graphql(payload: Any) -> RateLimit | None:
    """The `rateLimit` root field of a GraphQL answer, or None."""
    data = payload.get("data") if isinstance(payload, dict) else None
    node = data.get("rateLimit") if isinstance(data, dict) else None
    if not isinstance(node, dict):
        return None
    reset = _date(node.get("resetAt"))  # an ISO string, whatever the docs say
    return RateLimit(
        limit=_int(node.get("limit")),
        remaining=_int(node.get("remaining")),
        reset=reset.timestamp() if reset else None,
        resource="graphql",
        cost=_int(node.get("cost")),
    )


def limit_wait(status: int, headers: Mapping[str, str], now: float) -> float | None:
    """Seconds to wait if this answer is a rate limit (primary or secondary), else None.

    Classified by headers, never by message text (API-NOTES: some secondary
    refusals use primary wording): `retry-after` wins; remaining 0 means wait
    for the reset; a 403/429 with neither is secondary: at least 60 s.
    """
    if status not in (403, 429):
        return None
    h = _lower(headers)
    retry_after = _int(h.get("retry-after"))
    if retry_after is not None:
        return float(max(retry_after, 0))
    remaining = _int(h.get("x-ratelimit-remaining"))
    reset = _int(h.get("x-ratelimit-reset"))
    if remaining == 0 and reset is not None:
        return max(reset - now, 0.0) + 1.0
    if status == 429 or remaining is not None:
        return 60.0
    return None  # a 403 without any rate-limit header is a plain refusal


@dataclass
class GraphQLBatch:
    """One GraphQL answer split by alias."""

    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    not_found: set[str] = field(default_factory=set)
    blocked: set[str] = field(default_factory=set)  # access blocked (DMCA, TOS)
    rate_limited: bool = False
    errors: list[str] = field(default_factory=list)  # other errors, for notes


def _is_block(kind: Any, message: Any) -> bool:
    # Not in the recorded payloads: GitHub's wording for blocked repositories over REST is
    # "Repository access blocked"; accept that message or a FORBIDDEN/legal error type.
    text = str(message or "").lower()
    return kind in ("FORBIDDEN", "UNAVAILABLE_FOR_LEGAL_REASONS") or "access blocked" in text


def parse_graphql(payload: Any) -> GraphQLBatch:
    """Split a GraphQL answer into found nodes, NOT_FOUND aliases and a rate-limit flag."""
    batch = GraphQLBatch()
    if not isinstance(payload, dict):
        batch.errors.append("answer is not a JSON object")
        return batch
    for error in payload.get("errors") or []:
        if not isinstance(error, dict):
            continue
        kind = error.get("type")
        path = error.get("path") or []
        if kind == "RATE_LIMITED":
            batch.rate_limited = True
        elif kind == "NOT_FOUND" and path and isinstance(path[0], str):
            batch.not_found.add(path[0])
        elif path and isinstance(path[0], str) and _is_block(kind, error.get("message")):
            batch.blocked.add(path[0])
        else:
            batch.errors.append(str(error.get("message", kind))[:200])
    data = payload.get("data")
    if isinstance(data, dict):
        for alias, node in data.items():
            if alias != "rateLimit" and isinstance(node, dict):
                batch.nodes[alias] = node
    return batch


def _date(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _get(node: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def record_from_graphql(node: dict[str, Any], linked_as: str, now: datetime) -> RepoRecord:
    """A `RepoRecord` from one GraphQL `Repository` node."""
    topics = [
        name
        for item in _get(node, "repositoryTopics", "nodes") or []
        if (name := _str(_get(item, "topic", "name")))
    ]
    branch = node.get("defaultBranchRef")
    return RepoRecord(
        linked_as=linked_as,
        status=FetchStatus.OK,
        repo_id=_int(node.get("databaseId")),
        full_name=_str(node.get("nameWithOwner")),
        url=_str(node.get("url")),
        stars=_int(node.get("stargazerCount")),
        forks=_int(node.get("forkCount")),
        open_issues=_int(_get(node, "issues", "totalCount")),
        created_at=_date(node.get("createdAt")),
        pushed_at=_date(node.get("pushedAt")),
        last_commit_at=_date(_get(branch, "target", "committedDate")),
        archived=bool(node.get("isArchived")),
        disabled=bool(node.get("isDisabled")),
        fork=bool(node.get("isFork")),
        license=_str(_get(node, "licenseInfo", "spdxId")) or _str(_get(node, "licenseInfo", "key")),
        description=_str(node.get("description")),
        topics=topics,
        homepage=_str(node.get("homepageUrl")),
        language=_str(_get(node, "primaryLanguage", "name")),
        size_kb=_int(node.get("diskUsage")),
        default_branch=_str(_get(branch, "name")),
        empty=bool(node.get("isEmpty")) or branch is None,
        fetched_at=now,
    )


def record_from_rest(body: dict[str, Any], linked_as: str, now: datetime) -> RepoRecord:
    """A `RepoRecord` from a REST `GET /repos/{owner}/{repo}` body."""
    size = _int(body.get("size"))
    return RepoRecord(
        linked_as=linked_as,
        status=FetchStatus.OK,
        repo_id=_int(body.get("id")),
        full_name=_str(body.get("full_name")),
        url=_str(body.get("html_url")),
        stars=_int(body.get("stargazers_count")),
        forks=_int(body.get("forks_count")),
        open_issues=_int(body.get("open_issues_count")),
        created_at=_date(body.get("created_at")),
        pushed_at=_date(body.get("pushed_at")),
        last_commit_at=None,  # not in this answer; see the module docstring
        archived=bool(body.get("archived")),
        disabled=bool(body.get("disabled")),
        fork=bool(body.get("fork")),
        license=_str(_get(body, "license", "spdx_id")) or _str(_get(body, "license", "key")),
        description=_str(body.get("description")),
        topics=[t for t in body.get("topics") or [] if isinstance(t, str)],
        homepage=_str(body.get("homepage")),
        language=_str(body.get("language")),
        size_kb=size,
        default_branch=_str(body.get("default_branch")),
        # REST reports `size` 0 for a repository with no commits.
        empty=size == 0,
        fetched_at=now,
    )


_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.\-]+/[A-Za-z0-9_.\-]+$")


def is_safe_repo(repo: str) -> bool:
    """True for an 'owner/name' that can go into a URL path or a query unescaped."""
    return bool(_SAFE_NAME.match(repo))
