"""Hostile servers for the emulator: bombs, endless bodies, trickles, loops, bad headers, bad TLS.

Most behaviours are ordinary handlers mounted on the shared `Emulator`::

    mount_hostile(emulator, "hostile.example")
    emulator.url("hostile.example", "/gzip-bomb")

Paths: /gzip-bomb (gzip, ~200 KB compressed, 200 MB decoded), /endless (a
1 TB body, HEAD refused with 405), /loop/a <-> /loop/b (302 forever),
/chain/<n> (301 to n+1, 200 at 50), /to/ftp, /to/javascript, /to/file
(301 to other schemes), /bad-header (a NUL byte in a header value),
/huge-header (a 1 MB header).

What a handler cannot do (answer byte by byte, or speak plain HTTP to a TLS
client) needs its own socket: `RawServer` trickles one byte a second to any
HTTP request and answers a TLS ClientHello with a plain-HTTP 400.
"""

from __future__ import annotations

import functools
import socket
import socketserver
import threading
import time
import zlib

from tests.emulator.server import Emulator, Request, Response

__all__ = ["BOMB_DECODED_BYTES", "CHAIN_HOPS", "RawServer", "gzip_bomb", "mount_hostile"]

BOMB_DECODED_BYTES = 200 * 1024 * 1024
CHAIN_HOPS = 50
_SCHEME_TARGETS = {
    "ftp": "ftp://ftp.example.org/pub/paper.pdf",
    "javascript": "javascript:alert(document.cookie)",
    "file": "file:///etc/passwd",
}


@functools.cache
def gzip_bomb(decoded: int = BOMB_DECODED_BYTES) -> bytes:
    """A gzip stream of `decoded` zero bytes (about 1/1000 of that compressed)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: gzip framing
    block = bytes(1024 * 1024)
    parts = [packer.compress(block) for _ in range(decoded // len(block))]
    parts.append(packer.flush())
    return b"".join(parts)


def _hostile(request: Request) -> Response:
    path = request.path
    if path == "/gzip-bomb":
        headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
        return Response(200, headers, gzip_bomb())
    if path == "/endless":
        if request.method == "HEAD":
            return Response(405)
        return Response(200, {"Content-Type": "text/html"}, stream_bytes=10**12)
    if path in ("/loop/a", "/loop/b"):
        other = "/loop/b" if path == "/loop/a" else "/loop/a"
        return Response(302, {"Location": other})
    if path.startswith("/chain/"):
        hop = int(path.rsplit("/", 1)[1] or 0)
        if hop >= CHAIN_HOPS:
            return Response(200, body=b"end of the chain\n")
        return Response(301, {"Location": f"/chain/{hop + 1}"})
    if path.startswith("/to/"):
        return Response(301, {"Location": _SCHEME_TARGETS[path.removeprefix("/to/")]})
    if path == "/bad-header":
        return Response(200, {"X-Bad": "a\x00b\x01c"}, b"ok\n")
    if path == "/huge-header":
        return Response(200, {"X-Huge": "h" * 1_000_000}, b"ok\n")
    return Response(404, body=b"no such hostile path\n")


def mount_hostile(emulator: Emulator, host: str = "hostile.example") -> None:
    """Mount every hostile path on `host` of `emulator`."""
    emulator.mount(host, _hostile)


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(5)
        try:
            first = sock.recv(4096)
            if first[:1] == b"\x16":  # a TLS handshake record: answer as a plain HTTP server would
                sock.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                return
            answer = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Slow: " + b"s" * 300
            for byte in answer:  # one byte a second, until the client gives up or we stop
                if self.server.stopping.is_set():
                    return
                sock.sendall(bytes([byte]))
                self.server.trickled += 1
                time.sleep(1.0)
        except OSError:
            return


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    stopping: threading.Event
    trickled: int


class RawServer:
    """A socket server on 127.0.0.1: trickles HTTP one byte a second; answers TLS with plain HTTP."""

    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.stopping = threading.Event()
        self._server.trickled = 0
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        """The port it listens on."""
        return self._server.server_address[1]

    @property
    def trickled(self) -> int:
        """Bytes trickled so far, over all connections."""
        return self._server.trickled

    def url(self, scheme: str = "http", path: str = "/") -> str:
        """A URL on this server."""
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> RawServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
