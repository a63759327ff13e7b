"""The scholarly stage's own cache records: kinds, and reading them back with distrust."""

from __future__ import annotations

from typing import Any

from pipeline.context import RunContext

__all__ = ["ARCHIVE_KIND", "HF_KIND", "S2_KIND", "cached"]

S2_KIND, HF_KIND, ARCHIVE_KIND = "s2", "hf", "archive"


def cached(ctx: RunContext, kind: str, key: str) -> tuple[Any, bool]:
    """(value, fresh) from the cache; a value not of the shape this stage stores is a miss
    (a cache can be restored from elsewhere, or edited)."""
    entry = ctx.net.cache.get(kind, key) if ctx.net is not None else None
    if entry is None or not _well_formed(kind, key, entry.value):
        return None, False
    return entry.value, entry.fresh


def _well_formed(kind: str, key: str, value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    if kind == S2_KIND:
        record_ok = value.get("record") is None or isinstance(value.get("record"), dict)
        score_ok = key.startswith("id:") or isinstance(value.get("score"), int | float)
        return "record" in value and record_ok and score_ok
    if kind == ARCHIVE_KIND:
        return all(isinstance(value.get(k), str) for k in ("timestamp", "original", "found_by"))
    return True  # Hugging Face's fields are each checked where they are read
