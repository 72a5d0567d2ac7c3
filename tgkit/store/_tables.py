"""The store's own listings as DataFrames: collections and cached entities."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

_UTC = "datetime64[ns, UTC]"

COLLECTION_COLUMNS = {
    "id": "Int64",
    "account": "string",
    "target": "string",
    "kind": "string",
    "params": "string",
    "status": "string",
    "rows": "Int64",
    "created_at": _UTC,
    "updated_at": _UTC,
    "error": "string",
}

ENTITY_COLUMNS = {
    "kind": "string",
    "id": "Int64",
    "access_hash": "Int64",
    "username": "string",
    "title": "string",
    "seen_at": _UTC,
}


def table(rows: Sequence[tuple[Any, ...]], columns: dict[str, str]) -> pd.DataFrame:
    """A frame with exactly ``columns`` (name → dtype), 0 rows or many.

    Epoch-second floats become UTC timestamps.
    """
    values = list(zip(*rows, strict=True)) if rows else [()] * len(columns)
    data = {}
    for (name, dtype), column in zip(columns.items(), values, strict=True):
        if dtype == _UTC:
            seconds = pd.array(list(column), dtype="Float64")
            moments = pd.to_datetime(seconds, unit="s", utc=True).astype(_UTC)
            data[name] = moments.round("us")  # drop float noise below a microsecond
        else:
            data[name] = pd.array(list(column), dtype=dtype)
    return pd.DataFrame(data)
