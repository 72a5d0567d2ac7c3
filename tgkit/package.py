"""Exports as Frictionless Data Packages: the files, their schemas and how they were collected.

``export.to_parquet(df, path, package=True)`` (or ``to_csv``) writes the file
and adds it as a resource to ``datapackage.json`` in the same folder, so a
study's frames become one package: field types mapped from the tgkit
schemas with their descriptions (from ``tgkit.frames``, where the columns are
documented), primary keys where the rows are unique, the frame's attrs, and
its provenance (``tgkit.provenance``; a frame without provenance is marked so,
never given invented values). The ``frictionless`` library validates such a
package without errors, and ``read_package`` reads it back into typed frames
with their attrs, refusing a package whose files do not match it::

    to_parquet(members, "study/members.parquet", package=True)
    to_csv(messages, "study/messages.csv", package=True)
    frames = read_package("study")           # {"members": ..., "messages": ...}
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from tgkit import frames as tgframes
from tgkit import provenance

__all__ = ["DESCRIPTOR", "add_resource", "read_package"]

#: The descriptor's file name in the package folder.
DESCRIPTOR = "datapackage.json"

_KEYS = {
    "members": ["chat_id", "user_id"],
    "messages": ["chat_id", "message_id"],
    "chat_info": ["chat_id"],
}


def add_resource(df: pd.DataFrame, path: str | os.PathLike[str], file_format: str) -> Path:
    """Describe the file at ``path`` (``df`` just written there) in its folder's package."""
    data = Path(path)
    folder = data.parent
    descriptor_path = folder / DESCRIPTOR
    descriptor = _load(descriptor_path) if descriptor_path.exists() else _new_package(folder)
    resource = _resource(df, data.name, file_format)
    others = [r for r in descriptor["resources"] if r.get("path") != data.name]
    descriptor["resources"] = [*others, resource]
    _write_json(descriptor_path, descriptor)
    return descriptor_path


def read_package(path: str | os.PathLike[str]) -> dict[str, pd.DataFrame]:
    """Every resource of the package at ``path`` (its folder or descriptor) as a typed frame.

    A package whose files do not match its descriptor is refused with the
    first mismatch named (a missing file, other columns, another row count).
    """
    from tgkit import export

    descriptor_path = Path(path)
    if descriptor_path.is_dir():
        descriptor_path = descriptor_path / DESCRIPTOR
    if not descriptor_path.exists():
        raise ValueError(
            f"{path} is not a data package: {descriptor_path} is missing (write one with "
            "package=True or --package)"
        )
    descriptor = _load(descriptor_path)
    frames: dict[str, pd.DataFrame] = {}
    for resource in descriptor.get("resources", []):
        file = descriptor_path.parent / resource["path"]
        if not file.exists():
            raise ValueError(f"resource {resource['name']!r}: {file} is missing")
        reader = export.read_parquet if resource.get("format") == "parquet" else export.read_csv
        df = reader(file)
        _check(resource, df, file)
        tgkit = resource.get("tgkit", {})
        df.attrs = {**df.attrs, **tgkit.get("attrs", {})}
        if tgkit.get("provenance") is not None:
            df.attrs["provenance"] = tgkit["provenance"]
        frames[resource["name"]] = df
    return frames


def _resource(df: pd.DataFrame, file_name: str, file_format: str) -> dict[str, Any]:
    kind = df.attrs.get("kind") or _kind_of(df)
    descriptions = column_descriptions(kind) if kind else {}
    schema: dict[str, Any] = {"fields": [_field(df, c, descriptions) for c in df.columns]}
    key = [c for c in _KEYS.get(kind or "", []) if c in df.columns]
    if key and not df.duplicated(subset=key).any() and not df[key].isna().any().any():
        schema["primaryKey"] = key
    recorded = provenance.record(df)
    tgkit: dict[str, Any] = {
        "kind": kind,
        "rows": len(df),
        "attrs": _jsonable({k: v for k, v in df.attrs.items() if k != "provenance"}),
        "provenance": _jsonable(df.attrs.get("provenance")),
    }
    if recorded is None:
        tgkit["note"] = "provenance is missing: this frame was not collected by tgkit"
    resource: dict[str, Any] = {
        "name": _name(file_name),
        "profile": "tabular-data-resource",
        "path": file_name,
        "format": file_format,
        "schema": schema,
        "tgkit": tgkit,
    }
    if file_format == "csv":
        resource["dialect"] = {"csv": {"doubleQuote": True}}
    return resource


