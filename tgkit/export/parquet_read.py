"""Reading Parquet files and datasets written by ``to_parquet``, dtypes and attrs restored.

The dataset's own ``_common_metadata`` holds tgkit's schema; partition keys are
typed as written (not guessed from directory names), so filters compare numbers.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from tgkit.export.frame_schema import apply_schema, arrow_types, only_present

__all__ = [
    "COMMON_METADATA", "METADATA_KEY", "MONTH", "dataset_schema", "open_dataset",
    "partitioning", "read_parquet", "require_pyarrow", "tgkit_schema",
]

METADATA_KEY = b"tgkit"
COMMON_METADATA = "_common_metadata"
#: The virtual partition key: the ``date`` column's month (``month=2024-05``).
MONTH = "month"


def require_pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.dataset
        import pyarrow.parquet
    except ImportError as exc:
        raise ImportError(
            'Parquet export needs pyarrow: pip install "tgkit[export]" (CSV works without it)'
        ) from exc
    return pyarrow


def read_parquet(
    path: str | os.PathLike[str],
    *,
    columns: Sequence[str] | None = None,
    filters: Any = None,
) -> pd.DataFrame:
    """Read a file or dataset written by :func:`to_parquet`, restoring dtypes and attrs.

    ``columns`` selects columns; ``filters`` (a ``pyarrow.dataset`` expression
    or ``[("chat_id", "==", -100…)]`` tuples) reads only matching rows, and on
    a partitioned dataset only the matching partitions.

    Example::

        df = read_parquet("lab_dataset", filters=[("chat_id", "==", -1001234567890)])
    """
    pa = require_pyarrow()
    source = Path(path)
    if not source.exists():
        raise FileNotFoundError(f"no Parquet file or dataset at {source}")
    if source.is_dir():
        dataset = open_dataset(source)
        arrow_schema = dataset.schema
        schema = tgkit_schema(arrow_schema, source)
        expression = _expression(pa, filters)
        table = dataset.to_table(columns=_wanted(columns, arrow_schema), filter=expression)
    else:
        arrow_schema = pa.parquet.read_schema(source)
        schema = tgkit_schema(arrow_schema, source)
        table = pa.parquet.read_table(source, columns=columns, filters=filters)
    # tgkit's own schema restores the dtypes: pandas' metadata cannot name Arrow lists.
    frame = only_present(table).to_pandas(types_mapper=arrow_types(pa))
    return apply_schema(frame, schema)


def dataset_schema(pa: Any, directory: Path) -> Any:
    common = directory / COMMON_METADATA
    if not directory.is_dir():
        raise NotADirectoryError(f"{directory} is not a dataset directory written by to_parquet")
    if not common.exists():
        raise ValueError(
            f"{directory} has no {COMMON_METADATA}: it was not written by "
            "tgkit.export.to_parquet; open it with pyarrow.dataset instead"
        )
    return pa.parquet.read_schema(common)


def open_dataset(path: str | os.PathLike[str]) -> Any:
    """A ``pyarrow.dataset.Dataset`` over a partitioned export, partition keys typed.

    ``pyarrow.dataset.dataset(path, partitioning="hive")`` guesses the type of
    partition keys from directory names (a ``-100…`` chat id becomes a
    string); this reads the types tgkit wrote, so filters compare numbers.

    Example::

        table = open_dataset("lab_dataset").to_table(
            filter=pyarrow.dataset.field("chat_id") == -1001234567890)
    """
    pa = require_pyarrow()
    directory = Path(path)
    arrow_schema = dataset_schema(pa, directory)
    keys = tgkit_schema(arrow_schema, directory).get("partition_by", [])
    partitioning = pa.dataset.partitioning(
        pa.schema([arrow_schema.field(key) for key in keys]), flavor="hive"
    )
    return pa.dataset.dataset(
        directory, format="parquet", schema=arrow_schema, partitioning=partitioning
    )


def partitioning(path: str | os.PathLike[str]) -> Any:
    """The dataset's Hive partitioning with its keys typed as written, for readers that
    otherwise guess them from directory names (Dask: ``dd.read_parquet(path,
    dataset={"partitioning": partitioning(path)})``).

    Example::

        import dask.dataframe as dd
        ddf = dd.read_parquet("lab_dataset", dataset={"partitioning": partitioning("lab_dataset")},
                              filters=[("chat_id", "==", -1001234567890)])
    """
    return open_dataset(path).partitioning


def _wanted(columns: Sequence[str] | None, arrow_schema: Any) -> list[str] | None:
    if columns is None:
        return None
    missing = [name for name in columns if name not in arrow_schema.names]
    if missing:
        raise ValueError(f"columns {missing} are not in this dataset: {arrow_schema.names}")
    return list(columns)


def _expression(pa: Any, filters: Any) -> Any:
    if filters is None or isinstance(filters, pa.dataset.Expression):
        return filters
    return pa.parquet.filters_to_expression(filters)


def tgkit_schema(arrow_schema: Any, source: Path) -> dict[str, Any]:
    raw = (arrow_schema.metadata or {}).get(METADATA_KEY)
    if raw is None:
        raise ValueError(
            f"{source} was not written by tgkit.export.to_parquet (no tgkit metadata); "
            "read it with pandas.read_parquet"
        )
    return json.loads(raw)
