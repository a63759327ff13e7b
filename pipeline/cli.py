"""The command line: options in, a runner call, an exit code out.

Each command's docstring is its --help. Options that mean the same thing are
declared once below and shared, so `--input` is the same everywhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from pipeline import __version__
from pipeline.config import DEFAULT_INPUT, DEFAULT_OUTPUT_DIR, Settings, load_settings
from pipeline.errors import PipelineError
from pipeline.runner import STAGES, ExitCode, refresh, select_stages
from pipeline.stages.emit import render_schema
from pipeline.stages.parse import parse_list, read_list
from pipeline.stages.resolve import resolve_entries

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
        "(links) or error, warning (findings). Repeatable.",
    ),
]


@contextlib.contextmanager
def _user_errors() -> Iterator[None]:
    """Turn errors a user can cause into one stderr line and an exit code."""
    try:
        yield
    except PipelineError as exc:
        _err.print(f"Error: {exc}", markup=False)
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
        _check_fail_on(fail_on or [])
        outcome = asyncio.run(refresh(settings, stages=stages, fail_on=fail_on or ()))
    catalog = outcome.catalog
    links = sum(len(entry.links) for entry in catalog.entries)
    _err.print(
        f"Wrote {settings.catalog_path}: {len(catalog.entries)} entries, {links} links, "
        f"{len(catalog.repos)} repos, {len(catalog.findings)} findings.",
        markup=False,
    )
    for message in outcome.messages:
        _err.print(message, markup=False)
    raise typer.Exit(outcome.exit_code)


def _check_fail_on(kinds: list[str]) -> None:
    allowed = {"dead", "moved", "blocked", "unverified", "error", "warning"}
    for kind in kinds:
        if kind not in allowed:
            raise PipelineError(f"--fail-on: unknown kind {kind!r}; choose from {sorted(allowed)}")


@app.command("parse")
def parse_command(
    file: Annotated[Path | None, typer.Argument(help="The list [default: --input].")] = None,
    input: InputOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Entries as JSON on stdout.")] = False,
) -> None:
    """Show the entries and lint findings of a list, with no network.

    Example: pipeline parse data/awesome-list.md --json | jq '.entries | length'
    """
    with _user_errors():
        settings = _settings(input=file or input)
        parsed = parse_list(read_list(settings.input), source=str(settings.input))
        entries, duplicates = resolve_entries(parsed)
    findings = [*parsed.findings, *duplicates]
    if as_json:
        payload = {
            "source": parsed.source,
            "entries": [entry.model_dump(mode="json", exclude_none=True) for entry in entries],
            "findings": [finding.model_dump(mode="json") for finding in findings],
        }
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    table = Table("line", "section", "title", "venue", "arXiv", "repos", "links")
    for entry in entries:
        table.add_row(
            str(entry.line),
            " > ".join(entry.section),
            entry.title,
            f"{entry.venue or ''}'{entry.year or ''}",
            entry.arxiv_id or "",
            ", ".join(entry.repos),
            str(len(entry.links)),
        )
    console = Console(highlight=False)
    console.print(table)
    for finding in findings:
        console.print(
            f"line {finding.line}: {finding.severity.value}: {finding.code}: {finding.message}",
            markup=False,
        )
    console.print(f"{len(entries)} entries, {len(findings)} findings", markup=False)


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


def main() -> None:
    """Entry point of the `pipeline` console script and `python -m pipeline`."""
    app()
