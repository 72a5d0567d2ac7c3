"""How an exported frame describes itself: each column's dtype and the frame's attrs.

``frame_schema(df)`` is the JSON that travels with every export (in the Parquet
schema metadata, or the CSV's sidecar); ``apply_schema`` turns what a reader
gives back into the same dtypes and attrs. Datetimes in attrs are tagged so
they come back as datetimes; Arrow list columns travel as JSON text in CSV.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pandas as pd

from tgkit.schemas import LIST_DTYPES

__all__ = ["apply_schema", "arrow_types", "frame_schema", "json_lists", "only_present"]

_FORMAT = "tgkit-frame/1"


def frame_schema(df: pd.DataFrame) -> dict[str, Any]:
    """The JSON description of ``df`` that export writes: dtypes per column and attrs."""
    return {"format": _FORMAT, "columns": _column_types(df), "attrs": _encode(df.attrs, "attrs")}


def _column_types(df: pd.DataFrame) -> dict[str, dict[str, Any]]:
    if not df.columns.is_unique:
        raise ValueError("df has repeated column names; give every column its own name")
    types: dict[str, dict[str, Any]] = {}
    for name, dtype in df.dtypes.items():
        if not isinstance(name, str):
            raise ValueError(f"column names must be strings to export, not {name!r}")
        if isinstance(dtype, pd.CategoricalDtype):
            types[name] = {
                "dtype": "category",
                "categories": _encode(list(dtype.categories), f"categories of {name!r}"),
                "ordered": bool(dtype.ordered),
            }
        else:
            types[name] = {"dtype": str(dtype)}
    return types


def _encode(value: Any, what: str) -> Any:
    """JSON-safe copy of ``value``; datetimes become tagged ISO strings."""
    try:
        return json.loads(json.dumps(value, default=_tag))
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{what} must be JSON data (str, numbers, lists, dicts, datetimes): {exc}"
        ) from exc


def _tag(value: Any) -> Any:
    if isinstance(value, datetime):  # pd.Timestamp is a datetime too
        return {"__datetime__": value.isoformat()}
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON data")


def _untag(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__datetime__"}:
            return datetime.fromisoformat(value["__datetime__"])
        return {key: _untag(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_untag(item) for item in value]
    return value


def apply_schema(df: pd.DataFrame, schema: Mapping[str, Any]) -> pd.DataFrame:
    columns = schema["columns"]
    restored = {name: _restore(df[name], spec) for name, spec in columns.items() if name in df}
    frame = pd.DataFrame(restored, index=pd.RangeIndex(len(df)))
    frame.attrs = _untag(schema["attrs"])
    return frame


def _restore(column: pd.Series, spec: Mapping[str, Any]) -> Any:
    values = column.reset_index(drop=True)
    if spec["dtype"] in LIST_DTYPES:  # Arrow lists (urls, hashtags, reactions_by_emoji)
        return _lists(values, LIST_DTYPES[spec["dtype"]])
    if spec["dtype"] == "category":
        categories = _untag(spec["categories"])
        return values.astype(pd.CategoricalDtype(categories, ordered=spec["ordered"]))
    dtype = pd.api.types.pandas_dtype(spec["dtype"])
    if isinstance(dtype, pd.DatetimeTZDtype) and not isinstance(values.dtype, pd.DatetimeTZDtype):
        values = pd.to_datetime(values, utc=True, format="ISO8601").dt.tz_convert(dtype.tz)
    elif dtype == "boolean" and not pd.api.types.is_bool_dtype(values.dtype):
        values = values.map({"True": True, "False": False}, na_action="ignore")
    return values.astype(dtype)


def _lists(values: pd.Series, dtype: pd.ArrowDtype) -> Any:
    if values.dtype == dtype:
        return values
    # CSV holds each list as JSON text; Parquet read without a mapper gives arrays.
    items = [
        None if value is None or value is pd.NA else json.loads(value)
        if isinstance(value, str) else list(value)
        for value in values.astype(object)
    ]
    return pd.Series(pd.array(items, dtype=dtype))


def arrow_types(pa: Any) -> Any:
    """``to_pandas`` mapper: nested Arrow columns stay typed Arrow lists."""
    def mapper(arrow_type: Any) -> Any:
        nested = pa.types.is_list(arrow_type) or pa.types.is_map(arrow_type)
        return pd.ArrowDtype(arrow_type) if nested else None

    return mapper


def only_present(table: Any) -> Any:
    """``table`` with pandas' metadata naming only its columns (a selection drops some).

    pandas reads the dtype of every column its metadata names, present or not,
    and cannot parse an Arrow list's; a column that is read is typed by the mapper.
    """
    metadata = dict(table.schema.metadata or {})
    raw = metadata.get(b"pandas")
    if raw is None:
        return table
    info = json.loads(raw)
    present = set(table.column_names)
    info["columns"] = [c for c in info.get("columns", []) if c.get("field_name") in present]
    metadata[b"pandas"] = json.dumps(info).encode()
    return table.replace_schema_metadata(metadata)


def json_lists(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every Arrow list column as JSON text (for CSV)."""
    nested = [name for name, dtype in df.dtypes.items() if str(dtype) in LIST_DTYPES]
    if not nested:
        return df
    plain = df.copy(deep=False)
    for name in nested:
        plain[name] = [
            None if value is None or value is pd.NA
            else json.dumps(_plain(value), ensure_ascii=False)
            for value in df[name].tolist()
        ]
    return plain


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value.item() if hasattr(value, "item") else value
