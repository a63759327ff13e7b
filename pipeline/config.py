"""Settings: defaults, then `[tool.pipeline]` in pyproject.toml, then
`paper-list.toml`, then the environment, then CLI flags (the last one wins).

Defaults are named constants so the CLI's help and the code cannot drift.
Environment variables are `PIPELINE_<NAME>` (e.g. `PIPELINE_CONCURRENCY=8`),
plus the conventional `ARXIV_API_URL`, `GITHUB_API_URL` (GitHub Actions and
GitHub Enterprise set it) and `GITHUB_TOKEN` / `GH_TOKEN`.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from pipeline.contact import TOOL_HOMEPAGE, default_contact, valid_contact
from pipeline.errors import ConfigError

__all__ = [
    "DEFAULT_ARXIV_API_URL",
    "DEFAULT_BADGE_HOSTS",
    "DEFAULT_GITHUB_API_URL",
    "DEFAULT_INPUT",
    "DEFAULT_MAX_LIST_BYTES",
    "DEFAULT_OUTPUT_DIR",
    "PAPER_LIST_TOML",
    "HostTarget",
    "Settings",
    "load_settings",
    "parse_host_target",
    "pipeline_table",
]

DEFAULT_INPUT = Path("data/awesome-list.md")
DEFAULT_OUTPUT_DIR = Path("data")
DEFAULT_CACHE_DIR = Path("cache")
DEFAULT_ARXIV_API_URL = "https://export.arxiv.org/api/query"
DEFAULT_GITHUB_API_URL = "https://api.github.com"
DEFAULT_S2_API_URL = "https://api.semanticscholar.org/graph/v1"
DEFAULT_HF_API_URL = "https://huggingface.co/api"
DEFAULT_OPENREVIEW_API_URL = "https://api2.openreview.net"
DEFAULT_WAYBACK_CDX_URL = "https://web.archive.org/cdx/search/cdx"
DEFAULT_WAYBACK_AVAILABLE_URL = "https://archive.org/wayback/available"
DEFAULT_MAX_LIST_BYTES = 10_000_000
# Badge services draw an image for any path (a wrong repo still gets a badge), so
# requesting their images tells nothing about the list; `badge_hosts = []` checks them.
DEFAULT_BADGE_HOSTS = (
    "img.shields.io",
    "badge.fury.io",
    "badgen.net",
    "flat.badgen.net",
    "api.star-history.com",
    "visitor-badge.laobi.icu",
    "komarev.com",
    "hits.seeyoufarm.com",
    "github-readme-stats.vercel.app",
)
# Without a `contact` setting, load_settings names the list's own repository (contact.py).
DEFAULT_CONTACT = TOOL_HOMEPAGE
# Settings for a repository without a pyproject.toml (what `pipeline init` writes there).
PAPER_LIST_TOML = "paper-list.toml"

# Secrets, as the error about a malformed one names them (never echoing the value).
_SECRETS = {
    "github_token": "GitHub token (GITHUB_TOKEN / GH_TOKEN)",
    "s2_api_key": "Semantic Scholar key (S2_API_KEY)",
}

# Env names that are not PIPELINE_<NAME>, in order of precedence.
_ENV_ALIASES: dict[str, tuple[str, ...]] = {
    "arxiv_api_url": ("ARXIV_API_URL",),
    "github_api_url": ("GITHUB_API_URL",),
    "github_token": ("GITHUB_TOKEN", "GH_TOKEN"),
    "s2_api_url": ("S2_API_URL",),
    "s2_api_key": ("S2_API_KEY",),
}


class HostTarget(NamedTuple):
    """Where a `host_map` entry sends a host's connections."""

    scheme: str  # "http" or "https"
    address: str
    port: int


def parse_host_target(target: str) -> HostTarget:
    """`address:port` (plain HTTP) or `http(s)://address:port`; ValueError if neither.

    The one parser of host_map values: the client's transport, the reachability
    check and the settings' validation all read a target through it.
    """
    scheme, sep, rest = target.partition("://")
    scheme, rest = (scheme.lower(), rest) if sep else ("http", target)
    address, _, port = rest.rstrip("/").rpartition(":")
    address = address.removeprefix("[").removesuffix("]")  # an IPv6 literal
    if (
        scheme not in ("http", "https")
        or not address
        or not address.isascii()
        or not all(c.isalnum() or c in ".-_:" for c in address)
        or not (port.isascii() and port.isdigit() and 0 < int(port) < 65536)
    ):
        raise ValueError(
            f"{target!r} is not 'address:port' or 'https://address:port' (port 1-65535)"
        )
    return HostTarget(scheme, address, int(port))


