"""Talking to GitHub: GraphQL batches with a token, REST with ETags without one, the
per-repo cache, and the rate-limit rules (wait when short, otherwise stop for this run).

The token is read (`get_secret_value`) only in `_auth_headers`, whose result
goes straight into the request: never into a cache key or value, a note or an
error message. Cache keys are the linked 'owner/name'; values are records.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from pipeline.context import RunContext
from pipeline.model import RepoRecord
from pipeline.net import CONNECTION_LEVEL, Fetched, FetchError, host_of
from pipeline.stages.github.api import (
    RateLimit,
    api_endpoints,
    build_query,
    is_safe_repo,
    limit_wait,
    parse_graphql,
    rate_limit_from_graphql,
    rate_limit_from_headers,
    record_from_graphql,
    record_from_rest,
)

__all__ = ["GitHubFetcher", "Outcome", "RepoOutcome"]

_CACHE_KIND = "github"
_MAX_LIMIT_WAITS = 2  # rate-limit waits per request before giving up on it


class Outcome(StrEnum):
    """What GitHub said about one repository this run."""

    OK = "ok"
    NOT_FOUND = "not_found"  # deleted, or private: GitHub does not tell them apart
    BLOCKED = "blocked"  # 451 (DMCA) or an access block
    FAILED = "failed"  # no answer this run (rate limit, outage, server error)


@dataclass(frozen=True)
class RepoOutcome:
    """One repository's result: the outcome, the record when found, and where it came from."""

    outcome: Outcome
    record: RepoRecord | None = None
    detail: str = ""
    from_cache: bool = False  # a fresh cache entry answered; no request this run


