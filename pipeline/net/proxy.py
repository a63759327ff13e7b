"""Which proxy a request goes through: the `proxy` setting, else the standard variables.

httpx reads HTTPS_PROXY / HTTP_PROXY / ALL_PROXY / NO_PROXY only when the client
builds its own transport, and ours are built per host (scheduler.py): without
this module every request would go direct behind a corporate proxy. A host's
pool asks `proxy_for` per scheme; the reachability pre-check (reach.py) asks
it too, and connects to the proxy instead of the host.

Variables are read as curl and httpx read them: the lower-case name first,
`ALL_PROXY` for any scheme, `NO_PROXY` a comma-separated list of host names
(a name covers its subdomains; a leading dot or `*.` is the same; `*` is
every host; `host:port` one port only).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from pipeline.config import Settings
from pipeline.errors import ConfigError

__all__ = ["Proxies", "proxies_from"]

_SCHEMES = ("http", "https")


@dataclass(frozen=True)
class Proxies:
    """The proxy URL per scheme (absent: direct), and the hosts that never use one."""

    by_scheme: dict[str, str]
    no_proxy: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.by_scheme)

    def proxy_for(self, scheme: str, host: str, port: int | None = None) -> str | None:
        """The proxy URL for a request to `scheme://host:port`, or None to go direct."""
        proxy = self.by_scheme.get(scheme.lower())
        if proxy is None or _bypassed(host.lower().strip("[]"), port, self.no_proxy):
            return None
        return proxy


def _bypassed(host: str, port: int | None, no_proxy: tuple[str, ...]) -> bool:
    for entry in no_proxy:
        if entry == "*":
            return True
        name, _, only_port = entry.partition(":") if entry.count(":") == 1 else (entry, "", "")
        if only_port and (port is None or only_port != str(port)):
            continue
        name = name.removeprefix("*").removeprefix(".")
        if name and (host == name or host.endswith("." + name)):
            return True
    return False


def _env(env: Mapping[str, str], name: str) -> str:
    return (env.get(name.lower()) or env.get(name.upper()) or "").strip()


def _checked(url: str, source: str) -> str:
    # Messages never repeat the URL: it may carry the proxy's user and password.
    try:
        parts = urlsplit(url if "://" in url else f"http://{url}")  # `host:port` means http
        parts.port  # noqa: B018  (raises on a port that is no number)
    except ValueError:
        raise ConfigError(f"{source}: not a proxy URL (http://host:port)") from None
    scheme = parts.scheme.lower()
    if scheme.startswith("socks") and importlib.util.find_spec("socksio") is None:
        raise ConfigError(
            f"{source}: a SOCKS proxy needs the socksio package (pip install 'httpx[socks]')"
        )
    if scheme not in ("http", "https", "socks5", "socks5h") or not parts.hostname:
        raise ConfigError(f"{source}: not an http://, https:// or socks5:// proxy URL")
    return parts.geturl()


def proxies_from(settings: Settings, env: Mapping[str, str]) -> Proxies:
    """The run's proxies: `settings.proxy` for every scheme, else the environment's."""
    by_scheme: dict[str, str] = {}
    for scheme in _SCHEMES:
        if settings.proxy:
            by_scheme[scheme] = _checked(settings.proxy, "setting 'proxy'")
            continue
        for name in (f"{scheme}_proxy", "all_proxy"):
            value = _env(env, name)
            if value:
                by_scheme[scheme] = _checked(value, name.upper())
                break
    no_proxy = tuple(
        entry.strip().lower() for entry in _env(env, "no_proxy").split(",") if entry.strip()
    )
    return Proxies(by_scheme, no_proxy)