class Settings(BaseModel):
    """Every knob of a run; see the README's "Configuration" table."""

    # No NaN or infinity anywhere: `timeout = nan` would disable every comparison with it.
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    input: Path = DEFAULT_INPUT
    output_dir: Path = DEFAULT_OUTPUT_DIR
    cache_dir: Path = DEFAULT_CACHE_DIR
    offline: bool = False
    quiet: bool = False
    max_list_bytes: int = Field(default=DEFAULT_MAX_LIST_BYTES, ge=1024, le=1 << 32)

    arxiv_api_url: str = DEFAULT_ARXIV_API_URL
    github_api_url: str = DEFAULT_GITHUB_API_URL
    github_token: SecretStr | None = None
    contact: str = DEFAULT_CONTACT
    host_map: dict[str, str] = Field(
        default={},
        description="host -> 'address:port' (plain HTTP) or 'https://address:port' to connect "
        "to instead (demo, tests, bench).",
    )
    proxy: str | None = Field(
        default=None,
        description="A proxy URL for every request; None reads HTTPS_PROXY, HTTP_PROXY, "
        "ALL_PROXY and NO_PROXY (net/proxy.py).",
    )
    ca_bundle: Path | None = Field(
        default=None,
        description="A PEM file of the only CAs to trust (the emulator's test CA); "
        "None trusts the usual public CAs.",
    )

    # Network politeness and limits.
    concurrency: int = Field(default=32, ge=1, le=512)
    per_host_concurrency: int = Field(default=4, ge=1, le=64)
    per_host_interval: float = Field(
        default=0.05, ge=0, le=3600, description="Seconds between requests."
    )
    timeout: float = Field(default=20.0, gt=0, le=3600, description="Seconds per request.")
    max_redirects: int = Field(default=10, ge=0, le=50)
    max_body_bytes: int = Field(default=1_000_000, ge=1024, le=1 << 30)
    retries: int = Field(default=3, ge=0, le=10)
    max_retry_wait: float = Field(
        default=60.0, ge=0, le=86400, description="Longest Retry-After obeyed."
    )
    retry_backoff: float = Field(
        default=1.0, ge=0, le=3600, description="First backoff wait, seconds."
    )
    retry_budget: float = Field(
        default=120.0, ge=0, le=86400, description="Seconds of retrying per URL."
    )
    outage_threshold: float = Field(
        default=0.5, ge=0, le=1, description="Share of hosts unreachable that means an outage."
    )
    canary_url: str | None = Field(
        default=None, description="A URL that must answer, or the run is an outage."
    )
    badge_hosts: list[str] = Field(
        default=list(DEFAULT_BADGE_HOSTS),
        description="Hosts whose images are not requested: badge services draw any path.",
    )

    # arXiv API: one request every 3 s across the run (arXiv's terms of use).
    arxiv_interval: float = Field(default=3.0, ge=0, le=3600)
    arxiv_batch_size: int = Field(default=100, ge=1, le=500)
    title_match_threshold: float = Field(default=90.0, ge=0, le=100)

    # GitHub API.
    github_batch_size: int = Field(default=50, ge=1, le=100)
    stale_after_days: int = Field(default=365, ge=1, le=36500)

    # The scholarly graph: Semantic Scholar (venue, citations), Hugging Face papers (code),
    # the Wayback Machine (archived copies). Keys: 1 request a second on every S2 endpoint.
    s2_api_url: str = DEFAULT_S2_API_URL
    s2_api_key: SecretStr | None = None
    s2_interval: float = Field(default=1.0, ge=0, le=60, description="Seconds between S2 calls.")
    s2_batch_size: int = Field(default=500, ge=1, le=500)
    s2_match_budget: int = Field(
        default=100, ge=0, le=10_000, description="S2 title-match requests a run at most."
    )
    hf_api_url: str = DEFAULT_HF_API_URL
    hf_interval: float = Field(default=0.2, ge=0, le=60, description="Seconds between calls.")
    hf_budget: int = Field(
        default=300,
        ge=0,
        le=10_000,
        description="Hugging Face paper requests a run at most (it allows ~500 per 5 minutes).",
    )
    wayback_cdx_url: str = DEFAULT_WAYBACK_CDX_URL
    wayback_available_url: str = DEFAULT_WAYBACK_AVAILABLE_URL
    # OpenReview's API v2, where `pipeline add` reads an OpenReview paper's title.
    openreview_api_url: str = DEFAULT_OPENREVIEW_API_URL
    archive_interval: float = Field(
        default=1.0, ge=0, le=60, description="Seconds between archive calls (they block IPs)."
    )
    archive_budget: int = Field(
        default=100, ge=0, le=10_000, description="Archive lookups a run at most."
    )

    # Cache lifetimes.
    link_ttl_hours: float = Field(default=24.0, ge=0, le=87600)
    arxiv_ttl_days: float = Field(default=7.0, ge=0, le=3650)
    github_ttl_hours: float = Field(default=24.0, ge=0, le=87600)
    s2_ttl_days: float = Field(default=7.0, ge=0, le=3650)
    hf_ttl_days: float = Field(default=7.0, ge=0, le=3650)
    archive_ttl_days: float = Field(default=30.0, ge=0, le=3650)
    candidates_min_cites: int = Field(
        default=3, ge=1, le=1000, description="A paper citing this many of the list's is proposed."
    )
    citations_budget: int = Field(
        default=100, ge=0, le=100_000, description="S2 citation requests a run may send."
    )
    citations_ttl_days: float = Field(default=7.0, ge=0, le=3650)

    # History.
    persistent_after_runs: int = Field(default=3, ge=1, le=1000)

    @field_validator("host_map")
    @classmethod
    def _address_and_port(cls, value: dict[str, str]) -> dict[str, str]:
        for host, target in value.items():
            try:
                parse_host_target(target)
            except ValueError as exc:
                raise ValueError(f"{host}: {exc}") from None
        return value

    @field_validator("contact")
    @classmethod
    def _header_safe(cls, value: str) -> str:
        # It goes into the User-Agent header: non-ASCII cannot be sent, CR/LF would split it.
        if not valid_contact(value):
            raise ValueError("must be printable ASCII (a URL or an e-mail address), one line")
        return value

    @field_validator("github_token", "s2_api_key", mode="before")
    @classmethod
    def _token_shape(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if not isinstance(value, str):
            return value
        value = value.strip()  # `echo $TOKEN > file` and copy-paste add a newline or spaces
        if not value:
            return None
        if not all(33 <= ord(c) < 127 for c in value):  # the token itself is never echoed
            what = _SECRETS[info.field_name or ""]
            raise ValueError(
                f"the {what} has non-ASCII, space or control characters, which no key has: "
                "copy it again"
            )
        return value

    @field_validator("proxy")
    @classmethod
    def _proxy_url(cls, value: str | None) -> str | None:
        if value is not None and not value.lower().startswith(
            ("http://", "https://", "socks5://", "socks5h://")
        ):
            raise ValueError("must be an http://, https:// or socks5:// URL")
        return value or None

    @field_validator("canary_url")
    @classmethod
    def _canary_http(cls, value: str | None) -> str | None:
        if value is not None and not value.lower().startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("input", "output_dir", "cache_dir")
    @classmethod
    def _no_nul(cls, value: Path) -> Path:
        if "\0" in str(value):
            raise ValueError("a path cannot hold a NUL character")
        return value

    @field_validator("ca_bundle")
    @classmethod
    def _readable_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"{value} is not a file")
        return value

    @field_validator(
        "arxiv_api_url",
        "github_api_url",
        "s2_api_url",
        "hf_api_url",
        "wayback_cdx_url",
        "wayback_available_url",
        "openreview_api_url",
    )
    @classmethod
    def _http_only(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @property
    def user_agent(self) -> str:
        """The User-Agent every request sends: the tool and who to contact."""
        from pipeline import __version__

        return f"paper-list-pipeline/{__version__} (+{self.contact})"

    @property
    def catalog_path(self) -> Path:
        """Where the catalog lives."""
        return self.output_dir / "catalog.json"


def pipeline_table(data: dict[str, Any], path: Path) -> dict[str, Any] | None:
    """The `[tool.pipeline]` table of a parsed pyproject.toml, None when there is none."""
    tool = data.get("tool")
    if tool is None:
        return None
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: `tool` must be a table ([tool.pipeline]), not a value")
    table = tool.get("pipeline")
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{path}: `tool.pipeline` must be a table ([tool.pipeline]), not a value")
    return table


def _from_pyproject(start: Path) -> dict[str, Any]:
    path = start / "pyproject.toml"
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read [tool.pipeline]: {exc}") from exc
    table = pipeline_table(data, path) or {}
    return {key.replace("-", "_"): value for key, value in table.items()}


def _from_paper_list_toml(start: Path) -> dict[str, Any]:
    path = start / PAPER_LIST_TOML
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the settings: {exc}") from exc
    return {key.replace("-", "_"): value for key, value in data.items()}


def _env_value(name: str, raw: str) -> Any:
    # Mappings and lists come as JSON (PIPELINE_HOST_MAP='{"arxiv.org": "127.0.0.1:8080"}').
    if isinstance(Settings.model_fields[name].default, dict | list):
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"PIPELINE_{name.upper()}: not JSON: {exc}", setting=name) from None
    return raw


