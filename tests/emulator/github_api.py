"""GitHub's REST and GraphQL APIs on loopback, shaped like shared/reference/github/.

    world = seed_world(Path("data/awesome-list.md"))     # every repo the list links
    api = mount_github(emulator, world)                   # host "api.github.com"
    settings = Settings(github_api_url=emulator.base_url("api.github.com"))

REST: `GET /repos/{owner}/{name}` (200 with ETag, 304 on If-None-Match, 301 to
`<base>/repositories/{id}` for a renamed repo, 404, 451), `GET /repositories/{id}`.
GraphQL: `POST /graphql` (401 without a token); the aliased
`rN: repository(owner: "...", name: "...")` selections are read with a regex, not
a GraphQL parser; renames are followed (nameWithOwner differs), a missing repo
is a null alias plus a NOT_FOUND error. Every answer carries `x-ratelimit-*`
headers. `world.limit` switches on primary / secondary limits (403 or 429, with
or without retry-after) or GraphQL's RATE_LIMITED inside a 200;
`world.fail_status` makes every answer fail. The `/api/v3` prefix (GitHub
Enterprise) is accepted, with GraphQL at `/api/graphql`.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
import zlib
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pipeline.stages.resolve import repo_from_url
from tests.emulator.server import Emulator, Request, Response

__all__ = [
    "FakeRepo",
    "GitHubAPI",
    "GitHubWorld",
    "linked_repos",
    "mount_github",
    "seed_world",
    "world_as_dict",
]

HOST = "api.github.com"
_ALIAS = re.compile(
    r'(r\d+)\s*:\s*repository\(\s*owner:\s*"((?:[^"\\]|\\.)*)"\s*,\s*name:\s*"((?:[^"\\]|\\.)*)"'
)
_JSON = {"Content-Type": "application/json; charset=utf-8"}


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class FakeRepo:
    """One repository of the emulated GitHub."""

    id: int
    full_name: str
    stars: int = 100
    forks: int = 10
    open_issues: int = 3
    created_at: str = "2023-04-01T10:00:00Z"
    pushed_at: str | None = None  # None: "recently" (ten days before the world was built)
    archived: bool = False
    disabled: bool = False
    fork: bool = False
    license: str | None = "MIT"
    description: str | None = "Official implementation"
    topics: list[str] = field(default_factory=lambda: ["segmentation"])
    homepage: str | None = None
    language: str | None = "Python"
    size_kb: int = 20480
    default_branch: str | None = "main"  # None: an empty repository

    def rest(self, base: str) -> dict[str, Any]:
        """The REST body (the fields the pipeline reads, in GitHub's shape)."""
        owner, name = self.full_name.split("/")
        lic = {"key": self.license.lower(), "name": self.license, "spdx_id": self.license}
        return {
            "id": self.id,
            "node_id": f"R_{self.id}",
            "name": name,
            "full_name": self.full_name,
            "private": False,
            "owner": {"login": owner, "type": "Organization"},
            "html_url": f"https://github.com/{self.full_name}",
            "description": self.description,
            "fork": self.fork,
            "url": f"{base}/repos/{self.full_name}",
            "created_at": self.created_at,
            "updated_at": self.pushed_at,
            "pushed_at": self.pushed_at,
            "homepage": self.homepage,
            "size": self.size_kb if self.default_branch else 0,
            "stargazers_count": self.stars,
            "watchers_count": self.stars,
            "language": self.language,
            "forks_count": self.forks,
            "archived": self.archived,
            "disabled": self.disabled,
            "open_issues_count": self.open_issues,
            "license": lic if self.license else None,
            "topics": self.topics,
            "visibility": "public",
            "default_branch": self.default_branch or "main",
            "watchers": self.stars,
            "subscribers_count": 5,
        }

    def graphql(self) -> dict[str, Any]:
        """The GraphQL `Repository` node for the fields the pipeline asks."""
        branch = None
        if self.default_branch:
            branch = {"name": self.default_branch, "target": {"committedDate": self.pushed_at}}
        lic = self.license
        return {
            "databaseId": self.id,
            "nameWithOwner": self.full_name,
            "url": f"https://github.com/{self.full_name}",
            "description": self.description,
            "homepageUrl": self.homepage,
            "stargazerCount": self.stars,
            "forkCount": self.forks,
            "createdAt": self.created_at,
            "pushedAt": self.pushed_at,
            "isArchived": self.archived,
            "isDisabled": self.disabled,
            "isFork": self.fork,
            "isEmpty": self.default_branch is None,
            "diskUsage": self.size_kb if self.default_branch else 0,
            "primaryLanguage": {"name": self.language} if self.language else None,
            "licenseInfo": {"spdxId": lic, "key": lic.lower(), "name": lic} if lic else None,
            "repositoryTopics": {"nodes": [{"topic": {"name": t}} for t in self.topics]},
            "issues": {"totalCount": self.open_issues},
            "defaultBranchRef": branch,
        }


@dataclass
class GitHubWorld:
    """Repos by id, and which names are renamed, deleted or blocked; plus the limit switches."""

    repos: dict[int, FakeRepo] = field(default_factory=dict)
    renamed: dict[str, int] = field(default_factory=dict)  # old name (lower) -> id
    deleted: set[str] = field(default_factory=set)  # lower names answering 404
    blocked: set[str] = field(default_factory=set)  # lower names answering 451
    roles: dict[str, str] = field(default_factory=dict)  # "renamed" -> name as linked, ...
    token: str | None = None  # if set, any other bearer token gets 401
    rest_limit: int = 60  # per hour without a token
    auth_limit: int = 5000  # per hour with one (REST and GraphQL points alike)
    limit: str | None = None  # None, "primary", "secondary", "graphql-rate-limited"
    limit_status: int = 403
    limit_retry_after: str | None = None
    limit_count: int = -1  # how many answers are limited before normal service (-1: all)
    reset_in: float = 3600.0  # seconds from now to x-ratelimit-reset
    fail_status: int | None = None  # every answer gets this status (e.g. 502)

    def add(self, repo: FakeRepo) -> FakeRepo:
        """Add a repository (its pushed_at defaults to ten days ago)."""
        if repo.pushed_at is None:
            repo.pushed_at = _iso(datetime.now(UTC) - timedelta(days=10))
        self.repos[repo.id] = repo
        return repo

    def find(self, name: str) -> FakeRepo | None:
        """The repository answering to `name` now (no renames followed)."""
        lower = name.lower()
        return next((r for r in self.repos.values() if r.full_name.lower() == lower), None)


class GitHubAPI:
    """The handler: answers REST and GraphQL from a `GitHubWorld`, counting the budget."""

    def __init__(self, emulator: Emulator, world: GitHubWorld, host: str = HOST) -> None:
        self.emulator = emulator
        self.world = world
        self.host = host
        self.used: dict[str, int] = {}  # "core:anon", "core:auth", "graphql" -> used
        self.reset_at = int(time.time() + world.reset_in)
        self._lock = threading.Lock()

    def __call__(self, request: Request) -> Response:
        world = self.world
        path = request.path
        prefix = "/api/v3" if path.startswith("/api/v3/") else ""
        path = path.removeprefix(prefix)
        graphql = request.method == "POST" and path in ("/graphql", "/api/graphql")
        token = _bearer(request)
        authed = token is not None
        if world.fail_status:
            return self._answer(world.fail_status, {"message": "Server Error"}, "core", authed)
        if graphql and (token is None or (world.token is not None and token != world.token)):
            body = {"message": "This endpoint requires you to be authenticated.", "status": "401"}
            return Response(401, dict(_JSON), json.dumps(body).encode())
        resource = "graphql" if graphql else "core"
        limited = self._limited(resource, authed)
        if limited is not None:
            return limited
        if graphql:
            return self._graphql(request)
        base = self.emulator.base_url(self.host) + prefix
        match = re.fullmatch(r"/repos/([^/]+/[^/]+)/?", path)
        if request.method == "GET" and match:
            return self._rest_repo(request, match[1], base, authed)
        match = re.fullmatch(r"/repositories/(\d+)/?", path)
        if request.method == "GET" and match and int(match[1]) in world.repos:
            return self._rest_body(request, world.repos[int(match[1])], base, authed)
        body = {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}
        return self._answer(404, body, resource, authed)

    # -- budget ---------------------------------------------------------------------------
    def _key(self, resource: str, authed: bool) -> str:
        return "graphql" if resource == "graphql" else f"core:{'auth' if authed else 'anon'}"

    def _headers(self, resource: str, authed: bool, remaining: int | None = None) -> dict[str, str]:
        limit = self.world.auth_limit if authed else self.world.rest_limit
        used = self.used.get(self._key(resource, authed), 0)
        left = max(limit - used, 0) if remaining is None else remaining
        return {
            **_JSON,
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(left),
            "X-RateLimit-Reset": str(self.reset_at),
            "X-RateLimit-Used": str(used),
            "X-RateLimit-Resource": resource,
        }

    def _spend(self, resource: str, authed: bool) -> None:
        with self._lock:
            key = self._key(resource, authed)
            self.used[key] = self.used.get(key, 0) + 1

    def _answer(self, status: int, body: Any, resource: str, authed: bool) -> Response:
        self._spend(resource, authed)
        return Response(status, self._headers(resource, authed), json.dumps(body).encode())

    def _limited(self, resource: str, authed: bool) -> Response | None:
        world = self.world
        limit = world.auth_limit if authed else world.rest_limit
        spent = self.used.get(self._key(resource, authed), 0) >= limit
        switched = world.limit is not None and world.limit_count != 0
        if not (spent or switched):
            return None
        if switched and world.limit_count > 0:
            world.limit_count -= 1
        kind = "primary" if spent else world.limit
        headers = self._headers(resource, authed, remaining=0 if kind != "secondary" else None)
        if kind == "graphql-rate-limited" and resource == "graphql":
            body = {"errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded."}]}
            return Response(200, headers, json.dumps(body).encode())
        if world.limit_retry_after is not None and not spent:
            headers["Retry-After"] = world.limit_retry_after
        message = (
            "You have exceeded a secondary rate limit. Please wait a few minutes."
            if kind == "secondary"
            else "API rate limit exceeded for 127.0.0.1."
        )
        status = 403 if spent else world.limit_status
        body = {"message": message, "documentation_url": "https://docs.github.com/rest"}
        return Response(status, headers, json.dumps(body).encode())

    # -- REST -----------------------------------------------------------------------------
    def _rest_repo(self, request: Request, name: str, base: str, authed: bool) -> Response:
        world, lower = self.world, name.lower()
        if lower in world.blocked:
            body = {"message": "Repository access blocked", "block": {"reason": "dmca"}}
            return self._answer(451, body, "core", authed)
        repo = world.find(name)
        if repo is not None:
            return self._rest_body(request, repo, base, authed)
        if lower in world.renamed:
            target = f"{base}/repositories/{world.renamed[lower]}"
            self._spend("core", authed)
            headers = {**self._headers("core", authed), "Location": target}
            body = {"message": "Moved Permanently", "url": target, "documentation_url": "x"}
            return Response(301, headers, json.dumps(body).encode())
        body = {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}
        return self._answer(404, body, "core", authed)

    def _rest_body(self, request: Request, repo: FakeRepo, base: str, authed: bool) -> Response:
        payload = json.dumps(repo.rest(base)).encode()
        etag = f'W/"{hashlib.sha256(payload).hexdigest()}"'
        if request.headers.get("if-none-match") == etag:
            if not authed:  # a 304 is free only with a token (API-NOTES)
                self._spend("core", authed)
            headers = self._headers("core", authed)
            headers.pop("Content-Type")
            return Response(304, {**headers, "ETag": etag})
        self._spend("core", authed)
        return Response(200, {**self._headers("core", authed), "ETag": etag}, payload)

    # -- GraphQL --------------------------------------------------------------------------
    def _graphql(self, request: Request) -> Response:
        query = json.loads(request.body or b"{}").get("query", "")
        self._spend("graphql", True)
        data: dict[str, Any] = {}
        errors = []
        for alias, owner, name in _ALIAS.findall(query):
            full = f"{json.loads(chr(34) + owner + chr(34))}/{json.loads(chr(34) + name + chr(34))}"
            repo = self.world.find(full)
            if repo is None and full.lower() in self.world.renamed:
                repo = self.world.repos[self.world.renamed[full.lower()]]
            if full.lower() in self.world.blocked:
                data[alias] = None
                errors.append(_error("FORBIDDEN", alias, "Repository access blocked"))
            elif repo is None or full.lower() in self.world.deleted:
                data[alias] = None
                msg = f"Could not resolve to a Repository with the name '{full}'."
                errors.append(_error("NOT_FOUND", alias, msg))
            else:
                node = repo.graphql()
                data[alias] = {k: v for k, v in node.items() if re.search(rf"\b{k}\b", query)}
        headers = self._headers("graphql", True)
        if "rateLimit" in query:
            used = self.used.get("graphql", 0)
            data = {
                "rateLimit": {
                    "cost": 1,
                    "limit": self.world.auth_limit,
                    "remaining": max(self.world.auth_limit - used, 0),
                    "used": used,
                    "resetAt": _iso(datetime.fromtimestamp(self.reset_at, UTC)),
                },
                **data,
            }
        body: dict[str, Any] = {"data": data}
        if errors:
            body["errors"] = errors
        return Response(200, headers, json.dumps(body).encode())


