"""Issue 19.15: `check-pr` sees every change a pull request makes to the list's entries.

A child entry nested under an unchanged parent, a list git calls binary
(`.gitattributes`), and a changed reference definition (`[c]: url`), each
against the loopback emulator where a page answers 404 at `/dead`, 301 at
`/moved` and 200 elsewhere. And `fix` rewrites a reference link's URL in its
definition.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.model import Catalog, Verdict
from pipeline.prcheck import parse_diff_lines
from pipeline.stages.parse.references import reference_definitions
from tests.emulator import Emulator, World, load_world
from tests.git_support import git

LIST = "data/awesome-list.md"


@pytest.fixture
def site(emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The base URL of a site with /dead (404) and /moved (301 to /new); cwd is a git repo."""
    pages = {"/dead": {"status": 404}, "/moved": {"status": 301, "redirect": "/new"}, "/new": {}}
    load_world(emulator, World.from_dict({"hosts": {"site": {"pages": pages, "default": {}}}}))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PIPELINE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PIPELINE_RETRY_BACKOFF", "0.01")
    git(tmp_path, "init", "-q")
    return emulator.url("site", "/").rstrip("/")


def _commit(text: str) -> str:
    path = Path(LIST)
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    git(Path.cwd(), "add", "-A")
    git(Path.cwd(), "commit", "-qm", "change")
    return git(Path.cwd(), "rev-parse", "HEAD")


def _check_pr(base: str, *extra: str):
    return CliRunner().invoke(
        app, ["check-pr", "--base", base, "--fail-on", "dead", *extra], catch_exceptions=False
    )


def _refresh(*extra: str):
    return CliRunner().invoke(
        app, ["refresh", "-q", "--only", "links", "--fail-on", "dead", *extra]
    )


@pytest.mark.parametrize("indent", ["\t", "    "], ids=["tab", "four-spaces"])
def test_a_changed_child_under_an_unchanged_parent_is_checked(site: str, indent: str) -> None:
    parent = f"- **Parent Paper About Seg** [paper]({site}/parent)\n"
    child = f"{indent}- **Child Paper About Seg** [paper]({site}/ok)\n"
    base = _commit(f"# Papers\n\n## Seg\n\n{parent}{child}")
    _commit(f"# Papers\n\n## Seg\n\n{parent}{child.replace('/ok', '/dead')}")
    assert _refresh().exit_code == 1  # the whole list: the child's link is dead
    result = _check_pr(base)
    assert result.exit_code == 1, result.output
    assert "Checked 1 changed entries: " in result.stderr
    (error,) = [line for line in result.stdout.splitlines() if "dead-link" in line]
    assert error.startswith(f"::error file={LIST},line=6,")


@pytest.mark.parametrize("attribute", ["-diff", "binary", "diff=nothing"])
def test_a_list_git_calls_binary_is_still_diffed(site: str, attribute: str) -> None:
    Path(".gitattributes").write_text(f"{LIST} {attribute}\n", encoding="utf-8")
    git(Path.cwd(), "config", "diff.nothing.textconv", "true")  # a textconv that prints nothing
    first = f"- **First Paper About Seg** [paper]({site}/first)\n"
    base = _commit(f"# Papers\n\n## Seg\n\n{first}")
    _commit(f"# Papers\n\n## Seg\n\n{first}- **Second Paper About Seg** [paper]({site}/dead)\n")
    result = _check_pr(base)
    assert result.exit_code == 1, result.output
    assert "Checked 1 changed entries" in result.stderr
    assert any("line=6," in line and "dead-link" in line for line in result.stdout.splitlines())


def test_a_binary_diff_counts_as_every_line_changed() -> None:
    ranges = parse_diff_lines("diff --git a/x b/x\nBinary files a/x and b/x differ\n")
    assert 1 in ranges and 10_000_000 in ranges


REFERENCE_LIST = """# Papers

## Seg

- **Paper About Seg One** [paper][c] [page]({site}/one)
- **Paper About Seg Two** [paper]({site}/two)
- **Paper About Seg Three** [paper][c]

[c]: {site}/ok
"""


def test_a_changed_reference_definition_checks_the_entries_that_use_it(site: str) -> None:
    base = _commit(REFERENCE_LIST.format(site=site))
    _commit(REFERENCE_LIST.format(site=site).replace("/ok", "/dead"))
    result = _check_pr(base)
    assert result.exit_code == 1, result.output
    assert "Checked 2 changed entries" in result.stderr
    errors = [line for line in result.stdout.splitlines() if "dead-link" in line]
    assert [e.split(",")[1] for e in errors] == ["line=5", "line=7"]


def test_fix_rewrites_a_reference_links_url_in_its_definition(site: str) -> None:
    text = REFERENCE_LIST.format(site=site).replace("/ok", "/moved")
    _commit(text)
    assert _refresh("-i", LIST).exit_code == 0
    catalog = Catalog.model_validate_json(Path("data/catalog.json").read_text(encoding="utf-8"))
    moved = [link for _, link in catalog.iter_links() if link.health.verdict is Verdict.MOVED]
    assert len(moved) == 2  # both entries link the definition
    result = CliRunner().invoke(app, ["fix", "--write", "-i", LIST])
    assert result.exit_code == 0, result.output
    assert "Applied 1 fix(es)" in result.stderr
    expected = text.replace(f"[c]: {site}/moved", f"[c]: {site}/new")
    assert Path(LIST).read_text(encoding="utf-8") == expected
    again = CliRunner().invoke(app, ["fix", "-i", LIST])
    assert again.stdout == ""  # nothing more to propose


def test_reference_definitions_know_where_their_url_is_written() -> None:
    text = (
        "- [a][c]\n\n"
        "[c]: https://e.com/ok\n"
        "[D e]:\n  <https://e.com/a b> 'title'\n"
        "> [q]: https://e.com/q\n"
        "    [code]: https://not.a/definition\n"
    )
    found = [(d.label, d.url, d.first, d.last, d.line, d.column, d.written) for d in
             reference_definitions(text)]  # fmt: skip
    assert found == [
        ("C", "https://e.com/ok", 3, 3, 3, 6, "https://e.com/ok"),
        ("D E", "https://e.com/a%20b", 4, 5, 5, 4, "https://e.com/a b"),
        ("Q", "https://e.com/q", 6, 6, 6, 8, "https://e.com/q"),
    ]
