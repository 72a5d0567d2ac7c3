"""Appending a collection to a partitioned dataset written by ``tgkit.export``.

A growing study adds collections to one dataset: ``to_parquet(df, path,
partition_by=[...], append=True)`` writes the new rows as new files
(``part-<id>-0.parquet``) into the partition directories, and never rewrites
or moves a file already there, so readers (DuckDB, Polars, Dask, pyarrow) of
the old files are not disturbed and backups copy only what is new.

The new files are written in a temporary directory beside the dataset, then
each is renamed into its partition, and the dataset's ``_common_metadata`` is
replaced atomically last: its tgkit attrs keep the first collection's attrs
and list each appended one's under ``"appended"``. The columns and their
types must be those of the dataset, and so must ``partition_by``; otherwise
a ``ValueError`` says which differ before anything is written.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["append_dataset", "check_appendable"]


def check_appendable(
    existing: Mapping[str, Any], new: Mapping[str, Any], keys: Sequence[str], path: Path
) -> None:
    """A clear error when the new frame does not fit the dataset at ``path``."""
    old_keys = existing.get("partition_by", [])
    if list(old_keys) != list(keys):
        raise ValueError(
            f"{path} is partitioned by {old_keys}; append with partition_by={old_keys!r}"
        )
    old_columns, new_columns = existing["columns"], new["columns"]
    if list(old_columns) != list(new_columns):
        raise ValueError(
            f"the frame's columns {list(new_columns)} differ from the dataset's "
            f"{list(old_columns)} at {path}; append frames of the same kind"
        )
    differ = [name for name in old_columns if old_columns[name] != new_columns[name]]
    if differ:
        raise ValueError(
            f"columns {differ} of the frame have other dtypes than in the dataset at {path}; "
            "append frames of the same kind (convert them with tgkit.frames first)"
        )


def append_dataset(
    pa: Any, table: Any, directory: Path, keys: Sequence[str], schema: Mapping[str, Any],
    write: Any, metadata_key: bytes, common: str,
) -> None:
    """Write ``table`` as new files into the dataset ``directory`` (see the module)."""
    batch = uuid.uuid4().hex[:12]
    temp = directory.parent / f".{directory.name}.{batch}.append"
    try:
        write(pa, table, temp, keys, basename=f"part-{batch}-{{i}}.parquet")
        for file in sorted(temp.rglob("*.parquet")):
            target = directory / file.relative_to(temp)
            target.parent.mkdir(parents=True, exist_ok=True)
            file.replace(target)
        old = pa.parquet.read_schema(directory / common)
        tgkit = json.loads(old.metadata[metadata_key])
        tgkit.setdefault("attrs", {}).setdefault("appended", []).append(schema["attrs"])
        merged = old.with_metadata({**old.metadata, metadata_key: json.dumps(tgkit).encode()})
        staged = temp / common
        pa.parquet.write_metadata(merged, staged)
        staged.replace(directory / common)
    finally:
        shutil.rmtree(temp, ignore_errors=True)
