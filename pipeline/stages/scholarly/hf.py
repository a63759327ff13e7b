"""Code links from Hugging Face papers: `GET /api/papers/<arxiv id>` gives `githubRepo`.

Asked only for papers the list links no code for, at most `hf_budget` a run
(anonymous callers get about 500 calls per 5 minutes), each answer cached for
`hf_ttl_days`. A 404 means Hugging Face has no page for the paper. After the
first call with no usable answer (down, 429 after retries) it counts as down
for the rest of the run: the papers not asked keep what the last run found.
"""

from __future__ import annotations

from typing import Any

from pipeline.context import RunContext
from pipeline.net import FetchError, host_of

__all__ = ["HfPapers"]


class HfPapers:
    """Hugging Face's papers API for one run (requests counted in 'requests:huggingface')."""

    def __init__(self, ctx: RunContext) -> None:
        self._ctx = ctx
        self._net = ctx.net
        self._base = ctx.settings.hf_api_url
        self._host = host_of(self._base)
        self._net.configure_host(self._base, concurrency=2, interval=ctx.settings.hf_interval)
        self.down: str | None = None if ctx.reachable(self._base) else "unreachable"
        self.left = ctx.settings.hf_budget  # requests this run may still send

    async def paper(self, arxiv_id: str) -> dict[str, Any] | None:
        """The paper's fields ({} when Hugging Face has no page for it), None when unanswered."""
        if self.down:
            return None
        try:
            fetched = await self._net.fetch("GET", f"{self._base}/papers/{arxiv_id}")
        except FetchError as exc:
            self._ctx.counters["requests:huggingface"] += exc.attempts
            self.down = exc.failure.value
            return None
        self._ctx.counters["requests:huggingface"] += fetched.attempts
        if fetched.status == 404:
            return {}
        try:
            body = fetched.json() if fetched.status == 200 else None
        except ValueError:
            body = None
        if not isinstance(body, dict):
            self.down = f"HTTP {fetched.status}" if fetched.status != 200 else "answer not JSON"
            return None
        return body
