"""Can we reach these hosts at all? One TCP connection each, in about two seconds.

Used before a run's stages (with no network at all, deciding "outage" should
not take a retry storm per stage) and by the links stage when none of this
run's own requests answered (is DNS working, or is it the cache that answered?).
No HTTP request is sent, so servers see nothing and no rate limit is spent.
DNS lookups run in daemon threads: a resolver that hangs cannot hold up the
run past `timeout`, nor its exit.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from collections.abc import Iterable
from urllib.parse import urlsplit

from pipeline.config import Settings, parse_host_target
from pipeline.net.errors import Failure, classify_exception
from pipeline.net.politeness import host_of
from pipeline.net.proxy import Proxies, proxies_from

__all__ = ["REACH_TIMEOUT", "reach"]

REACH_TIMEOUT = 2.0
_PORTS = {"http": 80, "https": 443}
_PROXY_PORTS = {"http": 80, "https": 443, "socks5": 1080, "socks5h": 1080}


def _connect(host: str, port: int, timeout: float) -> Failure | None:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except TimeoutError:
        return Failure.CONNECT_TIMEOUT
    except OSError as exc:
        return classify_exception(exc)[0]


def _target(url: str, settings: Settings, proxies: Proxies) -> tuple[str, int] | None:
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host or parts.scheme.lower() not in _PORTS:
        return None
    host_map = {name.lower(): target for name, target in settings.host_map.items()}
    mapped = (port and host_map.get(f"{host.lower()}:{port}")) or host_map.get(host.lower())
    if mapped:  # like the client: connect to the mapped address instead
        target = parse_host_target(mapped)
        return target.address, target.port
    proxy = proxies.proxy_for(parts.scheme, host, port)
    if proxy is not None:  # like the client: the connection goes to the proxy
        via = urlsplit(proxy)
        return via.hostname or "", via.port or _PROXY_PORTS.get(via.scheme.lower(), 80)
    return host, port or _PORTS[parts.scheme.lower()]


async def reach(
    urls: Iterable[str], settings: Settings, *, timeout: float = REACH_TIMEOUT
) -> dict[str, Failure | None]:
    """Politeness host key -> None if a TCP connection opened, else why not.

    A host reached through a proxy is checked by connecting to its proxy: when
    the proxy cannot be reached, neither can the host.
    """
    proxies = proxies_from(settings, os.environ)
    timeout = min(timeout, settings.timeout)
    targets: dict[str, tuple[str, int]] = {}
    for url in urls:
        target = _target(url, settings, proxies)
        if target is not None:
            targets.setdefault(host_of(url), target)
    loop = asyncio.get_running_loop()
    futures: dict[str, asyncio.Future[Failure | None]] = {}
    for key, (host, port) in targets.items():
        future: asyncio.Future[Failure | None] = loop.create_future()
        futures[key] = future
        threading.Thread(target=_run, args=(loop, future, host, port, timeout), daemon=True).start()
    if futures:
        await asyncio.wait(futures.values(), timeout=timeout + 0.5)
    return {
        key: future.result() if future.done() else Failure.CONNECT_TIMEOUT
        for key, future in futures.items()
    }


def _run(
    loop: asyncio.AbstractEventLoop,
    future: asyncio.Future[Failure | None],
    host: str,
    port: int,
    timeout: float,
) -> None:
    result = _connect(host, port, timeout)

    def settle() -> None:
        if not future.done():
            future.set_result(result)

    try:
        loop.call_soon_threadsafe(settle)
    except RuntimeError:  # the run ended first (its loop is closed): nobody is waiting
        pass
