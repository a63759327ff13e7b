"""What the network layer hands back: plain values, no httpx types."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from pipeline.net.errors import Failure

__all__ = ["Answer", "Fetched", "Hop", "Probe"]


@dataclass(frozen=True)
class Answer:
    """One request's status and headers (body unread), or why there was none."""

    method: str
    status: int | None
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    failure: Failure | None = None
    detail: str = ""
    seconds: float = 0.0  # from sending to the answer's headers


@dataclass(frozen=True)
class Hop:
    """One redirect: the status, the URL that answered it, and where it pointed."""

    status: int
    url: str
    location: str


@dataclass(frozen=True)
class Probe:
    """The outcome of checking one URL: an HTTP answer after redirects, or a failure."""

    url: str
    status: int | None = None
    final_url: str | None = None  # the last URL requested
    redirects: tuple[Hop, ...] = ()
    failure: Failure | None = None
    detail: str = ""
    method: str = "HEAD"
    attempts: int = 1
    from_cache: bool = False
    revalidated: bool = False
    retry_after: float | None = None
    etag: str | None = None
    last_modified: str | None = None

    @property
    def answered(self) -> bool:
        """True when some server gave an HTTP status (the host was reachable)."""
        return self.status is not None

    def to_dict(self) -> dict[str, Any]:
        """A small stable record for the cache."""
        # Written out, not dataclasses.asdict: this runs once per link (10,000 times).
        return {
            "url": self.url,
            "status": self.status,
            "final_url": self.final_url,
            "redirects": [
                {"status": h.status, "url": h.url, "location": h.location} for h in self.redirects
            ],
            "failure": self.failure.value if self.failure else None,
            "detail": self.detail,
            "method": self.method,
            "etag": self.etag,
            "last_modified": self.last_modified,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], **changes: Any) -> Probe:
        """The probe a cache record describes, with `changes` applied."""
        values = dict(data)
        values["redirects"] = tuple(Hop(**h) for h in values.get("redirects", []))
        values["failure"] = Failure(values["failure"]) if values.get("failure") else None
        return replace(cls(**values), **changes)


@dataclass(frozen=True)
class Fetched:
    """A response with its body read (at most `max_body_bytes`), maybe from the cache."""

    url: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    from_cache: bool = False
    revalidated: bool = False  # a 304 confirmed the cached body
    attempts: int = 1  # requests sent for this answer (retries included; 0 from the cache)

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (replacing bad bytes)."""
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON (ValueError when it is not; lone surrogates mended)."""
        from pipeline.safe_text import load_json

        return load_json(self.body)