def _error(kind: str, alias: str, message: str) -> dict[str, Any]:
    return {
        "type": kind,
        "path": [alias],
        "locations": [{"line": 3, "column": 3}],
        "message": message,
    }


def _bearer(request: Request) -> str | None:
    value = request.headers.get("authorization", "")
    for scheme in ("bearer ", "token "):
        if value.lower().startswith(scheme):
            return value[len(scheme) :].strip() or None
    return None


def mount_github(emulator: Emulator, world: GitHubWorld, host: str = HOST) -> GitHubAPI:
    """Serve `world` as host `host` on the emulator; the API base is `emulator.base_url(host)`."""
    api = GitHubAPI(emulator, world, host)
    emulator.mount(host, api)
    return api


def linked_repos(list_path: Path) -> list[str]:
    """Every 'owner/name' a Markdown list links, first spelling wins, in order."""
    seen: dict[str, str] = {}
    text = list_path.read_text(encoding="utf-8")
    for url in re.findall(r"https?://(?:www\.)?github\.com/[^\s)\]>\"'<]+", text):
        repo = repo_from_url(url)
        if repo and repo.lower() not in seen:
            seen[repo.lower()] = repo
    return list(seen.values())


def seed_world(list_path: Path) -> GitHubWorld:
    """A world with every repo `list_path` links; one each renamed, deleted, archived,
    placeholder and stale (their linked names in `world.roles`)."""
    world = GitHubWorld()
    repos = linked_repos(list_path)
    # Skip the first two (the list's own badges and a survey) so the roles land on papers.
    roles = dict(
        zip(["renamed", "deleted", "archived", "placeholder", "stale"], repos[2:7], strict=True)
    )
    world.roles = roles
    for index, name in enumerate(repos):
        digest = zlib.crc32(name.lower().encode())
        repo = FakeRepo(id=100_000 + index, full_name=name, stars=digest % 5000, forks=digest % 300)
        if name == roles["renamed"]:
            owner, old = name.split("/")
            repo.full_name = f"{owner}-lab/{old}-v2"
            world.renamed[name.lower()] = repo.id
        elif name == roles["deleted"]:
            world.deleted.add(name.lower())
            continue
        elif name == roles["archived"]:
            repo.archived = True
        elif name == roles["placeholder"]:
            repo.description, repo.language, repo.size_kb = "Code coming soon", None, 4
        elif name == roles["stale"]:
            repo.pushed_at = "2021-03-01T00:00:00Z"
        world.add(repo)
    return world


def world_as_dict(world: GitHubWorld) -> dict[str, Any]:
    """A JSON-able picture of the world (for the demo and debugging)."""
    return {"repos": [asdict(r) for r in world.repos.values()], "roles": world.roles}
