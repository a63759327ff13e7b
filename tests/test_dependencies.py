"""Issue 19.3: what the code imports is declared, every declared floor is real, and the
private arXiv API we lean on is still there.

`make test-lowest` (called by .ci/run after `make test`) runs the whole suite
on the floors themselves; these tests keep the declarations honest in every run.
"""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import inspect
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
RUNTIME = [Requirement(r) for r in PROJECT["dependencies"]]
DEV = [Requirement(r) for r in PROJECT["optional-dependencies"]["dev"]]
FIXTURES = Path(__file__).parent / "fixtures" / "arxiv"


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _imported_distributions(folder: Path) -> dict[str, set[str]]:
    """{distribution: modules that import it} for every third-party import under `folder`."""
    stdlib = set(sys.stdlib_module_names)
    owners = importlib.metadata.packages_distributions()
    found: dict[str, set[str]] = {}
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in stdlib or top == folder.name:
                    continue
                for dist in owners.get(top, [top]):
                    found.setdefault(_canonical(dist), set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_third_party_module_the_product_imports_is_a_declared_dependency() -> None:
    declared = {_canonical(r.name) for r in RUNTIME}
    undeclared = {
        dist: sorted(paths)
        for dist, paths in _imported_distributions(ROOT / "pipeline").items()
        if dist not in declared
    }
    assert undeclared == {}, "imported but not in [project] dependencies"


def test_every_dependency_has_a_floor_the_pinned_versions_meet() -> None:
    pins = {
        _canonical(name): version
        for name, _, version in (
            line.partition("==") for line in (ROOT / "constraints.txt").read_text().splitlines()
        )
    }
    for requirement in RUNTIME + DEV:
        floors = [s.version for s in requirement.specifier if s.operator == ">="]
        assert floors, f"{requirement} has no >= floor"
        pinned = pins.get(_canonical(requirement.name))
        assert pinned is not None and requirement.specifier.contains(pinned), requirement


def test_lowest_constraints_pin_every_direct_dependency_to_its_floor() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / ".ci" / "lowest_constraints.py")],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    pinned = dict(line.split("==") for line in done.stdout.splitlines())
    expected = {
        r.name.lower(): next(s.version for s in r.specifier if s.operator == ">=")
        for r in RUNTIME + DEV
    }
    assert pinned == expected


def test_ci_runs_the_suite_on_the_lowest_versions_after_the_readme_command() -> None:
    run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line.strip() for line in run.splitlines() if line.startswith("make ")]
    assert commands == ["make test", "make test-lowest"]
    assert re.search(r"^test-lowest:", (ROOT / "Makefile").read_text(), re.MULTILINE)


def test_arxiv_whose_private_api_we_use_is_bounded_below_its_next_major() -> None:
    (arxiv,) = [r for r in RUNTIME if r.name == "arxiv"]
    assert not arxiv.specifier.contains("5.0") and arxiv.specifier.contains("4.0.2")


def test_the_private_arxiv_feed_parser_is_still_there() -> None:
    """pipeline/stages/arxiv/feed.py calls `arxiv._feed.parse(bytes)` and reads `.results`
    (a list of `arxiv.Result`). A private API can change in any release: say so plainly."""
    import arxiv

    version = importlib.metadata.version("arxiv")
    advice = (
        f"arxiv {version} no longer offers the private API pipeline/stages/arxiv/feed.py uses "
        "(arxiv._feed.parse(bytes) -> .results of arxiv.Result): adapt feed.py, or bound "
        "arxiv in pyproject.toml below this version"
    )
    try:
        feed = importlib.import_module("arxiv._feed")
    except ImportError:
        pytest.fail(advice)
    parse = getattr(feed, "parse", None)
    if not callable(parse) or list(inspect.signature(parse).parameters)[:1] != ["content"]:
        pytest.fail(advice)
    parsed = parse((FIXTURES / "api_query_id_2104.12255v1.xml").read_bytes())
    results = getattr(parsed, "results", None)
    if not isinstance(results, list) or not all(isinstance(r, arxiv.Result) for r in results):
        pytest.fail(advice)
    assert [r.get_short_id() for r in results] == ["2104.12255v1"]
