"""Write frames to Parquet and CSV, and read them back with the same dtypes and ``attrs``.

Parquet needs pyarrow (``pip install "tgkit[export]"``); CSV needs nothing.

- ``to_parquet(df, path)`` writes one file. Each column's dtype (categories
  included) and ``df.attrs`` go into the Parquet schema metadata under the key
  ``tgkit``; :func:`read_parquet` restores them exactly.
- ``to_parquet(df, path, partition_by=["chat_id"])`` writes a Hive-partitioned
  dataset directory (``path/chat_id=-100…/part-0.parquet``) that DuckDB,
  Polars, Dask or ``pyarrow.dataset`` read a partition at a time. The virtual
  column ``"month"`` partitions by the ``date`` column's month
  (``month=2024-05``). The schema, dtypes and attrs are also in
  ``path/_common_metadata``; :func:`open_dataset` gives a
  ``pyarrow.dataset.Dataset`` with the partition keys typed as written. A
  dataset reads back grouped by partition: sort it if row order matters.
- ``to_csv(df, path)`` writes the CSV and a sidecar ``path + ".schema.json"``
  with dtypes and attrs; :func:`read_csv` needs both. CSV cannot tell an empty
  string from a missing one: both come back as NA.

Every write is atomic: a temporary file (or directory) beside the target is
renamed over it, so a crash leaves the old file or the new one, never half of
one. ``attrs`` must be JSON data; datetimes in them are kept as datetimes,
tuples come back as lists. The index is not written (tgkit frames have a
plain 0..n-1 index).

Example::

    from tgkit import export
    export.to_parquet(messages, "lab.parquet")
    same = export.read_parquet("lab.parquet")        # dtypes and attrs as before
    export.to_parquet(messages, "lab_by_chat", partition_by=["chat_id", "month"])
"""

from __future__ import annotations

from tgkit.export.csv_files import SCHEMA_SUFFIX, read_csv, to_csv
from tgkit.export.frame_schema import frame_schema
from tgkit.export.parquet_read import (
    COMMON_METADATA,
    METADATA_KEY,
    MONTH,
    open_dataset,
    partitioning,
    read_parquet,
)
from tgkit.export.parquet_write import to_parquet
from tgkit.package import read_package

__all__ = [
    "COMMON_METADATA",
    "METADATA_KEY",
    "MONTH",
    "SCHEMA_SUFFIX",
    "frame_schema",
    "open_dataset",
    "partitioning",
    "read_csv",
    "read_package",
    "read_parquet",
    "to_csv",
    "to_parquet",
]
