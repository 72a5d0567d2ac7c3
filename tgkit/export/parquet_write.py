"""Writing frames to Parquet: one file, or a Hive-partitioned dataset (appendable).

Each column's dtype and ``df.attrs`` go into the Parquet schema metadata under
the key ``tgkit``; a dataset also gets ``_common_metadata`` with the schema and
its partition keys. Appending adds files without rewriting the old ones.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from tgkit.export.append import append_dataset, check_appendable
from tgkit.export.atomic import atomic_directory, atomic_file
from tgkit.export.frame_schema import frame_schema
from tgkit.export.parquet_read import (
    COMMON_METADATA,
    METADATA_KEY,
    MONTH,
    dataset_schema,
    require_pyarrow,
    tgkit_schema,
)
from tgkit.package import add_resource

__all__ = ["readable_pandas_metadata", "to_parquet", "write_dataset"]


def to_parquet(
    df: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    partition_by: Sequence[str] | None = None,
    package: bool = False,
    append: bool = False,
) -> Path:
    """Write ``df`` to Parquet keeping dtypes and attrs; returns the path written.

    With ``partition_by`` (column names, or ``"month"`` for the month of
    ``date``) ``path`` becomes a Hive-partitioned dataset directory; with
    ``append=True`` too, the rows are added to the dataset already there as
    new files, without rewriting the old ones (see ``tgkit.export.append``). With
    ``package=True`` the file is also described, with its provenance, in the
    folder's ``datapackage.json`` (see ``tgkit.package``).

    Example::

        to_parquet(messages, "lab.parquet")
        to_parquet(messages, "lab_dataset", partition_by=["chat_id"])
    """
    pa = require_pyarrow()
    target = Path(path)
    schema = frame_schema(df)
    if append and not partition_by:
        raise ValueError("append=True adds files to a partitioned dataset: pass partition_by too")
    if not partition_by:
        table = _table(pa, df, schema)
        with atomic_file(target) as temp:
            pa.parquet.write_table(table, temp)
        if package:
            add_resource(df, target, "parquet")
        return target
    if package:
        raise ValueError("package=True describes one file; write the package without partition_by")
    keys = _partition_keys(df, partition_by)
    table = _table(pa, _with_month(df, keys), {**schema, "partition_by": keys})
    table = _plain_partition_columns(pa, table, keys)
    if append and target.is_dir():
        existing = tgkit_schema(dataset_schema(pa, target), target)
        check_appendable(existing, schema, keys, target)
        append_dataset(pa, table, target, keys, schema, write_dataset, METADATA_KEY,
                       COMMON_METADATA)
        return target
    with atomic_directory(target) as temp:
        write_dataset(pa, table, temp, keys)
    return target


def _table(pa: Any, df: pd.DataFrame, schema: Mapping[str, Any]) -> Any:
    bare = df.copy(deep=False)
    bare.attrs = {}  # attrs travel in tgkit's own metadata, with datetimes kept
    table = pa.Table.from_pandas(bare, preserve_index=False)
    metadata = dict(table.schema.metadata or {})
    metadata[METADATA_KEY] = json.dumps(schema).encode()
    if b"pandas" in metadata:
        metadata[b"pandas"] = readable_pandas_metadata(metadata[b"pandas"])
    return table.replace_schema_metadata(metadata)


def readable_pandas_metadata(raw: bytes) -> bytes:
    """pandas' own metadata, with list columns described as ``object``: pandas writes
    ``list<item: string>[pyarrow]``, which no reader can turn back into a dtype (Dask
    fails on it). tgkit's reader restores the list dtypes from its own metadata."""
    pandas_metadata = json.loads(raw)
    for column in pandas_metadata.get("columns", []):
        if str(column.get("numpy_type", "")).startswith(("list<", "large_list<")):
            column["numpy_type"] = "object"
    return json.dumps(pandas_metadata).encode()


def _partition_keys(df: pd.DataFrame, partition_by: Sequence[str]) -> list[str]:
    if isinstance(partition_by, str):
        raise TypeError(f"partition_by must be a list of column names, e.g. [{partition_by!r}]")
    keys = list(partition_by)
    for key in keys:
        if key == MONTH and MONTH not in df.columns:
            if "date" not in df.columns:
                raise ValueError('partition_by "month" needs a "date" column')
            continue
        if key not in df.columns:
            raise ValueError(f"partition_by names {key!r}, which is not a column of df")
        if pd.api.types.is_datetime64_any_dtype(df[key].dtype):
            raise ValueError(
                f"cannot partition by the timestamps in {key!r}: use \"month\" instead"
            )
    return keys


def _with_month(df: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    if MONTH not in keys or MONTH in df.columns:
        return df
    dates = pd.to_datetime(df["date"], utc=True)
    return df.assign(**{MONTH: dates.dt.strftime("%Y-%m").astype("string")})


def _plain_partition_columns(pa: Any, table: Any, keys: Sequence[str]) -> Any:
    # Directory names hold plain values; dictionary (category) keys are written as strings.
    for key in keys:
        field = table.schema.field(key)
        if pa.types.is_dictionary(field.type):
            position = table.schema.get_field_index(key)
            table = table.set_column(position, key, table[key].cast(field.type.value_type))
    return table


def write_dataset(
    pa: Any, table: Any, directory: Path, keys: Sequence[str], basename: str = "part-{i}.parquet"
) -> None:
    partitioning = pa.dataset.partitioning(
        pa.schema([table.schema.field(key) for key in keys]), flavor="hive"
    )
    directory.mkdir(parents=True)
    pa.dataset.write_dataset(
        table,
        directory,
        format="parquet",
        partitioning=partitioning,
        basename_template=basename,
        max_partitions=max(1024, table.num_rows),
        existing_data_behavior="overwrite_or_ignore",
    )
    pa.parquet.write_metadata(table.schema, directory / COMMON_METADATA)
