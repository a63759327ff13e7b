"""The loopback HTTP/1.1 server: one asyncio loop in a thread, one port, many addresses.

Each emulated host gets its own loopback address (127.0.0.2, 127.0.0.3, ...)
on the same port, so per-host logic in the client (politeness, outage
detection) sees genuinely distinct hosts. Handlers are mounted on a host name
and a path prefix; every request is recorded before it is answered.

`Emulator(tls=True)` speaks HTTPS, as the internet does: a local test CA
(trustme) signs one certificate per host (its name and its address), and
`ca_file` is the PEM a client must trust (the pipeline's `ca_bundle`,
lychee's `SSL_CERT_FILE`). Opening a connection then costs what the internet
charges: `connect_delay[name]` seconds (load_world sets the host's latency)
before the TLS handshake completes, so a client sees its connection open only
once that is paid, as on a real network (the TCP and TLS round trips come
before the request). `connections[name]` counts new connections per host.
"""

from __future__ import annotations

import asyncio
import inspect
import socket
import ssl
import struct
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["Emulator", "Handler", "Request", "Response", "delayed"]

_CHUNK = 64 * 1024
_MAX_HEAD = 64 * 1024


@dataclass
class Request:
    """One request as the emulator saw it (also what `Emulator.requests` records)."""

    host: str  # the world host name it was routed to
    method: str
    target: str  # path and query, as sent
    headers: dict[str, str]  # lower-case names
    body: bytes
    time: float  # time.monotonic() on arrival
    address: str = ""
    status: int = 0  # the status answered (0 until then, or when no answer was sent)

    @property
    def path(self) -> str:
        """The path without the query."""
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, list[str]]:
        """The query string, parsed."""
        return parse_qs(urlsplit(self.target).query, keep_blank_values=True)


