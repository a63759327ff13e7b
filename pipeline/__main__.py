"""`python -m pipeline` and the `pipeline` console script: the CLI, started quietly."""

from __future__ import annotations

import sys

__all__ = ["main"]


def main() -> None:
    """Start the CLI; a Ctrl-C while its modules load ends with exit 130, not a traceback."""
    try:
        from pipeline.cli import main as cli_main
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted: nothing was written.\n")
        raise SystemExit(130) from None
    cli_main()


if __name__ == "__main__":
    main()
