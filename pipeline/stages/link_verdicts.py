"""From a probe to a verdict, and from this run's verdict plus the last one to a history.

Pure functions, no I/O: the links stage calls them; tests call them directly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from urllib.parse import urlsplit

from pipeline.model import LinkHealth, Verdict
from pipeline.net import CONNECTION_LEVEL, Failure, Probe, host_of

__all__ = ["is_outage", "judge", "merge_history", "same_resource"]

_DEAD = frozenset({404, 410})
# Bot walls: the server answers, so the resource is probably alive for a browser.
_BLOCKED = frozenset({401, 403, 451, 999})
_PERMANENT = frozenset({301, 308})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _canonical(url: str) -> tuple[str, str, str]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a malformed redirect target: only equal to itself
        return url, "", ""
    host = (parts.hostname or "").lower().removeprefix("www.")
    if port is not None and port != _DEFAULT_PORTS.get(parts.scheme.lower()):
        host = f"{host}:{port}"
    return host, parts.path.rstrip("/") or "/", parts.query


def same_resource(a: str, b: str) -> bool:
    """True when two URLs differ only by http/https, `www.`, a default port or a trailing slash."""
    return _canonical(a) == _canonical(b)


def _moved_to(probe: Probe) -> str | None:
    # Where the last permanent redirect pointed, if that is another resource.
    targets = [hop.location for hop in probe.redirects if hop.status in _PERMANENT]
    if targets and not same_resource(probe.url, targets[-1]):
        return targets[-1]
    return None


def judge(probe: Probe, *, dns_trusted: bool, now: datetime) -> LinkHealth:
    """The verdict for one probe; NXDOMAIN is dead only when other hosts resolved this run."""
    base = {"checked_at": now, "verified_by": "http", "detail": probe.detail}
    if probe.failure is not None:
        if probe.failure is Failure.DNS_NXDOMAIN and dns_trusted:
            return LinkHealth(verdict=Verdict.DEAD, **{**base, "detail": "host does not resolve"})
        final = probe.final_url if probe.failure is Failure.BAD_SCHEME else None
        detail = probe.detail or probe.failure.value
        if not detail.startswith(probe.failure.value):  # "timeout after 20 s" says it already
            detail = f"{probe.failure.value}: {detail}"
        return LinkHealth(verdict=Verdict.UNVERIFIED, final_url=final, **{**base, "detail": detail})
    status = probe.status
    assert status is not None
    after = f" after redirect to {probe.final_url}" if probe.redirects else ""
    if 200 <= status < 300 or status == 304:
        moved = _moved_to(probe)
        if moved is not None:
            return LinkHealth(
                verdict=Verdict.MOVED,
                status_code=status,
                final_url=moved,
                **{**base, "detail": f"permanent redirect to {moved}"},
            )
        return LinkHealth(verdict=Verdict.OK, status_code=status, **base)
    if status in _DEAD:
        verdict = Verdict.DEAD
    elif status in _BLOCKED:
        verdict = Verdict.BLOCKED
    else:  # 429 after retries, 5xx, odd 4xx, a redirect without Location: cannot tell
        verdict = Verdict.UNVERIFIED
    return LinkHealth(
        verdict=verdict, status_code=status, **{**base, "detail": f"HTTP {status}{after}"}
    )


def merge_history(
    health: LinkHealth,
    previous: LinkHealth | None,
    *,
    now: datetime,
    persistent_after: int,
    same_observation: bool = False,
) -> LinkHealth:
    """This run's verdict with `first_failed_at`, `last_ok_at` and the failure streak carried over.

    `same_observation` (a cached probe) repeats the previous streak rather than
    counting one observation twice.
    """
    prev = previous or LinkHealth(verdict=Verdict.UNVERIFIED)
    if same_observation and previous is not None:
        keep = ("first_failed_at", "last_ok_at", "consecutive_failures", "persistently_unreachable")
        return health.model_copy(update={k: getattr(prev, k) for k in keep})
    if health.verdict in (Verdict.OK, Verdict.MOVED):
        update = {"last_ok_at": now, "first_failed_at": None, "consecutive_failures": 0}
        return health.model_copy(update={**update, "persistently_unreachable": False})
    if health.verdict is Verdict.BLOCKED:
        # The server answered: not a failure streak, but not an ok either.
        update = {"last_ok_at": prev.last_ok_at, "first_failed_at": None, "consecutive_failures": 0}
        return health.model_copy(update=update)
    failures = prev.consecutive_failures + 1
    first = prev.first_failed_at if prev.consecutive_failures and prev.first_failed_at else now
    return health.model_copy(
        update={
            "last_ok_at": prev.last_ok_at,
            "first_failed_at": first,
            "consecutive_failures": failures,
            "persistently_unreachable": (
                health.verdict is Verdict.UNVERIFIED and failures >= persistent_after
            ),
        }
    )


def is_outage(
    probes: Iterable[Probe], *, threshold: float, reached: Mapping[str, bool] | None = None
) -> bool:
    """True when more than `threshold` of the hosts contacted failed at the connection level.

    `reached` adds hosts tried this run outside the probes (host -> connected).
    """
    down: dict[str, bool] = defaultdict(lambda: True)
    for probe in probes:
        if probe.from_cache or probe.failure is Failure.INVALID_URL:
            continue  # no request went out this run
        host = host_of(probe.url)
        down[host] = down[host] and probe.failure in CONNECTION_LEVEL
    for host, connected in (reached or {}).items():
        down[host] = down[host] and not connected
    if not down:
        return False
    return sum(down.values()) / len(down) > threshold
