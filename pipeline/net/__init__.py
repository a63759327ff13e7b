"""The network layer: one polite, retrying, caching HTTP client per run.

Stages use `open_client(settings)` (via the runner) and get plain values back:
`Probe` for a link check, `Fetched` for an API call, `FetchError` when no
answer came. No httpx type crosses this package's boundary.
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
