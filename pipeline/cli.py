"""The command line: options in, a runner call, an exit code out.

Each command's docstring is its --help. Options that mean the same thing are
declared once below and shared, so `--input` is the same everywhere.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from pipeline import __version__
from pipeline.config import DEFAULT_INPUT, DEFAULT_OUTPUT_DIR, Settings, load_settings
from pipeline.errors import CatalogError, ConfigError, PipelineError, RunInterrupted
from pipeline.gate import DEFAULT_MAX_DROP, DEFAULT_MAX_LOST
from pipeline.model import Catalog
from pipeline.policy import check_fail_on
from pipeline.runner import STAGES, ExitCode, refresh, select_stages
from pipeline.safe_text import clean_text
from pipeline.stages.emit import read_catalog, render_schema
from pipeline.stages.parse import parse_list, read_list
from pipeline.stages.resolve import resolve_entries, resolve_other_links

__all__ = ["app", "main"]

app = typer.Typer(
    name="pipeline",
    help="Enrich a curated Markdown list of papers: arXiv metadata, GitHub repos, link health.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
_err = Console(stderr=True, highlight=False, soft_wrap=True)

InputOpt = Annotated[
    Path | None,
    typer.Option("--input", "-i", help=f"The Markdown list to read [default: {DEFAULT_INPUT}]."),
]
OutputDirOpt = Annotated[
    Path | None,
    typer.Option("--output-dir", "-o", help=f"Where outputs go [default: {DEFAULT_OUTPUT_DIR}]."),
]
OfflineOpt = Annotated[
    bool, typer.Option("--offline", help="Touch no network: parse, resolve and write only.")
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar; errors only.")]
StageOpt = Annotated[
    list[str] | None,
    typer.Option(metavar="STAGE", help=f"One of: {', '.join(STAGES)}. Repeatable."),
]
FailOnOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--fail-on",
        metavar="KIND",
        help="Exit 1 when the catalog has any of these: dead, moved, blocked, unverified "
        "(links) or error, warning (findings); none fails on nothing. Repeatable.",
    ),
]


@contextlib.contextmanager
def _user_errors() -> Iterator[None]:
    """Turn errors a user can cause into one stderr line and an exit code."""
    try:
        yield
    except RunInterrupted as exc:
        _err.print(f"Interrupted: {exc.message}", markup=False)
        raise typer.Exit(exc.exit_code) from None
    except PipelineError as exc:
        _err.print(f"Error: {clean_text(exc)}", markup=False)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        _err.print("Interrupted: outputs were left as they were; the cache keeps what was fetched.")
        raise typer.Exit(ExitCode.INTERRUPTED) from None


def _settings(**flags: Any) -> Settings:
    return load_settings({name: value for name, value in flags.items() if value})


def _version(value: bool) -> None:
    if value:
        typer.echo(f"pipeline {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Enrich a curated Markdown list of papers: arXiv metadata, GitHub repos, link health."""


