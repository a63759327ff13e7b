"""Joining what stages run side by side made of one catalog: a three-way merge.

Each network stage is a plain function from a catalog to a new catalog, and
the stages that run at once (arXiv and GitHub) change different parts of it:
arXiv records and arXiv link health, repo records and repo link health, each
their own findings. `merge_catalogs(base, [a, b])` takes every change each
result made to `base`, in stage order, so the outcome does not depend on
which stage finished first. Lists that only grew (findings) keep base's items,
then each stage's additions in stage order. Where two stages changed the same
value differently, the later stage wins, as it would have run after the
earlier one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel

__all__ = ["merge_catalogs"]

T = TypeVar("T")


def merge_catalogs(base: T, results: Sequence[T]) -> T:
    """`base` with every stage result's changes applied, in the order of `results`."""
    merged = base
    for result in results:
        merged = _merge(base, merged, result)
    return merged


def _merge(base: Any, ours: Any, theirs: Any) -> Any:
    # `ours` holds the changes merged so far, `theirs` one more stage's result.
    if theirs is base or theirs == base:
        return ours
    if ours is base or ours == base:
        return theirs
    if isinstance(base, BaseModel) and type(ours) is type(base) and type(theirs) is type(base):
        changed = {
            name: _merge(getattr(base, name), getattr(ours, name), getattr(theirs, name))
            for name in type(base).model_fields
        }
        return base.model_copy(update=changed)
    if isinstance(base, list) and isinstance(ours, list) and isinstance(theirs, list):
        if len(ours) == len(theirs) == len(base):
            return [_merge(b, o, t) for b, o, t in zip(base, ours, theirs, strict=True)]
        n = len(base)
        if ours[:n] == base and theirs[:n] == base:  # both only appended
            return [*ours, *theirs[n:]]
    if isinstance(base, dict) and isinstance(ours, dict) and isinstance(theirs, dict):
        if base.keys() <= ours.keys() and base.keys() <= theirs.keys():
            # Each stage may only have added keys (the scholarly stage adds found repos).
            merged = {key: _merge(base[key], ours[key], theirs[key]) for key in base}
            merged.update({k: v for k, v in ours.items() if k not in base})
            merged.update({k: v for k, v in theirs.items() if k not in base})
            return merged
    return theirs
