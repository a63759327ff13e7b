"""A loopback emulator of the outside world: a real HTTP server for tests, demos and benchmarks.

Hosts are names; each gets its own loopback address on one shared port
(127.0.0.2, 127.0.0.3, ... : Linux routes all of 127.0.0.0/8 to lo), so
`emulator.url("a.example", "/x")` is e.g. `http://127.0.0.5:41234/x`.
On 127.0.0.1 the Host header picks the host instead.

Handler interface (how the arXiv and GitHub emulators plug in)::

    from tests.emulator import Emulator, Request, Response

    def arxiv_api(request: Request) -> Response:      # may also be `async def`
        ids = request.query.get("id_list", [""])[0]   # parsed query: dict[str, list[str]]
        return Response(200, {"Content-Type": "application/atom+xml"}, atom_bytes)

    emulator.mount("export.arxiv.org", arxiv_api, prefix="/api/")   # longest prefix wins
    settings = Settings(arxiv_api_url=emulator.url("export.arxiv.org", "/api/query"))

`Request` has host (world name), method, target, path, query, headers
(lower-case keys), body (bytes), time (monotonic). `Response` has status,
headers, body, delay (seconds before answering), fault ("hang", "reset",
"close") and stream_bytes (a huge streamed body). Every request is recorded
in `emulator.requests` (and `emulator.requests_to(name)`) before it is
answered; `emulator.bytes_sent[i]` is the body bytes written for request i.

Plain pages come from a declarative `World` (see world.py): per host or path
a status, latency, redirect, flaky-for-N, 429 with Retry-After, rate limit,
hang, reset, huge body, HEAD refused, ETag / Last-Modified with 304.
`load_world(emulator, world)` mounts it. Tests use the `emulator` fixture
(tests/conftest.py: one server per session, reset around every test);
the command line is `python -m tests.emulator --world FILE`.
"""

from tests.emulator.server import Emulator, Handler, Request, Response
from tests.emulator.world import Page, Site, SiteHandler, World, load_world

__all__ = [
    "Emulator",
    "Handler",
    "Page",
    "Request",
    "Response",
    "Site",
    "SiteHandler",
    "World",
    "load_world",
]
