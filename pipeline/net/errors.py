"""The one place where transport exceptions become our own classification.

Stages never see httpx types: a failed request is a `Failure` value on a
result, or a `FetchError` carrying one.
"""

from __future__ import annotations

import socket
import ssl
from enum import StrEnum

import httpx

__all__ = ["CONNECTION_LEVEL", "TRANSIENT", "Failure", "FetchError", "classify_exception"]


class Failure(StrEnum):
    """Why a request produced no HTTP answer."""

    DNS_NXDOMAIN = "nxdomain"  # the name does not exist (dead only if other hosts resolve)
    DNS_ERROR = "dns-error"  # the resolver failed (temporary)
    REFUSED = "connection-refused"
    CONNECT_TIMEOUT = "connect-timeout"
    UNREACHABLE = "network-unreachable"
    TIMEOUT = "timeout"
    RESET = "connection-reset"
    PROTOCOL = "protocol-error"
    TOO_MANY_REDIRECTS = "too-many-redirects"
    BAD_SCHEME = "redirect-to-other-scheme"
    BODY_TOO_LARGE = "body-too-large"
    INVALID_URL = "invalid-url"
    TLS = "tls-error"  # the host answered but the handshake failed: not an outage, not dead


# Failures where the host could not even be reached: they count towards an outage.
CONNECTION_LEVEL = frozenset(
    {
        Failure.DNS_NXDOMAIN,
        Failure.DNS_ERROR,
        Failure.REFUSED,
        Failure.CONNECT_TIMEOUT,
        Failure.UNREACHABLE,
    }
)

# Failures worth another attempt.
TRANSIENT = frozenset(
    {
        Failure.DNS_ERROR,
        Failure.REFUSED,
        Failure.CONNECT_TIMEOUT,
        Failure.UNREACHABLE,
        Failure.TIMEOUT,
        Failure.RESET,
        Failure.PROTOCOL,
    }
)

_NXDOMAIN_CODES = {socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)}


class FetchError(Exception):
    """A request that got no usable HTTP answer after its retries (not fatal to the run)."""

    def __init__(self, failure: Failure, url: str, detail: str = "", attempts: int = 1) -> None:
        super().__init__(f"{url}: {failure.value}{': ' + detail if detail else ''}")
        self.failure = failure
        self.url = url
        self.detail = detail
        self.attempts = attempts  # requests sent before giving up


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def classify_exception(exc: BaseException) -> tuple[Failure, str]:
    """Map a transport exception (httpx, OS, timeout) to a `Failure` and a short detail."""
    # The clock first: a deadline that cancels a TLS read leaves an SSLError in the chain,
    # but the link was slow, not broken.
    if isinstance(exc, httpx.ConnectTimeout):
        return Failure.CONNECT_TIMEOUT, "connect timeout"
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return Failure.TIMEOUT, "timed out"
    chain = _chain(exc)
    for item in chain:
        if isinstance(item, socket.gaierror):
            if item.errno in _NXDOMAIN_CODES:
                return Failure.DNS_NXDOMAIN, str(item)
            return Failure.DNS_ERROR, str(item)
    for item in chain:
        if isinstance(item, ssl.SSLError | ssl.CertificateError):
            return Failure.TLS, str(item) or "TLS handshake failed"
    for item in chain:
        if isinstance(item, ConnectionRefusedError):
            return Failure.REFUSED, "connection refused"
        if isinstance(item, ConnectionResetError | BrokenPipeError | ConnectionAbortedError):
            return Failure.RESET, "connection reset by peer"
        if isinstance(item, OSError) and item.errno in (101, 113):  # ENETUNREACH, EHOSTUNREACH
            return Failure.UNREACHABLE, str(item)
    text = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectError):
        if "Name or service not known" in text or "nodename nor servname" in text:
            return Failure.DNS_NXDOMAIN, text
        if "refused" in text.lower():
            return Failure.REFUSED, text
        return Failure.UNREACHABLE, text
    if isinstance(exc, httpx.ReadError | httpx.WriteError | httpx.RemoteProtocolError):
        if "reset" in text.lower() or "disconnected" in text.lower():
            return Failure.RESET, text
        return Failure.PROTOCOL, text
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return Failure.INVALID_URL, text
    return Failure.PROTOCOL, text
