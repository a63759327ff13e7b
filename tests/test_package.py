"""The installable tool: sdist and wheel built offline, installed into a fresh venv, run there.

The fresh venv gets no network: its dependencies come from this project's
own .venv (a .pth line naming its site-packages, not its .pth files, so the
editable install of this checkout is not on the path), and the wheel is
installed with `--no-index --no-deps`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import jsonschema
import pytest

import pipeline
from pipeline.stages.emit import render_schema

ROOT = Path(__file__).resolve().parents[1]
_SOURCES = ("pyproject.toml", "README.md", "pipeline", "schema")
LIST = """# Papers outside any repository

## Segmentation

- LISA: Reasoning Segmentation. CVPR'2024. [[paper](https://arxiv.org/abs/2308.00692)] | [[code](https://github.com/dvlab-research/LISA)]
- GSVA: Generalized Segmentation. CVPR'2024. [[paper](https://arxiv.org/abs/2312.10103)]
"""


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env
    )
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sdist and the wheel, built offline from a copy of the sources (the checkout stays clean)."""
    work = tmp_path_factory.mktemp("build")
    src = work / "src"
    src.mkdir()
    for name in _SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(
                path, src / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy(path, src / name)
    # Wheel from the sdist (build's default), so the sdist is proven complete too.
    _run(sys.executable, "-m", "build", "--no-isolation", "--outdir", work / "dist", ".", cwd=src)
    (sdist,) = (work / "dist").glob("*.tar.gz")
    (wheel,) = (work / "dist").glob("*.whl")
    return {"sdist": sdist, "wheel": wheel}


@pytest.fixture(scope="module")
def venv(dists: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed, no network: dependencies come from our .venv."""
    home = tmp_path_factory.mktemp("venv") / "v"
    _run(sys.executable, "-m", "venv", "--without-pip", home, cwd=home.parent)
    python = home / "bin" / "python"
    purelib = _run(
        python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=home
    )
    (Path(purelib.strip()) / "_deps.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    _run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "--quiet",
        "--no-index",
        "--no-deps",
        dists["wheel"],
        cwd=home,
    )
    return home


def _clean_env() -> dict[str, str]:
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PIPELINE_", "PYTHON")) and k not in ("GITHUB_TOKEN", "GH_TOKEN")
    }


def test_the_wheel_ships_the_schema_and_the_command(dists: dict[str, Path]) -> None:
    with zipfile.ZipFile(dists["wheel"]) as wheel:
        names = wheel.namelist()
        schema = wheel.read("pipeline/catalog.schema.json").decode("utf-8")
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        assert "pipeline = pipeline.__main__:main" in wheel.read(entry_points).decode()
    assert schema == render_schema()
    assert dists["wheel"].name == f"paper_list_pipeline-{pipeline.__version__}-py3-none-any.whl"


def test_the_sdist_holds_the_sources_and_the_schema_as_a_file(dists: dict[str, Path]) -> None:
    with tarfile.open(dists["sdist"]) as sdist:
        members = {m.name.split("/", 1)[1]: m for m in sdist.getmembers() if "/" in m.name}
    assert {"pyproject.toml", "README.md", "pipeline/cli.py"} <= set(members)
    assert members["pipeline/catalog.schema.json"].isfile()  # the link is resolved


def test_the_installed_command_reports_the_packaged_version(venv: Path, tmp_path: Path) -> None:
    out = _run(venv / "bin" / "pipeline", "--version", cwd=tmp_path, env=_clean_env())
    assert out.strip() == f"pipeline {pipeline.__version__}"
    where = _run(
        venv / "bin" / "python",
        "-c",
        "import importlib.metadata as m, pipeline; "
        "print(m.version('paper-list-pipeline')); print(pipeline.__file__)",
        cwd=tmp_path,
        env=_clean_env(),
    ).split()
    assert where[0] == pipeline.__version__
    assert Path(where[1]).is_relative_to(venv)  # the wheel's copy, not this checkout


def test_the_installed_command_parses_and_refreshes_a_list_outside_the_repo(
    venv: Path, tmp_path: Path
) -> None:
    (tmp_path / "list.md").write_text(LIST, encoding="utf-8")
    env = _clean_env()
    parsed = json.loads(
        _run(venv / "bin" / "pipeline", "parse", "list.md", "--json", cwd=tmp_path, env=env)
    )
    assert [e["arxiv_id"] for e in parsed["entries"]] == ["2308.00692", "2312.10103"]
    out = _run(
        venv / "bin" / "pipeline",
        "refresh",
        "--offline",
        "--input",
        "list.md",
        "--output-dir",
        "out",
        cwd=tmp_path,
        env=env,
    )
    assert "2 entries" in out
    catalog = json.loads((tmp_path / "out" / "catalog.json").read_text(encoding="utf-8"))
    shipped = venv.glob("lib/python*/site-packages/pipeline/catalog.schema.json")
    jsonschema.validate(catalog, json.loads(next(shipped).read_text(encoding="utf-8")))
    assert (tmp_path / "out" / "report.md").is_file()
    assert not (tmp_path / "data").exists() and not (tmp_path / "schema").exists()


def test_the_installed_command_sets_up_a_repository_with_init(venv: Path, tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text(LIST, encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True, timeout=60)
    out = _run(venv / "bin" / "pipeline", "init", cwd=tmp_path, env=_clean_env())
    assert "wrote .github/workflows/paper-list-check.yml" in out
    check = (tmp_path / ".github" / "workflows" / "paper-list-check.yml").read_text()
    # Installed from a wheel file, no commit is known: the version's tag.
    assert f"@v{pipeline.__version__} # v{pipeline.__version__}" in check