@app.command("refresh")
def refresh_command(
    input: InputOpt = None,
    output_dir: OutputDirOpt = None,
    offline: OfflineOpt = False,
    only: StageOpt = None,
    skip: StageOpt = None,
    fail_on: FailOnOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Run every stage over the list and write the catalog.

    Stages run in order: parse, resolve, arxiv, github, links, emit. A stage
    left out with --skip (or not named by --only) keeps the previous
    catalog's data. Exit codes: 0 ok, 1 --fail-on matched, 2 bad input or
    usage, 3 network outage (previous data kept).

    Example: pipeline refresh --only links --fail-on dead
    """
    with _user_errors():
        settings = _settings(input=input, output_dir=output_dir, offline=offline, quiet=quiet)
        stages = select_stages(only or (), skip or ())
        check_fail_on(fail_on or [])
        outcome = _run(refresh(settings, stages=stages, fail_on=fail_on or ()))
    catalog = outcome.catalog
    links = sum(1 for _ in catalog.iter_links())
    verb = "Wrote" if outcome.written else "Kept"
    _err.print(
        f"{verb} {settings.catalog_path}: {len(catalog.entries)} entries, {links} links "
        f"({len(catalog.other_links)} outside entries), "
        f"{len(catalog.repos)} repos, {len(catalog.findings)} findings.",
        markup=False,
    )
    for message in outcome.messages:
        _err.print(clean_text(message), markup=False)
    raise typer.Exit(outcome.exit_code)


@app.command("parse")
def parse_command(
    file: Annotated[Path | None, typer.Argument(help="The list [default: --input].")] = None,
    input: InputOpt = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Entries, every link and findings as JSON on stdout.")
    ] = False,
) -> None:
    """Show the entries, links and lint findings of a list, with no network.

    With --json, `links` lists every link GitHub renders for the file (entry
    links and links outside entries), each with url, line, column and the key
    of its entry (null outside entries).

    Example: pipeline parse data/awesome-list.md --json | jq '.links | length'
    """
    with _user_errors():
        settings = _settings(input=file or input)
        parsed = parse_list(
            read_list(settings.input, settings.max_list_bytes), source=str(settings.input)
        )
        entries, duplicates = resolve_entries(parsed)
        others = resolve_other_links(parsed)
    from pipeline.outputs.parse_view import parse_json, print_parse_table

    findings = [*parsed.findings, *duplicates]
    if as_json:
        typer.echo(parse_json(parsed.source, entries, others, findings))
    else:
        print_parse_table(Console(highlight=False), entries, others, findings)


@app.command("schema")
def schema_command(
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 if FILE differs from the models.")
    ] = False,
    file: Annotated[Path, typer.Argument(help="Where the schema lives.")] = Path(
        "schema/catalog.schema.json"
    ),
) -> None:
    """Write the catalog's JSON Schema (generated from the models) to FILE.

    Example: pipeline schema --check
    """
    from pipeline.files import write_text_atomic

    text = render_schema()
    with _user_errors():
        if check:
            current = file.read_text(encoding="utf-8") if file.is_file() else ""
            if current != text:
                _err.print(f"{file} is out of date; run `pipeline schema` to regenerate it.")
                raise typer.Exit(ExitCode.POLICY)
            return
        write_text_atomic(file, text)
    _err.print(f"Wrote {file}", markup=False)


def _read_written_catalog(settings: Settings) -> Catalog:
    catalog = read_catalog(settings.catalog_path)
    if catalog is None:
        raise CatalogError(
            "no catalog yet; run `pipeline refresh` first", path=settings.catalog_path
        )
    return catalog


@app.command("report")
def report_command(
    input: InputOpt = None,
    output_dir: OutputDirOpt = None,
    previous: Annotated[
        Path | None,
        typer.Option("--previous", help="An older catalog.json to report changes against."),
    ] = None,
) -> None:
    """Re-render report.md, report.json, catalog.csv and catalog.md from the catalog, offline.

    Reads OUTPUT_DIR/catalog.json (and OUTPUT_DIR/stars.csv for the star
    charts); touches no network. Changes are reported against --previous.

    Example: pipeline report --previous <(git show HEAD~1:data/catalog.json)
    """
    from pipeline.outputs import write_outputs

    with _user_errors():
        settings = _settings(input=input, output_dir=output_dir)
        catalog = _read_written_catalog(settings)
        older = read_catalog(previous) if previous is not None else None
        if previous is not None and older is None:
            raise CatalogError("no such catalog", path=previous)
        paths = write_outputs(catalog, older, settings)
    _err.print("Wrote " + ", ".join(str(p) for p in paths), markup=False)


@app.command("fix")
def fix_command(
    input: InputOpt = None,
    output_dir: OutputDirOpt = None,
    write: Annotated[
        bool, typer.Option("--write", help="Apply the fixes to the list (atomically).")
    ] = False,
) -> None:
    """Show the safe, mechanical fixes to the list as a unified diff; apply them with --write.

    Fixes come from the catalog the last refresh wrote: moved repos and
    permanent redirects to their new URL, arXiv pdf and versioned links to
    https://arxiv.org/abs/<id>, http to https where https was verified. Only
    those URLs change; every other byte of the list stays as it was.

    Example: pipeline fix && pipeline fix --write
    """
    from pipeline.files import read_text_file, write_text_atomic
    from pipeline.outputs.fix import fix_list, unified_diff

    with _user_errors():
        settings = _settings(input=input, output_dir=output_dir)
        catalog = _read_written_catalog(settings)
        text = read_text_file(settings.input, settings.max_list_bytes)
        result = fix_list(text, catalog)
        if write and result.applied:
            write_text_atomic(settings.input, result.text)
    if result.skipped:
        lines = ", ".join(str(edit.line) for edit in result.skipped)
        _err.print(
            f"Skipped {len(result.skipped)} fix(es) whose URL was not where the catalog says "
            f"(line {lines}); run `pipeline refresh` again.",
            markup=False,
        )
    if not result.applied:
        _err.print("No safe fixes to propose.")
        return
    if write:
        _err.print(f"Applied {len(result.applied)} fix(es) to {settings.input}.", markup=False)
        return
    typer.echo(unified_diff(text, result.text, str(settings.input)), nl=False)
    _err.print(f"{len(result.applied)} fix(es); apply them with --write.", markup=False)


@app.command("add")
def add_command(
    papers: Annotated[
        list[str],
        typer.Argument(
            metavar="ID_OR_URL",
            help="Each paper: an arXiv id or URL (2312.00752, arxiv.org/abs|pdf/...), a DOI "
            "(10.1109/..., doi:..., doi.org/...), or its page: CVF (openaccess.thecvf.com/.../"
            "*_paper.html), OpenReview (openreview.net/forum?id=... or /pdf?id=...), NeurIPS "
            "(proceedings.neurips.cc or papers.nips.cc abstract page or PDF, "
            "neurips.cc/virtual/...).",
        ),
    ],
    section: Annotated[
        str | None,
        typer.Option(
            "--section",
            metavar="NAME|PATH",
            help="The heading (or <details> summary) to add under, or a path: "
            "'General > Benchmark', 'Papers > Faster Inference'.",
        ),
    ] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option("--tag", metavar="NAME", help="A tag the list already uses. Repeatable."),
    ] = None,
    input: InputOpt = None,
    write: Annotated[
        bool, typer.Option("--write", help="Write the list (atomically) instead of a diff.")
    ] = False,
) -> None:
    """Add papers to the list, each written like the entries of its section; print the diff.

    Title, authors and date come from arXiv, venue and year from Semantic
    Scholar, the code link and project page from Hugging Face (the repository
    checked on GitHub). The entry copies the section's own style (tags, title
    emphasis, venue, link labels and separators, table rows, bullets) and goes
    where the section's order puts it. Tags no API gives: name them with
    --tag, else the entry has a TODO:tags placeholder; every field no source
    gives is a TODO: placeholder. A paper already listed (arXiv id, DOI or
    title) is refused. Without --section, the section whose papers it cites
    most.

    Inputs: an arXiv id or URL is read from arXiv. A DOI is looked up on
    Semantic Scholar; a CVF page by the title in its URL, an OpenReview page
    by its note's title (OpenReview's API), a NeurIPS page by the title its
    page names: then the paper is found on Semantic Scholar, through its
    arXiv version when it has one. A paper with no arXiv version is written
    from Semantic Scholar's record (or its OpenReview or NeurIPS page when S2
    does not know it) and links the page given (a DOI: doi.org).

    Exit codes: 0 ok, 2 bad input (nothing written), 3 a source it needs
    did not answer (arXiv; Semantic Scholar, OpenReview or NeurIPS for their
    pages): nothing written.

    Example: pipeline add 2312.00752 --section 'General > Benchmark' --tag ReferIS
    """
    from pipeline.files import read_text_file, write_text_atomic
    from pipeline.grow.add import add_papers
    from pipeline.outputs.fix import unified_diff

    with _user_errors():
        settings = _settings(input=input)
        text = read_text_file(settings.input, settings.max_list_bytes)
        new_text, added = _run(add_papers(settings, text, papers, section=section, tags=tag or []))
        if write:
            write_text_atomic(settings.input, new_text)
    for done in added:
        _err.print(
            f"{done.identifier}: '{done.section}', line {done.line} ({done.order})", markup=False
        )
        for note in done.notes:
            _err.print(f"  {clean_text(note)}", markup=False)
    if write:
        _err.print(f"Added {len(added)} paper(s) to {settings.input}.", markup=False)
        return
    typer.echo(unified_diff(text, new_text, str(settings.input)), nl=False)
    _err.print(f"{len(added)} paper(s); write them with --write.", markup=False)


@app.command("check-pr")
def check_pr_command(
    base: Annotated[
        str | None, typer.Option("--base", metavar="REF", help="Git revision to diff against.")
    ] = None,
    changed_lines: Annotated[
        Path | None,
        typer.Option("--changed-lines", metavar="FILE", help="Line numbers (or a-b ranges)."),
    ] = None,
    input: InputOpt = None,
    offline: OfflineOpt = False,
    fail_on: Annotated[
        list[str] | None,
        typer.Option(
            "--fail-on",
            metavar="KIND",
            help="Exit 1 when a changed entry has any of these: error, warning (findings), "
            "dead, moved, blocked, unverified (links), or none. Repeatable "
            "[default: error].",
        ),
    ] = None,
    result_json: Annotated[
        Path | None,
        typer.Option(
            "--result-json",
            metavar="FILE",
            help="Also write the result as JSON: entries checked, findings, link verdicts, "
            "what --fail-on failed on.",
        ),
    ] = None,
) -> None:
    """Check only the entries a pull request adds or changes, as GitHub annotations.

    Prints `::error` / `::warning file=...,line=...::` for the ten most
    important findings (GitHub shows ten per step) and writes every finding
    to $GITHUB_STEP_SUMMARY when it is set. Give exactly one of --base and
    --changed-lines. Exits 1 when a changed entry has an error-level finding
    (a dead or malformed link, ...); --fail-on changes what fails, --fail-on
    none makes the check advice only.

    Example: pipeline check-pr --base origin/main --fail-on error --fail-on warning
    """
    import tempfile

    from pipeline import prcheck

    with _user_errors():
        if (base is None) == (changed_lines is None):
            raise ConfigError("give exactly one of --base and --changed-lines", setting="base")
        kinds = prcheck.fail_on_kinds(fail_on or [])
        settings = _settings(input=input, offline=offline, quiet=True)
        if base is not None:
            lines = prcheck.git_changed_lines(base, settings.input)
        elif changed_lines is not None:
            lines = prcheck.parse_changed_lines(_read_text_file(changed_lines))
        with tempfile.TemporaryDirectory(prefix="check-pr-") as workdir:
            check = _run(prcheck.check_pr(settings, lines, workdir=Path(workdir)))
        path = str(settings.input)
        for command in prcheck.annotations(check.findings, path):
            typer.echo(command)
        prcheck.write_step_summary(prcheck.render_summary(check, path))
        failures = check.failures(kinds)
        if result_json is not None:
            from pipeline.files import write_text_atomic

            write_text_atomic(result_json, prcheck.result_json(check, kinds, failures))
    _err.print(
        f"Checked {len(check.entries)} changed entries: {len(check.findings)} findings.",
        markup=False,
    )
    if failures:
        _err.print("check-pr failed: " + "; ".join(failures), markup=False)
        raise typer.Exit(ExitCode.POLICY)


@app.command("gate")
def gate_command(
    input: InputOpt = None,
    output_dir: OutputDirOpt = None,
    max_lost: Annotated[
        float,
        typer.Option(
            "--max-lost",
            min=0.0,
            max=1.0,
            help="Largest share of entries allowed to lose metadata.",
        ),
    ] = DEFAULT_MAX_LOST,
    max_drop: Annotated[
        float,
        typer.Option(
            "--max-drop",
            min=0.0,
            max=1.0,
            help="Largest share of entries or links the list may lose since the last run.",
        ),
    ] = DEFAULT_MAX_DROP,
    previous: Annotated[
        Path | None,
        typer.Option(
            "--previous",
            help="Compare with this catalog instead of the one the last refresh replaced.",
        ),
    ] = None,
) -> None:
    """Exit 1 when the last refresh should not become a pull request (fail closed).

    It fails when the run was an outage or offline, when the catalog has no
    entries (the wrong file, an emptied list), when metadata could not
    be fetched for more than --max-lost of the entries (an API down, a token
    missing), or when the list lost more than --max-drop of its entries or
    links since the catalog the run replaced (a stray `<!--`, an emptied
    file). The reason goes to stderr and to $GITHUB_STEP_SUMMARY.

    Example: pipeline gate --max-lost 0.2 --max-drop 0.2
    """
    from pipeline.gate import gate_run
    from pipeline.prcheck import write_step_summary

    with _user_errors():
        settings = _settings(input=input, output_dir=output_dir)
        result = gate_run(
            _read_written_catalog(settings),
            settings,
            max_lost=max_lost,
            max_drop=max_drop,
            previous=previous,
        )
        if not result.ok:
            reasons = "\n".join(f"- {reason}" for reason in result.reasons)
            write_step_summary(f"## No pull request opened\n\n{reasons}\n")
    if result.ok:
        _err.print(f"gate: ok ({result.lost} of {result.total} entries lost metadata)")
        return
    for reason in result.reasons:
        _err.print(f"gate: no pull request: {reason}", markup=False)
    raise typer.Exit(ExitCode.POLICY)


@app.command("init")
def init_command(
    input: Annotated[
        Path | None,
        typer.Option(
            "--input",
            "-i",
            help="The list [default: README.md, or the only Markdown file with paper links].",
        ),
    ] = None,
    output_dir: OutputDirOpt = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Overwrite files init did not write, and replace a [tool.pipeline] table.",
        ),
    ] = False,
) -> None:
    """Set up this repository (the git checkout's top) to check its list with the action.

    Writes .github/workflows/paper-list-refresh.yml and paper-list-check.yml,
    both using the action pinned to this version's commit (or tag), and points
    the settings at the list: [tool.pipeline] in pyproject.toml, or a
    paper-list.toml. Without --input the list is README.md, or the only
    Markdown file with paper links. Run twice, it changes nothing; it never
    overwrites a file it did not write, unless --force (which also replaces
    an existing [tool.pipeline] table, keeping the rest of pyproject.toml).

    Example: pipeline init && git status
    """
    from pipeline.init import init_repo, repository_root

    with _user_errors():
        here = Path.cwd()
        root = repository_root(here)
        result = init_repo(root, list_path=input, output_dir=output_dir, force=force, cwd=here)
    if root != here:
        typer.echo(f"repository: {root} (GitHub reads workflows only at its top)")
    for line in result.lines():
        typer.echo(line)


def _read_text_file(path: Path) -> str:
    """A small text input file (size-capped like the list), or InputError."""
    from pipeline.files import read_text_file

    return read_text_file(path)


_T = TypeVar("_T")


def _run(coroutine: Coroutine[Any, Any, _T]) -> _T:
    """`asyncio.run(coroutine)`, its result handed over outside the task.

    When asyncio's runner ends it checks its Ctrl-C handler with `signal.getsignal`,
    which formats the handler's repr, and that holds the main task's, result included:
    the repr of a 10,000-entry catalog took half a second after the run was over.
    """
    result: list[_T] = []

    async def keep() -> None:
        result.append(await coroutine)

    asyncio.run(keep())
    return result[0]


def main() -> None:
    """Entry point of the `pipeline` console script and `python -m pipeline`."""
    app()
