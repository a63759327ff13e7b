"""The network layer: one polite, retrying, caching HTTP client per run.

Stages use `open_client(settings)` (via the runner) and get plain values back:
`Probe` for a link check, `Fetched` for an API call, `FetchError` when no
answer came. No httpx type crosses this package's boundary.

    client.py     what stages call: fetch (API calls), probe (link checks)
    probe.py      a link check: HEAD, GET, redirects, retries, the verdict cache
    sender.py     one request: slot, timeout, caps, errors translated, pace taught
    scheduler.py  per-host queues and connection pools, the global limit
    politeness.py one host's pace: interval, Retry-After pauses, AIMD
    retry.py      the one "retry?" decision and backoff
    cache.py      diskcache: keys, TTL per kind, ETags, batched writes
    errors.py     transport exceptions -> `Failure`
"""

from pipeline.net.client import NetClient, open_client
from pipeline.net.errors import CONNECTION_LEVEL, Failure, FetchError
from pipeline.net.politeness import host_of
from pipeline.net.reach import reach
from pipeline.net.results import Fetched, Hop, Probe

__all__ = [
    "CONNECTION_LEVEL",
    "Failure",
    "FetchError",
    "Fetched",
    "Hop",
    "NetClient",
    "Probe",
    "host_of",
    "open_client",
    "reach",
]