def _from_env(env: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in Settings.model_fields:
        for var in (f"PIPELINE_{name.upper()}", *_ENV_ALIASES.get(name, ())):
            if env.get(var, "").strip():  # a blank variable is an unset one
                values[name] = _env_value(name, env[var])
                break
    return values


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    project_dir: Path | None = None,
) -> Settings:
    """Settings from pyproject.toml, the environment and `overrides` (flags), in that order."""
    merged: dict[str, Any] = {}
    env = os.environ if env is None else env
    project_dir = project_dir or Path.cwd()
    merged.update(_from_pyproject(project_dir))
    merged.update(_from_paper_list_toml(project_dir))
    merged.update(_from_env(env))
    merged.update({k: v for k, v in (overrides or {}).items() if v is not None})
    unknown = sorted(set(merged) - set(Settings.model_fields))
    if unknown:
        raise ConfigError(
            f"unknown setting {unknown[0]!r} in [tool.pipeline] or {PAPER_LIST_TOML}",
            setting=unknown[0],
        )
    if "contact" not in merged:
        merged["contact"] = default_contact(project_dir, env)
    try:
        return Settings.model_validate(merged)
    except ValidationError as exc:
        err = exc.errors()[0]
        name = ".".join(str(p) for p in err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        raise ConfigError(f"setting {name!r}: {message}", setting=name) from None
