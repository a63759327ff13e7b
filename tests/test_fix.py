"""`pipeline fix`: only the intended URLs change, every other byte stays, and it converges."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.model import Catalog, LinkHealth, Verdict
from pipeline.outputs.fix import Edit, apply_edits, fix_list, plan_fixes, unified_diff
from pipeline.stages.emit import write_catalog
from pipeline.stages.parse import parse_list
from pipeline.stages.resolve import resolve_entries
from tests.emulator import Emulator, World, load_world
from tests.links_helpers import fast_settings, run_links
from tests.sample_catalog import NOW, SAMPLE_LIST, sample_catalog

# (line, old URL, new URL): every fix the sample catalog supports, and nothing else.
INTENDED = [
    (6, "https://arxiv.org/pdf/2401.00002v2.pdf", "https://arxiv.org/abs/2401.00002"),
    (6, "https://github.com/OldOwner/beta", "https://github.com/NewOwner/beta"),
    (7, "http://example.org/gamma", "https://example.org/gamma"),
    (7, "https://example.com/old-home", "https://example.com/new-home"),
    (11, "https://arxiv.org/abs/2310.00007v3", "https://arxiv.org/abs/2310.00007"),
    (14, "https://arxiv.org/abs/2305.00001v2", "https://arxiv.org/abs/2305.00001"),
    (14, "http://arxiv.org/abs/2305.00001v2", "https://arxiv.org/abs/2305.00001"),
    # A permanent redirect outside every entry (the Related section) is fixed the same way.
    (18, "https://moved-list.example/awesome", "https://moved-list.example/v2"),
    # A dead link with an archived copy from before it died.
    (
        18,
        "https://old-list.example/awesome",
        "https://web.archive.org/web/20250101000000/https://old-list.example/awesome",
    ),
]
# (line, old text, new text): what the scholarly findings add, in the list's own style.
INTENDED_TEXT = [
    (7, "arXiv'2024", "CVPR'2024"),  # published
    (  # code found for an entry without a code link: after its last link, shaped like Alpha's
        10,
        "(https://redirect.example/zeta)]",
        "(https://redirect.example/zeta)] | [[code](https://github.com/zeta-lab/zeta)]",
    ),
]


def _variant(text: str, *, crlf: bool = False, bom: bool = False, trailing: bool = False) -> str:
    lines = text.split("\n")
    if trailing:
        lines = [line + "  " if line else line for line in lines]
    out = ("\r\n" if crlf else "\n").join(lines)
    return ("\ufeff" if bom else "") + out


def _splice(text: str, catalog: Catalog) -> str:
    """The expected result, built independently: each intended URL replaced at its link's column."""
    body = text.removeprefix("\ufeff")
    lines = body.splitlines(keepends=True)
    columns = {(link.line, link.url): link.column for _, link in catalog.iter_links()}
    for line, old, new in sorted(INTENDED, key=lambda c: -columns[(c[0], c[1])]):
        start = columns[(line, old)] - 1
        current = lines[line - 1]
        assert current[start : start + len(old)] == old
        lines[line - 1] = current[:start] + new + current[start + len(old) :]
    for line, old, new in INTENDED_TEXT:
        assert lines[line - 1].count(old) == 1
        lines[line - 1] = lines[line - 1].replace(old, new)
    return text[: len(text) - len(body)] + "".join(lines)


def test_plan_names_exactly_the_intended_fixes() -> None:
    planned = [(e.line, e.old, e.new) for e in plan_fixes(sample_catalog())]
    assert sorted(planned) == sorted(INTENDED)


@pytest.mark.parametrize(
    "style",
    [{}, {"crlf": True}, {"bom": True, "crlf": True, "trailing": True}, {"trailing": True}],
    ids=["lf", "crlf", "bom-crlf-trailing", "trailing-spaces"],
)
def test_fix_changes_only_the_intended_urls_byte_for_byte(style: dict[str, bool]) -> None:
    catalog = sample_catalog()
    before = _variant(SAMPLE_LIST.read_text(encoding="utf-8"), **style)
    result = fix_list(before, catalog)
    assert result.text.encode("utf-8") == _splice(before, catalog).encode("utf-8")
    assert len(result.applied) == len(INTENDED) + len(INTENDED_TEXT) and result.skipped == []


def test_a_second_run_proposes_nothing() -> None:
    catalog = sample_catalog()
    once = fix_list(SAMPLE_LIST.read_text(encoding="utf-8"), catalog).text
    again = fix_list(once, catalog)
    assert again.applied == [] and again.text == once


