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

import csv
import json
import logging
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from tgkit._dataset_append import append_dataset, check_appendable
from tgkit.package import add_resource, read_package
from tgkit.schemas import LIST_DTYPES

__all__ = [
    "open_dataset",
    "partitioning",
    "read_csv",
    "read_package",
    "read_parquet",
    "to_csv",
    "to_parquet",
]

logger = logging.getLogger(__name__)

METADATA_KEY = b"tgkit"
SCHEMA_SUFFIX = ".schema.json"
COMMON_METADATA = "_common_metadata"
MONTH = "month"
_FORMAT = "tgkit-frame/1"


# ---------------------------------------------------------------- schema and attrs


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


def _apply_schema(df: pd.DataFrame, schema: Mapping[str, Any]) -> pd.DataFrame:
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


def _arrow_types(pa: Any) -> Any:
    """``to_pandas`` mapper: nested Arrow columns stay typed Arrow lists."""
    def mapper(arrow_type: Any) -> Any:
        nested = pa.types.is_list(arrow_type) or pa.types.is_map(arrow_type)
        return pd.ArrowDtype(arrow_type) if nested else None

    return mapper


def _only_present(table: Any) -> Any:
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


def _json_lists(df: pd.DataFrame) -> pd.DataFrame:
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


# ---------------------------------------------------------------- atomic writes


@contextmanager
def _atomic_file(path: Path) -> Iterator[Path]:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        yield Path(temp)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


@contextmanager
def _atomic_directory(path: Path) -> Iterator[Path]:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.parent / f".{path.name}.{uuid.uuid4().hex}.tmp"
    try:
        yield temp
        _swap_in(temp, path)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise


def _swap_in(new: Path, path: Path) -> None:
    if path.is_file():
        raise FileExistsError(f"{path} is a file; pass a directory path for a partitioned dataset")
    if not path.exists():
        os.replace(new, path)
        return
    # A directory cannot be replaced in one step: move the old one aside first.
    old = path.parent / f".{path.name}.{uuid.uuid4().hex}.old"
    os.replace(path, old)
    os.replace(new, path)
    shutil.rmtree(old, ignore_errors=True)


# ---------------------------------------------------------------- Parquet