class GitHubFetcher:
    """One per stage run: endpoints, mode (GraphQL or REST), budget and the stop switch."""

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self.settings = ctx.settings
        self.rest, self.graphql = api_endpoints(self.settings.github_api_url)
        self.host = host_of(self.rest)
        self.use_token = self.settings.github_token is not None
        self.rate: RateLimit | None = None
        self.stopped = ""  # why GitHub is not called again this run; empty while calling
        self.notes: list[str] = []

    # -- public -----------------------------------------------------------------------------
    async def fetch_all(self, repos: list[str]) -> dict[str, RepoOutcome]:
        """Outcomes for every repo ('owner/name' as linked), from the cache or from GitHub."""
        outcomes: dict[str, RepoOutcome] = {}
        todo = []
        for repo in repos:
            cached = self._cached(repo)
            if cached is not None:
                outcomes[repo] = cached
                self.ctx.counters["cache_hits"] += 1
            elif not is_safe_repo(repo):
                outcomes[repo] = RepoOutcome(Outcome.FAILED, detail="not a repository name")
            else:
                todo.append(repo)
        if self.use_token:
            size = self.settings.github_batch_size
            for start in range(0, len(todo), size):
                outcomes.update(await self._graphql_batch(todo[start : start + size]))
                if not self.use_token:  # the token was refused: REST for the rest
                    for repo in todo[start:]:
                        done = outcomes.get(repo)
                        if done is None or done.outcome is Outcome.FAILED:
                            outcomes[repo] = await self._rest(repo)
                    break
        else:
            for repo in todo:
                outcomes[repo] = await self._rest(repo)
        return outcomes

    # -- cache ------------------------------------------------------------------------------
    def _cached(self, repo: str) -> RepoOutcome | None:
        entry = self.ctx.net.cache.get(_CACHE_KIND, f"repo:{repo.lower()}")
        if entry is None or not entry.fresh:
            return None
        value = entry.value
        record, detail = value.get("record"), value.get("detail", "")
        try:
            return RepoOutcome(
                Outcome(value.get("outcome")),
                RepoRecord.model_validate(record) if record else None,
                detail=detail if isinstance(detail, str) else "",
                from_cache=True,
            )
        except (ValueError, ValidationError):  # not what _store writes: the cache is not trusted
            return None

    def _store(self, repo: str, result: RepoOutcome) -> RepoOutcome:
        if result.outcome is not Outcome.FAILED:  # only final observations are cached
            record = result.record.model_dump(mode="json") if result.record else None
            value = {"outcome": result.outcome.value, "record": record, "detail": result.detail}
            self.ctx.net.cache.put(_CACHE_KIND, f"repo:{repo.lower()}", value)
        return result

    # -- transport --------------------------------------------------------------------------
    def _auth_headers(self) -> dict[str, str]:
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        }
        if self.use_token and self.settings.github_token is not None:
            headers["Authorization"] = f"Bearer {self.settings.github_token.get_secret_value()}"
        return headers

    async def _send(self, method: str, url: str, **kwargs: Any) -> Fetched | None:
        """One call with the rate-limit rules; None when GitHub is off for this run or failed."""
        for _ in range(_MAX_LIMIT_WAITS + 1):
            if self.stopped or not await self._budget_allows():
                return None
            before = self.ctx.net.counters[f"requests:{self.host}"]
            try:
                fetched = await self.ctx.net.fetch(
                    method, url, headers=self._auth_headers(), **kwargs
                )
            except FetchError as exc:
                if exc.failure in CONNECTION_LEVEL:
                    # The API host itself is unreachable: asking once per repo only adds noise.
                    self._stop(f"API unreachable ({exc.failure.value})")
                else:
                    self.notes.append(f"GitHub: no answer ({exc.failure.value})")
                return None
            finally:
                sent = self.ctx.net.counters[f"requests:{self.host}"] - before
                self.ctx.counters["requests:github"] += sent
            if not (fetched.from_cache or fetched.revalidated):
                self._note_rate(rate_limit_from_headers(fetched.headers))
            wait = (
                None
                if _access_block(fetched)
                else limit_wait(fetched.status, fetched.headers, time.time())
            )
            if wait is None:
                return fetched
            if not await self._wait_or_stop(wait, f"HTTP {fetched.status}"):
                return None
        self._stop("still rate limited after waiting")
        return None

    async def _budget_allows(self) -> bool:
        rate = self.rate
        if rate is None or rate.remaining is None or rate.remaining > 0 or rate.reset is None:
            return True
        return await self._wait_or_stop(max(rate.reset - time.time(), 0.0) + 0.5, "budget spent")

    async def _wait_or_stop(self, wait: float, why: str) -> bool:
        if wait > self.settings.max_retry_wait:
            self._stop(f"rate limited ({why}), reset in {int(wait)} s")
            return False
        await asyncio.sleep(wait)
        self.rate = None  # re-read from the next answer
        return True

    def _stop(self, why: str) -> None:
        if not self.stopped:
            self.stopped = why
            self.notes.append(f"GitHub: stopped calling this run: {why}; kept last-known values")

    def _note_rate(self, rate: RateLimit | None) -> None:
        if rate is not None and rate.remaining is not None:
            self.rate = rate
            self.ctx.counters["github_rate_remaining"] = rate.remaining

    # -- GraphQL ----------------------------------------------------------------------------
    async def _graphql_batch(self, repos: list[str]) -> dict[str, RepoOutcome]:
        failed = {repo: RepoOutcome(Outcome.FAILED, detail="no answer") for repo in repos}
        query = build_query(repos)
        for _ in range(_MAX_LIMIT_WAITS + 1):
            fetched = await self._send("POST", self.graphql, json={"query": query})
            if fetched is None:
                return failed
            if fetched.status == 401:
                self.use_token = False
                self.notes.append("GitHub: the token was refused (401); used REST without it")
                return failed
            payload = _json(fetched)
            if fetched.status != 200 or payload is None:
                self.notes.append(f"GitHub GraphQL: HTTP {fetched.status} for a batch")
                return failed
            self._note_rate(rate_limit_from_graphql(payload))
            batch = parse_graphql(payload)
            if not batch.rate_limited:
                break
            # RATE_LIMITED comes inside a 200 (API-NOTES); the headers say until when.
            wait = limit_wait(403, {"x-ratelimit-remaining": "0", **fetched.headers}, time.time())
            if not await self._wait_or_stop(wait or 60.0, "GraphQL RATE_LIMITED"):
                return failed
        else:
            self._stop("still rate limited after waiting")
            return failed
        results: dict[str, RepoOutcome] = {}
        for index, repo in enumerate(repos):
            alias = f"r{index}"
            if alias in batch.nodes:
                record = record_from_graphql(batch.nodes[alias], repo, self.ctx.now)
                results[repo] = self._store(repo, RepoOutcome(Outcome.OK, record))
            elif alias in batch.not_found:
                results[repo] = self._store(repo, RepoOutcome(Outcome.NOT_FOUND))
            elif alias in batch.blocked:
                results[repo] = self._store(repo, RepoOutcome(Outcome.BLOCKED, detail="blocked"))
            else:
                results[repo] = failed[repo]
        return results

    # -- REST -------------------------------------------------------------------------------
    async def _rest(self, repo: str) -> RepoOutcome:
        # `kind` makes the net layer keep the answer with its ETag: a stale entry is
        # revalidated with If-None-Match, and a 304 hands back the stored body.
        fetched = await self._send("GET", f"{self.rest}/repos/{repo}", kind=_CACHE_KIND)
        if fetched is None:
            return RepoOutcome(Outcome.FAILED, detail=self.stopped or "no answer")
        payload = _json(fetched)
        if fetched.status == 200 and isinstance(payload, dict):
            record = record_from_rest(payload, repo, self.ctx.now)
            return self._store(repo, RepoOutcome(Outcome.OK, record))
        if fetched.status == 404:
            return self._store(repo, RepoOutcome(Outcome.NOT_FOUND))
        if fetched.status == 451 or _access_block(fetched):
            return self._store(repo, RepoOutcome(Outcome.BLOCKED, detail=f"HTTP {fetched.status}"))
        return RepoOutcome(Outcome.FAILED, detail=f"HTTP {fetched.status}")


def _json(fetched: Fetched) -> Any:
    try:
        return fetched.json()
    except (ValueError, UnicodeDecodeError):
        return None


def _access_block(fetched: Fetched) -> bool:
    """A 403/451 whose body names a block (TOS or DMCA): a refusal, not a rate limit."""
    if fetched.status not in (403, 451):
        return False
    try:
        payload = json.loads(fetched.body)
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(payload, dict) and isinstance(payload.get("block"), dict)