def _field(df: pd.DataFrame, column: str, descriptions: Mapping[str, str]) -> dict[str, Any]:
    dtype = df[column].dtype
    field: dict[str, Any] = {"name": column, "type": _field_type(df[column])}
    if column in descriptions:
        field["description"] = descriptions[column]
    if isinstance(dtype, pd.CategoricalDtype):
        field["constraints"] = {"enum": [str(c) for c in dtype.categories]}
    if isinstance(dtype, pd.DatetimeTZDtype):
        field["format"] = "any"
    return field


def _field_type(column: pd.Series) -> str:
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return "string"
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "number"
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype):
        return "datetime"
    if pd.api.types.is_string_dtype(dtype) and not _holds_lists(column):
        return "string"
    return "any"


def _holds_lists(column: pd.Series) -> bool:
    sample = column.dropna().head(20)
    return any(isinstance(value, list | tuple) or hasattr(value, "tolist") for value in sample)


def column_descriptions(kind: str, doc: str | None = None) -> dict[str, str]:
    """Each column's meaning for a frame kind, read from ``tgkit.frames``' column tables
    (or from ``doc``, a docstring with a table in the same form).

    >>> column_descriptions("members")["user_id"]
    "the user's Telegram id"
    """
    doc = (tgframes.__doc__ or "") if doc is None else doc
    heading = re.search(rf'\(``kind="{re.escape(kind)}"``[^)]*\)', doc)
    if heading is None:
        return {}
    lines = doc[heading.end():].splitlines()
    rules = [i for i, line in enumerate(lines) if line.startswith("====")]
    if len(rules) < 3:
        return {}
    # The meaning column starts where the rule's last run of "=" starts.
    meaning_at = lines[rules[0]].rstrip().rfind(" ") + 1
    described: dict[str, str] = {}
    last = None
    for line in lines[rules[1] + 1 : rules[2]]:
        name, meaning = line[: line.find(" ")].strip(), line[meaning_at:].strip()
        if line[:1].strip():
            last = name
            described[last] = meaning
        elif last is not None and meaning:  # a meaning continued on the next line
            described[last] += " " + meaning
    return described


def _kind_of(df: pd.DataFrame) -> str | None:
    for kind in ("messages", "members", "chat_info", "events"):
        try:
            columns = tgframes.empty_frame(kind).columns
        except (KeyError, ValueError):
            continue
        if set(columns) <= set(df.columns):
            return kind
    return None


def _check(resource: Mapping[str, Any], df: pd.DataFrame, file: Path) -> None:
    names = [field["name"] for field in resource.get("schema", {}).get("fields", [])]
    if list(df.columns) != names:
        differ = next(
            (f"column {i}: {a!r} in the file, {b!r} in the descriptor"
             for i, (a, b) in enumerate(zip(list(df.columns), names, strict=False)) if a != b),
            f"{len(df.columns)} columns in the file, {len(names)} in the descriptor",
        )
        raise ValueError(f"resource {resource['name']!r} ({file.name}) does not match: {differ}")
    rows = resource.get("tgkit", {}).get("rows")
    if rows is not None and rows != len(df):
        raise ValueError(
            f"resource {resource['name']!r} ({file.name}) does not match: {len(df)} rows in "
            f"the file, {rows} in the descriptor"
        )


def _new_package(folder: Path) -> dict[str, Any]:
    return {
        "name": _name(folder.resolve().name or "tgkit-data"),
        "profile": "tabular-data-package",
        "resources": [],
    }


def _name(text: str) -> str:
    """A Frictionless name: lowercase letters, digits, '-', '_', '.'."""
    stem = text.rsplit(".", 1)[0] if "." in text else text
    return re.sub(r"[^a-z0-9._-]+", "-", stem.lower()).strip("-") or "data"


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _load(path: Path) -> dict[str, Any]:
    try:
        loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"{path} is not a readable data package descriptor: {error}") from None
    if not isinstance(loaded.get("resources"), list):
        raise ValueError(f"{path} is not a data package descriptor (no resources list)")
    return loaded


def _write_json(path: Path, value: Any) -> None:
    temp = path.with_name(path.name + ".tmp")
    temp.write_text(json.dumps(value, indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(temp, path)