def _arrow() -> Any:
    try:
        import pyarrow
        import pyarrow.dataset
        import pyarrow.parquet
    except ImportError as exc:
        raise ImportError(
            'Parquet export needs pyarrow: pip install "tgkit[export]" (CSV works without it)'
        ) from exc
    return pyarrow


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
    new files, without rewriting the old ones (see ``tgkit._dataset_append``). With
    ``package=True`` the file is also described, with its provenance, in the
    folder's ``datapackage.json`` (see ``tgkit.package``).

    Example::

        to_parquet(messages, "lab.parquet")
        to_parquet(messages, "lab_dataset", partition_by=["chat_id"])
    """
    pa = _arrow()
    target = Path(path)
    schema = frame_schema(df)
    if append and not partition_by:
        raise ValueError("append=True adds files to a partitioned dataset: pass partition_by too")
    if not partition_by:
        table = _table(pa, df, schema)
        with _atomic_file(target) as temp:
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
        existing = _tgkit_schema(_dataset_schema(pa, target), target)
        check_appendable(existing, schema, keys, target)
        append_dataset(pa, table, target, keys, schema, _write_dataset, METADATA_KEY,
                       COMMON_METADATA)
        return target
    with _atomic_directory(target) as temp:
        _write_dataset(pa, table, temp, keys)
    return target


def _table(pa: Any, df: pd.DataFrame, schema: Mapping[str, Any]) -> Any:
    bare = df.copy(deep=False)
    bare.attrs = {}  # attrs travel in tgkit's own metadata, with datetimes kept
    table = pa.Table.from_pandas(bare, preserve_index=False)
    metadata = dict(table.schema.metadata or {})
    metadata[METADATA_KEY] = json.dumps(schema).encode()
    if b"pandas" in metadata:
        metadata[b"pandas"] = _readable_pandas_metadata(metadata[b"pandas"])
    return table.replace_schema_metadata(metadata)


def _readable_pandas_metadata(raw: bytes) -> bytes:
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


def _write_dataset(
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
    pa = _arrow()
    source = Path(path)
    if not source.exists():
        raise FileNotFoundError(f"no Parquet file or dataset at {source}")
    if source.is_dir():
        dataset = open_dataset(source)
        arrow_schema = dataset.schema
        schema = _tgkit_schema(arrow_schema, source)
        expression = _expression(pa, filters)
        table = dataset.to_table(columns=_wanted(columns, arrow_schema), filter=expression)
    else:
        arrow_schema = pa.parquet.read_schema(source)
        schema = _tgkit_schema(arrow_schema, source)
        table = pa.parquet.read_table(source, columns=columns, filters=filters)
    # tgkit's own schema restores the dtypes: pandas' metadata cannot name Arrow lists.
    frame = _only_present(table).to_pandas(types_mapper=_arrow_types(pa))
    return _apply_schema(frame, schema)


def _dataset_schema(pa: Any, directory: Path) -> Any:
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
    pa = _arrow()
    directory = Path(path)
    arrow_schema = _dataset_schema(pa, directory)
    keys = _tgkit_schema(arrow_schema, directory).get("partition_by", [])
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


def _tgkit_schema(arrow_schema: Any, source: Path) -> dict[str, Any]:
    raw = (arrow_schema.metadata or {}).get(METADATA_KEY)
    if raw is None:
        raise ValueError(
            f"{source} was not written by tgkit.export.to_parquet (no tgkit metadata); "
            "read it with pandas.read_parquet"
        )
    return json.loads(raw)


# ---------------------------------------------------------------- CSV


def to_csv(df: pd.DataFrame, path: str | os.PathLike[str], *, package: bool = False) -> Path:
    """Write ``df`` as CSV plus ``path + ".schema.json"`` (dtypes and attrs).

    ``package=True``: also describe it in the folder's ``datapackage.json``
    (see ``tgkit.package``).

    Example::

        to_csv(members, "members.csv")   # also writes members.csv.schema.json
    """
    target = Path(path)
    schema = frame_schema(df)
    with _atomic_file(target) as temp:
        # Quote every text field: pandas leaves a lone "\r" unquoted, which splits the row.
        _json_lists(df).to_csv(temp, index=False, na_rep="", quoting=csv.QUOTE_NONNUMERIC)
    with _atomic_file(_sidecar(target)) as temp:
        temp.write_text(json.dumps(schema, indent=2, ensure_ascii=False), encoding="utf-8")
    if package:
        add_resource(df, target, "csv")
    return target


def read_csv(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a CSV written by :func:`to_csv`, restoring dtypes and attrs from its sidecar.

    Example::

        members = read_csv("members.csv")
    """
    source = Path(path)
    sidecar = _sidecar(source)
    if not sidecar.exists():
        raise FileNotFoundError(
            f"{sidecar} is missing: read_csv needs the schema file to_csv writes beside "
            "the CSV; without it use pandas.read_csv"
        )
    schema = json.loads(sidecar.read_text(encoding="utf-8"))
    names = list(schema["columns"])
    # pandas 2's C parser cuts a field at a NUL character; the python parser does not.
    engine = "python" if _contains_nul(source) else "c"
    raw = pd.read_csv(
        source, dtype="string", keep_default_na=False, na_values=[""], encoding="utf-8",
        engine=engine,
    )
    if list(raw.columns) != names:
        raise ValueError(
            f"{source} has columns {list(raw.columns)} but its schema file lists {names}; "
            "they were not written together"
        )
    return _apply_schema(raw, schema)


def _contains_nul(path: Path) -> bool:
    with path.open("rb") as file:
        return any(b"\x00" in chunk for chunk in iter(lambda: file.read(1 << 20), b""))


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + SCHEMA_SUFFIX)
