"""One edit `fix` makes to the list: plain data shared by the planners and the applier."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Edit"]


@dataclass(frozen=True)
class Edit:
    """Replace `old` with `new` at a 1-based line and column of the list."""

    line: int
    column: int
    old: str
    new: str
    reason: str
    # A link destination (checked against the parser's reading of the list as it is now),
    # or plain text at its place (a venue, the end of a link's markup).
    destination: bool = True
