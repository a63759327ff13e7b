"""Who the User-Agent names as the contact when `contact` is not set: the list's own
repository, else the tool's homepage.

Servers read the contact to know whose crawler this is; every adopter's runs
must name the adopter, not some other list. The repository comes from git's
`origin` remote of the folder the command runs in, else `GITHUB_REPOSITORY`
(set in GitHub Actions). Credentials in a remote URL are never kept.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

__all__ = ["TOOL_HOMEPAGE", "default_contact", "repository_url", "valid_contact"]

# The [project.urls] Repository of pyproject.toml (a test keeps the two equal).
TOOL_HOMEPAGE = "https://github.com/paper-list-pipeline/paper-list-pipeline"

_NAME = r"[A-Za-z0-9_.-]+"
_SLUG = re.compile(rf"{_NAME}/{_NAME}")
_HOST = re.compile(r"[A-Za-z0-9.-]+")
_SCP = re.compile(rf"(?:{_NAME}@)?({_HOST.pattern}):/?({_NAME}(?:/{_NAME})+)/?")
_PATH = re.compile(rf"/?({_NAME}(?:/{_NAME})+)/?")


def valid_contact(value: str) -> bool:
    """Whether `value` can go into a header: printable ASCII, no control characters."""
    return bool(value) and value.isascii() and value.isprintable() and len(value) <= 300


def _from_remote(remote: str) -> str | None:
    remote = remote.strip()
    if "://" not in remote:  # scp-like: git@github.com:owner/name.git
        match = _SCP.fullmatch(remote)
        return f"https://{match[1].lower()}/{match[2].removesuffix('.git')}" if match else None
    try:
        parts = urlsplit(remote)
        host = parts.hostname
    except ValueError:
        return None
    path = _PATH.fullmatch(parts.path)
    if parts.scheme not in ("https", "http", "ssh", "git") or not host or path is None:
        return None
    if not _HOST.fullmatch(host) or "." not in host:  # a local path or an odd host
        return None
    # No user, password or port: a token in the remote URL never reaches a header.
    return f"https://{host.lower()}/{path[1].removesuffix('.git')}"


def _origin(directory: Path) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(directory), "remote", "get-url", "origin"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired, UnicodeDecodeError):
        return None
    return _from_remote(done.stdout) if done.returncode == 0 else None


def repository_url(directory: Path, env: Mapping[str, str]) -> str | None:
    """The https URL of the repository at `directory` (git origin, else GITHUB_REPOSITORY)."""
    url = _origin(directory)
    if url is None and _SLUG.fullmatch(env.get("GITHUB_REPOSITORY", "")):
        server = env.get("GITHUB_SERVER_URL", "") or "https://github.com"
        if not server.startswith("https://") or not valid_contact(server):
            server = "https://github.com"
        url = f"{server.rstrip('/')}/{env['GITHUB_REPOSITORY']}"
    return url if url is not None and valid_contact(url) else None


def default_contact(directory: Path, env: Mapping[str, str]) -> str:
    """The list's own repository, else the tool's homepage."""
    return repository_url(directory, env) or TOOL_HOMEPAGE