def test_the_edit_targets_its_column_not_every_copy_of_the_url() -> None:
    text = "- [https://a.example/x](https://a.example/x)\n"
    edit = Edit(
        line=1,
        column=text.index("](") + 3,
        old="https://a.example/x",
        new="https://b.example/x",
        reason="",
    )
    result = apply_edits(text, [edit])
    assert result.text == "- [https://a.example/x](https://b.example/x)\n"


def test_an_edit_whose_url_moved_away_is_skipped_not_guessed() -> None:
    text = "- [a](https://a.example/x) [b](https://a.example/x)\n"
    edit = Edit(line=1, column=2, old="https://a.example/x", new="https://b.example/x", reason="")
    result = apply_edits(text, [edit])
    assert result.text == text and result.skipped == [edit]


def test_redirects_to_non_http_urls_are_not_proposed() -> None:
    planned = {e.old for e in plan_fixes(sample_catalog())}
    assert "https://redirect.example/zeta" not in planned


def test_a_dead_arxiv_id_is_not_canonicalised() -> None:
    planned = {e.old for e in plan_fixes(sample_catalog())}
    assert "https://arxiv.org/abs/2501.99999" not in planned


def test_a_moved_url_with_markdown_breaking_characters_is_not_proposed() -> None:
    catalog = sample_catalog()
    entry = catalog.entries[2]
    bad = LinkHealth(verdict=Verdict.MOVED, final_url="https://e.org/a)b [x]")
    links = [entry.links[0], entry.links[1].model_copy(update={"health": bad})]
    catalog = catalog.model_copy(
        update={"entries": [entry.model_copy(update={"links": links})], "other_links": []}
    )
    assert [e.old for e in plan_fixes(catalog)] == ["http://example.org/gamma"]


def test_unified_diff_shows_old_and_new_lines() -> None:
    diff = unified_diff("a\nb\n", "a\nc\n", "list.md")
    assert diff.startswith("--- a/list.md\n+++ b/list.md\n") and "-b\n+c\n" in diff


@pytest.fixture
def fix_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "list.md").write_bytes(SAMPLE_LIST.read_bytes())
    write_catalog(sample_catalog(), tmp_path / "data" / "catalog.json")
    return tmp_path


def _fix(*extra: str):
    return CliRunner().invoke(
        app, ["fix", "--input", "data/list.md", "--output-dir", "data", *extra]
    )


def test_fix_command_shows_a_diff_and_leaves_the_list_alone(fix_dir: Path) -> None:
    result = _fix()
    assert result.exit_code == 0
    assert (
        "+- Gamma: Http And Moved. CVPR'2024. [[paper](https://example.org/gamma)]" in result.stdout
    )
    assert (fix_dir / "data" / "list.md").read_bytes() == SAMPLE_LIST.read_bytes()
    assert (
        f"{len(INTENDED) + len(INTENDED_TEXT)} fix(es); apply them with --write." in result.stderr
    )


def test_fix_command_write_applies_and_then_proposes_nothing(fix_dir: Path) -> None:
    assert _fix("--write").exit_code == 0
    text = (fix_dir / "data" / "list.md").read_text(encoding="utf-8")
    assert text == _splice(SAMPLE_LIST.read_text(encoding="utf-8"), sample_catalog())
    again = _fix()
    assert again.exit_code == 0 and again.stdout == ""
    assert "No safe fixes to propose." in again.stderr


def test_fix_command_without_a_catalog_says_to_refresh_first(fix_dir: Path) -> None:
    (fix_dir / "data" / "catalog.json").unlink()
    result = _fix()
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "Error: data/catalog.json: no catalog yet; run `pipeline refresh` first"
    )


# -- issue 12.14: the diff of a line holding U+2028, and its headers ----------------------------


def test_unified_diff_keeps_a_line_holding_a_line_separator_whole() -> None:
    old = "a\nb \u2028 c http://x\n\u0085d\x0c\n"
    new = "a\nb \u2028 c https://x\n\u0085d\x0c\n"
    diff = unified_diff(old, new, "list.md")
    assert "-b \u2028 c http://x\n+b \u2028 c https://x\n" in diff
    assert diff.count("\n-") == 1 and diff.count("\n+") == 2  # the +++ header and one line


def test_unified_diff_of_an_absolute_path_has_no_double_slash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    inside = unified_diff("a\n", "b\n", str(tmp_path / "data" / "list.md"))
    assert inside.startswith("--- a/data/list.md\n+++ b/data/list.md\n")
    outside = unified_diff("a\n", "b\n", "/elsewhere/list.md")
    assert outside.startswith("--- a/elsewhere/list.md\n+++ b/elsewhere/list.md\n")


