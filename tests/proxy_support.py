"""A tiny HTTP proxy on 127.0.0.1 for the proxy tests: it forwards absolute-form requests and
tunnels CONNECT, always to the emulator (a proxy that resolves every name to the emulator),
and records what it relayed."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from urllib.parse import urlsplit

__all__ = ["LoopbackProxy"]


class LoopbackProxy:
    """`relayed` lists `METHOD target` for every request forwarded and every CONNECT tunnel."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = 0
        self.relayed: list[str] = []
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        """The proxy's own URL, for HTTP_PROXY and the `proxy` setting."""
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LoopbackProxy:
        self._thread.start()
        start = asyncio.start_server(self._client, "127.0.0.1", 0)
        self._server = asyncio.run_coroutine_threadsafe(start, self._loop).result(timeout=5)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            assert self._server is not None
            self._server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def _record(self, line: str) -> None:
        with self._lock:
            self.relayed.append(line)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                method, target, version = head.split(b"\r\n", 1)[0].decode().split(" ", 2)
                self._record(f"{method} {target}")
                if upstream is None:
                    upstream = await asyncio.open_connection("127.0.0.1", self.upstream_port)
                if method == "CONNECT":
                    writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    await writer.drain()
                    await _pipe_both(reader, writer, *upstream)
                    return
                await self._forward(head, method, target, version, reader, writer, *upstream)
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()
            if upstream is not None:
                upstream[1].close()

    async def _forward(
        self,
        head: bytes,
        method: str,
        target: str,
        version: str,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        up_reader: asyncio.StreamReader,
        up_writer: asyncio.StreamWriter,
    ) -> None:
        parts = urlsplit(target)
        origin = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        rest = head.split(b"\r\n", 1)[1]
        body = await reader.readexactly(_length(head))
        up_writer.write(f"{method} {origin} {version}\r\n".encode() + rest + body)
        await up_writer.drain()
        answer = await up_reader.readuntil(b"\r\n\r\n")
        status = int(answer.split(b" ", 2)[1])
        no_body = method == "HEAD" or status in (204, 304)
        answer += b"" if no_body else await up_reader.readexactly(_length(answer))
        writer.write(answer)
        await writer.drain()


def _length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return 0


async def _pipe_both(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    up_reader: asyncio.StreamReader,
    up_writer: asyncio.StreamWriter,
) -> None:
    async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        sink.close()

    await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