@dataclass
class Response:
    """What a handler answers; `fault` replaces the answer with a misbehaviour."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    delay: float = 0.0  # seconds to wait before answering
    fault: str | None = None  # None, "hang", "reset", "close"
    stream_bytes: int = 0  # if > 0: announce and stream this many bytes of filler instead of body


Handler = Callable[[Request], Response | Awaitable[Response]]


def delayed(handler: Callable[[Request], Response], seconds: float) -> Callable:
    """`handler` answering `seconds` late, as an API across an ocean does."""
    if not seconds:
        return handler

    def answer(request: Request) -> Response:
        response = handler(request)
        response.delay = seconds
        return response

    return answer


@dataclass
class _Mount:
    prefix: str
    handler: Handler


class Emulator:
    """A real HTTP server on loopback; start it, mount handlers per host, read its records."""

    def __init__(self, *, tls: bool = False) -> None:
        self.tls = tls
        self.port = 0
        self.ca_file: Path | None = None  # with tls: the test CA's certificate (PEM)
        self._contexts: dict[str, ssl.SSLContext] = {}  # address -> its TLS context (tls)
        self.connections: Counter[str] = Counter()  # host name -> connections opened
        self.closed: Counter[str] = Counter()  # host name -> connections closed (by either end)
        self.connect_delay: dict[str, float] = {}  # host name -> seconds a new connection costs
        self.peak_connecting = 0  # the most connections paying their connect_delay at once
        self._connecting = 0
        self._ca: Any = None
        self.requests: list[Request] = []
        self.bytes_sent: dict[int, int] = {}  # index in `requests` -> body bytes written
        self._mounts: dict[str, list[_Mount]] = {}
        self._addresses: dict[str, str] = {}
        self._names: dict[str, str] = {}
        self._next = 2
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._servers: list[asyncio.Server] = []
        self._lock = threading.Lock()

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> Emulator:
        """Start the loop thread and listen on 127.0.0.1 (port 0: the OS picks one)."""
        if self.tls:
            import trustme  # a dev dependency: only TLS worlds need it

            self._ca = trustme.CA(organization_name="paper-list-pipeline test CA")
            handle, name = tempfile.mkstemp(prefix="emulator-ca-", suffix=".pem")
            with open(handle, "wb") as out:
                out.write(self._ca.cert_pem.bytes())
            self.ca_file = Path(name)
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="emulator", daemon=True)
        self._thread.start()
        ready.wait()
        self._listen("127.0.0.1")
        return self

    def stop(self) -> None:
        """Close every listener and stop the loop thread."""
        if self._loop is None:
            return

        async def close() -> None:
            for server in self._servers:
                server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        assert self._thread is not None
        self._thread.join(timeout=5)
        self._loop.close()
        self._loop = None
        if self.ca_file is not None:
            self.ca_file.unlink(missing_ok=True)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _listen(self, address: str, name: str = "localhost") -> None:
        assert self._loop is not None
        if self.tls:
            # TLS starts in `_connection`, after the connection's round trip is paid.
            self._contexts[address] = self._server_context(name, address)

        async def serve() -> asyncio.Server:
            return await asyncio.start_server(self._connection, address, self.port, backlog=512)

        server = asyncio.run_coroutine_threadsafe(serve(), self._loop).result(timeout=5)
        self.port = server.sockets[0].getsockname()[1]
        self._servers.append(server)

    def _server_context(self, name: str, address: str) -> ssl.SSLContext:
        # One certificate per host, valid for its name and its address (lychee uses the latter).
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        try:
            cert = self._ca.issue_cert(name, address)
        except ValueError:  # a world name that is no DNS name
            cert = self._ca.issue_cert(address)
        cert.configure_cert(context)
        context.set_alpn_protocols(["http/1.1"])
        return context

    # -- hosts and mounts -------------------------------------------------------------------
    def address(self, name: str) -> str:
        """The loopback address of host `name`, allocating and listening on first use."""
        with self._lock:
            if name in self._addresses:
                return self._addresses[name]
            n = self._next
            self._next += 1
            if n % 256 in (0, 255):
                n = self._next
                self._next += 1
            address = f"127.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
            self._addresses[name] = address
            self._names[address] = name
        self._listen(address, name)
        return address

    @property
    def scheme(self) -> str:
        """`https` for a TLS emulator, else `http`."""
        return "https" if self.tls else "http"

    def base_url(self, name: str) -> str:
        """`http(s)://127.0.0.N:PORT` for host `name`."""
        return f"{self.scheme}://{self.address(name)}:{self.port}"

    def url(self, name: str, path: str = "/") -> str:
        """The URL of `path` on host `name`."""
        return self.base_url(name) + (path if path.startswith("/") else "/" + path)

    def mount(self, name: str, handler: Handler, prefix: str = "/") -> None:
        """Answer requests to host `name` under `prefix` with `handler` (longest prefix wins)."""
        self.address(name)
        with self._lock:
            mounts = [m for m in self._mounts.get(name, []) if m.prefix != prefix]
            mounts.append(_Mount(prefix, handler))
            mounts.sort(key=lambda m: len(m.prefix), reverse=True)
            self._mounts[name] = mounts

    def reset(self) -> None:
        """Forget mounts and records (addresses stay bound for the session)."""
        with self._lock:
            self._mounts.clear()
            self.requests.clear()
            self.bytes_sent.clear()
            self.connections.clear()
            self.closed.clear()
            self.connect_delay.clear()
            self.peak_connecting = 0

    def requests_to(self, name: str) -> list[Request]:
        """The requests host `name` received, in arrival order."""
        with self._lock:
            return [r for r in self.requests if r.host == name]

    # -- the protocol ------------------------------------------------------------------------
    def _route(self, address: str, host_header: str) -> str:
        # The address decides; on 127.0.0.1 the Host header (without port) may name a host.
        name = self._names.get(address)
        if name is None:
            name = host_header.rsplit(":", 1)[0] if host_header else ""
        return name

    def _handler_for(self, name: str, path: str) -> Handler | None:
        with self._lock:
            for mount in self._mounts.get(name, []):
                if path.startswith(mount.prefix):
                    return mount.handler
        return None

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        address = writer.get_extra_info("sockname")[0]
        name = self._names.get(address, address)
        with self._lock:
            self.connections[name] += 1
        try:
            context = self._contexts.get(address)
            if context is not None:
                # The client's TLS hello waits in the socket until the round trip is paid.
                writer.transport.pause_reading()
            delay = self.connect_delay.get(name, 0.0)
            if delay:
                with self._lock:
                    self._connecting += 1
                    self.peak_connecting = max(self.peak_connecting, self._connecting)
                try:
                    await asyncio.sleep(delay)  # the handshake's round trip on a real network
                finally:
                    with self._lock:
                        self._connecting -= 1
            if context is not None:
                await writer.start_tls(context)
            while await self._one(reader, writer, address):
                pass
        except (
            ConnectionError,
            ssl.SSLError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
        ):
            pass
        except asyncio.CancelledError:
            pass  # the emulator is stopping; end quietly
        finally:
            writer.close()
            with self._lock:
                self.closed[name] += 1

    async def _one(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, address: str
    ) -> bool:
        head = await reader.readuntil(b"\r\n\r\n")
        if len(head) > _MAX_HEAD:
            return False
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = lines[0].split(" ", 2)
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if ":" in line:
                key, value = line.split(":", 1)
                headers[key.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0") or 0)
        body = await reader.readexactly(length) if length else b""
        name = self._route(address, headers.get("host", ""))
        request = Request(name, method, target, headers, body, time.monotonic(), address)
        with self._lock:
            index = len(self.requests)
            self.requests.append(request)
        handler = self._handler_for(name, request.path)
        if handler is None:
            response = Response(404, body=b"no such host or path in this world\n")
        else:
            result = handler(request)
            response = await result if inspect.isawaitable(result) else result
        if response.delay:
            await asyncio.sleep(response.delay)
        if response.fault is None:
            request.status = response.status
        if response.fault == "hang":
            await asyncio.sleep(3600)
            return False
        if response.fault == "reset":
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return False
        if response.fault == "close":
            return False
        return await self._write(writer, request, response, index)

    async def _write(
        self, writer: asyncio.StreamWriter, request: Request, response: Response, index: int
    ) -> bool:
        size = response.stream_bytes or len(response.body)
        reason = (
            HTTPStatus(response.status).phrase
            if response.status in HTTPStatus._value2member_map_
            else "Unknown"
        )
        head = [f"HTTP/1.1 {response.status} {reason}"]
        headers = {"Server": "loopback-emulator", **response.headers}
        no_body = request.method == "HEAD" or response.status in (204, 304)
        if not any(k.lower() == "content-length" for k in headers) and response.status not in (
            204,
            304,
        ):
            headers["Content-Length"] = str(size)
        head += [f"{k}: {v}" for k, v in headers.items()]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        sent = 0
        if not no_body:
            if response.stream_bytes:
                filler = b"x" * _CHUNK
                while sent < size:
                    piece = filler[: min(_CHUNK, size - sent)]
                    writer.write(piece)
                    await writer.drain()
                    sent += len(piece)
                    self.bytes_sent[index] = sent
            else:
                writer.write(response.body)
                sent = len(response.body)
        await writer.drain()
        self.bytes_sent[index] = sent
        return request.headers.get("connection", "").lower() != "close"