def test_a_fixed_protocol_relative_url_is_not_fixed_again() -> None:
    # Found by the fuzz test: `//arxiv.org/abs/x` sits inside the `https://arxiv.org/abs/x`
    # that replaced it, and a second run must not take it for the same URL.
    text = "# L\n\n- A Paper Title. CVPR'2024. [[paper](//arxiv.org/abs/2305.11175)]\n"
    parsed = parse_list(text, "l.md")
    entries, _ = resolve_entries(parsed)
    catalog = Catalog(generated_at=NOW, source="l.md", entries=entries)
    once = fix_list(text, catalog)
    assert [e.new for e in once.applied] == ["https://arxiv.org/abs/2305.11175"]
    assert fix_list(once.text, catalog).applied == []


# -- issue 19, point 14: an edit touches only the link destination the catalog names -------

_PDF = "https://arxiv.org/pdf/2308.00692"
_ABS = "https://arxiv.org/abs/2308.00692"


def _refresh_offline_then_fix(tmp_path: Path, text: str) -> tuple[str, Catalog]:
    """`refresh --offline`, then `fix --write`, through the CLI: the list after, the catalog."""
    listing = tmp_path / "list.md"
    listing.write_text(text, encoding="utf-8")
    out = str(tmp_path / "out")
    runner = CliRunner()
    refreshed = runner.invoke(app, ["refresh", "--offline", "-q", "-i", str(listing), "-o", out])
    assert refreshed.exit_code == 0, refreshed.output
    catalog = Catalog.model_validate_json((tmp_path / "out" / "catalog.json").read_text("utf-8"))
    fixed = runner.invoke(app, ["fix", "--write", "-i", str(listing), "-o", out])
    assert fixed.exit_code == 0, fixed.output
    return listing.read_text(encoding="utf-8"), catalog


@pytest.mark.parametrize(
    "before",
    [
        f"<!-- was {_PDF} -->",
        f'<span title="{_PDF}">x</span>',
        "<b>x</b>" * 9 + f" `{_PDF}`",
        "*a* " * 18 + f"`{_PDF}`",
    ],
    ids=["html-comment", "span-title", "code-after-inline-html", "code-after-emphasis"],
)
def test_fix_rewrites_the_link_not_the_same_url_before_it(tmp_path: Path, before: str) -> None:
    text = f"- **LISA** {before} [paper]({_PDF})\n"
    after, catalog = _refresh_offline_then_fix(tmp_path, text)
    (link,) = catalog.entries[0].links
    assert link.column == text.index(f"({_PDF})") + 2  # the link's own column
    assert after == f"- **LISA** {before} [paper]({_ABS})\n"


def test_every_copy_of_a_url_in_an_entry_is_fixed_in_one_cycle(tmp_path: Path) -> None:
    text = f"- **Three Copies Of One Paper** [a]({_PDF}) [b]({_PDF})\n  `{_PDF}` and <{_PDF}>\n"
    after, _ = _refresh_offline_then_fix(tmp_path, text)
    assert after == (
        f"- **Three Copies Of One Paper** [a]({_ABS}) [b]({_ABS})\n  `{_PDF}` and <{_ABS}>\n"
    )


def test_an_edit_matches_the_whole_destination_not_its_start() -> None:
    # Refreshed with `/moved` (a permanent redirect), then edited to a longer URL before `fix`.
    text = "- **Slides Of A Paper** [slides](https://example.com/moved)\n"
    entries, _ = resolve_entries(parse_list(text, "l.md"))
    moved = LinkHealth(verdict=Verdict.MOVED, final_url="https://example.com/new")
    catalog = Catalog(generated_at=NOW, source="l.md", entries=entries).with_links(
        lambda link: link.model_copy(update={"health": moved})
    )
    edited = text.replace("/moved", "/moved-2024-slides")
    result = fix_list(edited, catalog)
    assert result.text == edited and result.applied == []
    assert fix_list(text, catalog).text == text.replace("/moved", "/new")


def test_fix_after_a_checked_redirect_leaves_a_longer_url_alone(
    emulator: Emulator, tmp_path: Path
) -> None:
    # The issue's [W] case: `/moved` answers 301; the list is then edited before `fix`.
    pages = {"/moved": {"status": 301, "redirect": "/new"}, "/new": {}}
    load_world(emulator, World.from_dict({"hosts": {"site": {"pages": pages}}}))
    moved, new = emulator.url("site", "/moved"), emulator.url("site", "/new")
    text = f"- **Slides Of A Paper** [slides]({moved})\n"
    entries, _ = resolve_entries(parse_list(text, "l.md"))
    catalog = Catalog(generated_at=NOW, source="l.md", entries=entries)
    checked, _ = run_links(catalog, fast_settings(tmp_path / "cache"))
    assert checked.entries[0].links[0].health.verdict is Verdict.MOVED
    edited = text.replace("/moved", "/moved-2024-slides")
    assert fix_list(edited, checked).text == edited
    assert fix_list(text, checked).text == text.replace(moved, new)
