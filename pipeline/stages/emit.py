"""Emit stage: the catalog (and its JSON Schema) written atomically; the previous one read back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pipeline.contact import TOOL_HOMEPAGE
from pipeline.errors import CatalogError
from pipeline.files import write_text_atomic
from pipeline.model import SCHEMA_VERSION, Catalog
from pipeline.safe_text import load_json

__all__ = [
    "SCHEMA_PATH",
    "catalog_schema",
    "catalog_text",
    "read_catalog",
    "render_schema",
    "write_catalog",
]

# Shipped in the wheel; in a checkout, a link to schema/catalog.schema.json.
SCHEMA_PATH = Path(__file__).resolve().parents[1] / "catalog.schema.json"
# The schema is the tool's, whichever list a catalog describes.
_SCHEMA_ID = f"{TOOL_HOMEPAGE}/schema/catalog.schema.json"


def catalog_schema() -> dict[str, Any]:
    """The JSON Schema of catalog.json, generated from the models."""
    schema = Catalog.model_json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": _SCHEMA_ID,
        **schema,
    }


def render_schema() -> str:
    """The schema as the text checked in at schema/catalog.schema.json."""
    return json.dumps(catalog_schema(), indent=2, ensure_ascii=False) + "\n"


def catalog_text(catalog: Catalog) -> bytes:
    """The catalog as the indented UTF-8 JSON written to catalog.json.

    Bytes straight from pydantic's serializer: a str, its copy with the newline and
    its encoded copy were three 20 MB strings at once for 10,000 links.
    """
    return catalog.__pydantic_serializer__.to_json(catalog, indent=2) + b"\n"


def write_catalog(catalog: Catalog, path: Path) -> None:
    """Write the catalog as indented JSON, atomically."""
    write_text_atomic(path, catalog_text(catalog))


def read_catalog(path: Path) -> Catalog | None:
    """The catalog a previous run wrote, or None when there is none yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"cannot read the previous catalog: {exc}", path=path) from None
    try:
        raw = load_json(text)
    except json.JSONDecodeError as exc:
        raise CatalogError(
            f"the previous catalog is not valid JSON (line {exc.lineno}); "
            "restore it with `git checkout` or delete it to start afresh",
            path=path,
        ) from None
    except (ValueError, RecursionError) as exc:
        # Nesting deeper than the interpreter's stack, or an integer over Python's digit
        # limit: valid JSON, but no catalog this tool wrote (issue 12.4).
        why = (
            "is nested too deeply"
            if isinstance(exc, RecursionError)
            else "holds a number with too many digits"
        )
        raise CatalogError(
            f"the previous catalog {why}; "
            "restore it with `git checkout` or delete it to start afresh",
            path=path,
        ) from None
    version = raw.get("schema_version") if isinstance(raw, dict) else None
    if version != SCHEMA_VERSION:
        raise CatalogError(
            f"the previous catalog has schema_version {version!r}, this tool writes "
            f"{SCHEMA_VERSION}; delete it to start afresh",
            path=path,
        )
    try:
        return Catalog.model_validate(raw)
    except ValidationError as exc:
        where = ".".join(str(p) for p in exc.errors()[0]["loc"])
        raise CatalogError(
            f"the previous catalog does not match the schema at {where}; "
            "restore it with `git checkout` or delete it to start afresh",
            path=path,
        ) from None
