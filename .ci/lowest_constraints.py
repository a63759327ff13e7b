"""Print pip constraints pinning every direct dependency (runtime and dev) to its floor.

`make test-lowest` installs with these (`pip install -c`), so the tests run on
the oldest versions pyproject.toml allows: a floor that does not work fails CI
instead of an adopter's install. Every direct dependency must have a `>=` floor.
Standard library only.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

_REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(.*)$")


def floors(pyproject: Path) -> dict[str, str]:
    """{name: floor version} of every dependency and optional dependency."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    found: dict[str, str] = {}
    for requirement in requirements:
        match = _REQUIREMENT.match(requirement.split(";")[0].strip())
        floor = re.search(r">=\s*([0-9][^,\s]*)", match[3]) if match else None
        if match is None or floor is None:
            raise SystemExit(f"{pyproject}: {requirement!r} has no >= floor")
        found[match[1].lower()] = floor[1]
    return found


def main() -> int:
    """Write `name==floor` lines to stdout."""
    root = Path(__file__).resolve().parents[1]
    for name, version in sorted(floors(root / "pyproject.toml").items()):
        sys.stdout.write(f"{name}=={version}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
