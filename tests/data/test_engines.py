"""Partitioned exports read by DuckDB, Polars and Dask: same rows, documented dtypes,
partition filters that prune, and appends that add files without rewriting old ones.

The engines are in the ``engines`` extra (part of ``test``); each test is skipped
when its engine is not installed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from tgkit import export
from tgkit.frames import collection_attrs, frame_from_columns

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
CHAT_A = -1001234567890
CHAT_B = -1009876543210


def messages(first_id: int = 10, chat_b: int = CHAT_B) -> pd.DataFrame:
    attrs = collection_attrs("@lab", None, 4, ["history"], NOW)
    return frame_from_columns(
        "messages",
        {
            "message_id": [first_id, first_id + 1, first_id + 2, first_id + 3],
            "chat_id": [CHAT_A, CHAT_A, chat_b, chat_b],
            "date": [NOW, NOW + timedelta(days=40), NOW, NOW + timedelta(days=1)],
            "sender_id": [1, None, 2, 3],
            "text": ["hi", None, "NA", "null"],
            "views": [5, None, 0, 2**40],
            "media_type": ["photo", None, "video", "poll"],
            "urls": [["https://a.example"], [], None, ["https://b.example", "https://c"]],
            "reactions_by_emoji": [[{"emoji": "👍", "count": 2}], [], None, []],
            "collected_at": [NOW] * 4,
        },
        attrs,
    )


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    return export.to_parquet(messages(), tmp_path / "ds", partition_by=["chat_id", "month"])


def ruin(directory: Path) -> None:
    """Make every data file under ``directory`` unreadable: a pruned read never opens it."""
    for file in directory.rglob("*.parquet"):
        file.write_bytes(b"not parquet at all")


def by_id(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values("message_id").reset_index(drop=True)


def test_duckdb_reads_the_rows_with_sql_types_and_prunes(dataset: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    files = f"{dataset}/**/*.parquet"
    relation = duckdb.sql(f"SELECT * FROM read_parquet('{files}', hive_partitioning = true)")
    types = dict(zip(relation.columns, map(str, relation.types), strict=True))
    assert types["views"] == "BIGINT" and types["chat_id"] == "BIGINT"
    assert types["date"].startswith("TIMESTAMP WITH TIME ZONE") or types["date"].startswith(
        "TIMESTAMPTZ"
    )
    assert types["media_type"] == "VARCHAR" and types["urls"] == "VARCHAR[]"
    rows = duckdb.sql(
        f"SELECT message_id, views, urls FROM read_parquet('{files}', hive_partitioning = true) "
        "ORDER BY message_id"
    ).fetchall()
    assert rows == [
        (10, 5, ["https://a.example"]),
        (11, None, []),
        (12, 0, None),
        (13, 2**40, ["https://b.example", "https://c"]),
    ]
    ruin(dataset / f"chat_id={CHAT_B}")
    ruin(dataset / f"chat_id={CHAT_A}" / "month=2024-06")
    kept = duckdb.sql(
        f"SELECT message_id FROM read_parquet('{files}', hive_partitioning = true) "
        f"WHERE chat_id = {CHAT_A} AND month = '2024-05'"
    ).fetchall()
    assert kept == [(10,)]


def test_polars_reads_the_rows_with_typed_columns_and_prunes(dataset: Path) -> None:
    pl = pytest.importorskip("polars")
    scan = pl.scan_parquet(f"{dataset}/**/*.parquet", hive_partitioning=True)
    schema = scan.collect_schema()
    assert schema["views"] == pl.Int64 and schema["chat_id"] == pl.Int64
    assert schema["date"] == pl.Datetime("ns", "UTC")
    assert schema["media_type"] == pl.Categorical
    assert schema["urls"] == pl.List(pl.String)
    rows = scan.sort("message_id").collect()
    assert rows["message_id"].to_list() == [10, 11, 12, 13]
    assert rows["views"].to_list() == [5, None, 0, 2**40]
    assert rows["urls"].to_list() == [["https://a.example"], [], None, ["https://b.example",
                                                                        "https://c"]]
    ruin(dataset / f"chat_id={CHAT_B}")
    ruin(dataset / f"chat_id={CHAT_A}" / "month=2024-06")
    kept = scan.filter((pl.col("chat_id") == CHAT_A) & (pl.col("month") == "2024-05")).collect()
    assert kept["message_id"].to_list() == [10]


def test_dask_reads_the_rows_with_pandas_dtypes_and_prunes(dataset: Path) -> None:
    dd = pytest.importorskip("dask.dataframe")
    options = {"dataset": {"partitioning": export.partitioning(dataset)}}
    frame = dd.read_parquet(str(dataset), **options)
    original = messages()
    assert frame["views"].dtype == "Int64" and frame["chat_id"].dtype == "Int64"
    assert str(frame["date"].dtype) == "datetime64[ns, UTC]"
    assert isinstance(frame["media_type"].dtype, pd.CategoricalDtype)  # categories unknown ...
    assert frame["urls"].dtype == object
    rows = by_id(frame.compute())
    assert rows["media_type"].dtype == original["media_type"].dtype  # ... until computed
    assert rows["message_id"].tolist() == [10, 11, 12, 13]
    assert rows["views"].isna().tolist() == [False, True, False, False]
    assert [None if u is None else list(u) for u in rows["urls"]] == [
        ["https://a.example"], [], None, ["https://b.example", "https://c"]
    ]
    ruin(dataset / f"chat_id={CHAT_B}")
    ruin(dataset / f"chat_id={CHAT_A}" / "month=2024-06")
    kept = dd.read_parquet(
        str(dataset), filters=[("chat_id", "==", CHAT_A), ("month", "==", "2024-05")], **options
    ).compute()
    assert kept["message_id"].tolist() == [10]


def test_appending_adds_files_and_leaves_the_old_ones_untouched(dataset: Path) -> None:
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in dataset.rglob("*.parquet")}
    later = messages(first_id=20, chat_b=-1005555555555)
    export.to_parquet(later, dataset, partition_by=["chat_id", "month"], append=True)
    after = set(dataset.rglob("*.parquet"))
    assert set(before) < after and len(after) == 2 * len(before)  # chat A's months get 2 files
    for path, (mtime, content) in before.items():
        assert path.stat().st_mtime_ns == mtime and path.read_bytes() == content
    back = by_id(export.read_parquet(dataset))
    assert back["message_id"].tolist() == [10, 11, 12, 13, 20, 21, 22, 23]
    assert back.dtypes.equals(messages().dtypes)
    assert len(back.attrs["appended"]) == 1
    assert [p.name for p in dataset.parent.iterdir()] == ["ds"]  # no temporary left beside it


def test_an_append_that_does_not_fit_is_refused_before_writing(dataset: Path) -> None:
    files = set(dataset.rglob("*"))
    with pytest.raises(ValueError, match=r"partition_by=\['chat_id', 'month'\]"):
        export.to_parquet(messages(), dataset, partition_by=["chat_id"], append=True)
    odd = messages().assign(views=messages()["views"].astype("float64"))
    with pytest.raises(ValueError, match=r"\['views'\]"):
        export.to_parquet(odd, dataset, partition_by=["chat_id", "month"], append=True)
    with pytest.raises(ValueError, match="partition_by"):
        export.to_parquet(messages(), dataset / "x.parquet", append=True)
    assert set(dataset.rglob("*")) == files
