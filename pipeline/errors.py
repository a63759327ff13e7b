"""Errors that stop a run. A dead link or a lint finding is data, not an error.

    PipelineError              base; only cli.py catches it
    ├── InputError             the list cannot be read (missing, a directory, binary, not UTF-8)
    ├── OutputError            an output cannot be written (unwritable folder, disk full)
    ├── ConfigError            a bad setting (flag, environment variable, pyproject.toml)
    ├── CatalogError           the previous catalog is unreadable where a stage needs it
    ├── LockedError            another refresh holds the output folder
    ├── SourceDown             an API a command cannot do without did not answer (exit 3)
    └── RunInterrupted         Ctrl-C once outputs were being written; says which were

Each carries its context as attributes (`path`, `setting`) and a message that
says what to do.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "CatalogError",
    "ConfigError",
    "InputError",
    "LockedError",
    "OutputError",
    "PipelineError",
    "RunInterrupted",
    "SourceDown",
]


class PipelineError(Exception):
    """Base of every error that stops a run."""

    exit_code = 2

    def __init__(self, message: str, *, path: Path | str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class InputError(PipelineError):
    """The list (or another input file) cannot be read."""


class OutputError(PipelineError):
    """An output file cannot be written."""


class ConfigError(PipelineError):
    """A setting is invalid."""

    def __init__(self, message: str, *, setting: str | None = None) -> None:
        super().__init__(message)
        self.setting = setting


class CatalogError(PipelineError):
    """The previous catalog cannot be used."""


class LockedError(PipelineError):
    """Another refresh is running on the same output folder."""


class SourceDown(PipelineError):
    """An API the command cannot do without (arXiv for `add`) did not answer: an outage."""

    exit_code = 3


class RunInterrupted(PipelineError):
    """Ctrl-C arrived while (or after) the outputs were written; `written` says which were."""

    exit_code = 130

    def __init__(self, written: list[Path], total: int) -> None:
        names = ", ".join(path.name for path in written) or "none"
        if len(written) == total:
            message = f"the run had finished; every output was written ({names})"
        else:
            message = (
                f"{len(written)} of {total} outputs were written ({names}); "
                "the others were left as they were: run `pipeline refresh` again"
            )
        super().__init__(message)
        self.written = written
