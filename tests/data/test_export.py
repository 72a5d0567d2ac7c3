"""Export: Parquet and CSV round trips keep dtypes and attrs; datasets read by partition."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tgkit import export
from tgkit.frames import collection_attrs, empty_frame, frame_from_columns, frame_from_records

NOW = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
CHANNEL_A = -1001234567890
CHANNEL_B = -1009876543210


def members() -> pd.DataFrame:
    attrs = collection_attrs("@lab", 5, 3, ["participants", "search"], NOW, note="pilot")
    return frame_from_columns(
        "members",
        {
            "user_id": [1, 2, 3],
            "username": ["ada_l", None, "grace_h"],
            "first_name": ['Ada, "the first"', "Ëmil\nnew\rline", None],
            "phone": [None, "441234", None],
            "is_bot": [False, None, True],
            "status": ["online", None, "last_week"],
            "last_seen": [NOW, None, NOW - timedelta(days=3)],
            "role": ["creator", "member", "unknown"],
            "joined_at": [None, NOW, NOW],
            "source": ["participants", "search", "messages"],
            "chat_id": [CHANNEL_A] * 3,
            "chat_title": ["Lab"] * 3,
            "collected_at": [NOW] * 3,
        },
        attrs,
    )


def messages() -> pd.DataFrame:
    attrs = collection_attrs("@lab", None, 4, ["history"], NOW, since=NOW - timedelta(days=60))
    return frame_from_columns(
        "messages",
        {
            "message_id": [10, 11, 12, 13],
            "chat_id": [CHANNEL_A, CHANNEL_A, CHANNEL_B, CHANNEL_B],
            "date": [NOW, NOW + timedelta(days=40), NOW, None],
            "sender_id": [1, None, CHANNEL_B, 3],
            "text": ["hi", None, "NA", "null"],
            "views": [5, None, 0, 2**40],
            "media_type": ["photo", None, "video", "poll"],
            "grouped_id": [2**62 + 1, None, None, 13562890346722150],
            "collected_at": [NOW] * 4,
        },
        attrs,
    )


def assert_same(back: pd.DataFrame, original: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(back, original, check_exact=True)
    assert back.attrs == original.attrs


FRAMES = {
    "members": members,
    "messages": messages,
    "empty members": lambda: empty_frame("members"),
    "empty messages": lambda: empty_frame("messages"),
}


@pytest.mark.parametrize("make", FRAMES.values(), ids=FRAMES.keys())
def test_parquet_round_trip(tmp_path: Path, make) -> None:
    original = make()
    written = export.to_parquet(original, tmp_path / "frame.parquet")
    assert written == tmp_path / "frame.parquet"
    assert_same(export.read_parquet(written), original)


@pytest.mark.parametrize("make", FRAMES.values(), ids=FRAMES.keys())
def test_csv_round_trip(tmp_path: Path, make) -> None:
    original = make()
    export.to_csv(original, tmp_path / "frame.csv")
    assert (tmp_path / "frame.csv.schema.json").exists()
    assert_same(export.read_csv(tmp_path / "frame.csv"), original)


@pytest.mark.parametrize("make", FRAMES.values(), ids=FRAMES.keys())
def test_partitioned_round_trip(tmp_path: Path, make) -> None:
    original = make()
    export.to_parquet(original, tmp_path / "dataset", partition_by=["chat_id"])
    back = export.read_parquet(tmp_path / "dataset")
    key = original.columns[0]  # user_id / message_id: unique in these frames
    back = back.sort_values(key).reset_index(drop=True)
    assert_same(back, original)


def test_attrs_keep_datetimes_and_are_plain_json_in_the_file(tmp_path: Path) -> None:
    original = messages()
    assert isinstance(original.attrs["since"], datetime)
    export.to_parquet(original, tmp_path / "m.parquet")
    stored = json.loads(pq.read_schema(tmp_path / "m.parquet").metadata[b"tgkit"])
    assert stored["attrs"]["target"] == "@lab"
    assert export.read_parquet(tmp_path / "m.parquet").attrs["since"] == original.attrs["since"]


def test_categories_survive_even_when_unused(tmp_path: Path) -> None:
    original = messages()
    export.to_parquet(original, tmp_path / "m.parquet")
    back = export.read_parquet(tmp_path / "m.parquet")
    assert back["media_type"].dtype == original["media_type"].dtype
    assert "sticker" in back["media_type"].cat.categories  # present in no row


def test_plain_pandas_readers_see_the_dtypes(tmp_path: Path) -> None:
    export.to_parquet(members(), tmp_path / "m.parquet")
    plain = pd.read_parquet(tmp_path / "m.parquet")
    assert str(plain["last_seen"].dtype).endswith("UTC]")
    assert plain["user_id"].tolist() == [1, 2, 3]


def test_partitioned_by_chat_and_month_has_hive_directories(tmp_path: Path) -> None:
    export.to_parquet(messages(), tmp_path / "ds", partition_by=["chat_id", "month"])
    data_files = sorted(p.relative_to(tmp_path / "ds").parent.as_posix()
                        for p in (tmp_path / "ds").rglob("*.parquet"))
    assert data_files == sorted([
        f"chat_id={CHANNEL_A}/month=2024-05",
        f"chat_id={CHANNEL_A}/month=2024-06",
        f"chat_id={CHANNEL_B}/month=2024-05",
        f"chat_id={CHANNEL_B}/month=__HIVE_DEFAULT_PARTITION__",
    ])
    back = export.read_parquet(tmp_path / "ds").sort_values("message_id").reset_index(drop=True)
    assert "month" not in back.columns
    assert_same(back, messages())


def test_pyarrow_dataset_reads_one_partition_without_touching_the_others(tmp_path: Path) -> None:
    export.to_parquet(messages(), tmp_path / "ds", partition_by=["chat_id"])
    # Ruin the other chat's file: a filtered read must never open it.
    for file in (tmp_path / "ds" / f"chat_id={CHANNEL_B}").rglob("*.parquet"):
        file.write_bytes(b"not parquet at all")
    hive = ds.partitioning(pa.schema([("chat_id", pa.int64())]), flavor="hive")
    dataset = ds.dataset(tmp_path / "ds", format="parquet", partitioning=hive)
    table = dataset.to_table(filter=ds.field("chat_id") == CHANNEL_A)
    assert sorted(table.column("message_id").to_pylist()) == [10, 11]
    typed = export.open_dataset(tmp_path / "ds")
    table = typed.to_table(filter=ds.field("chat_id") == CHANNEL_A)
    assert sorted(table.column("message_id").to_pylist()) == [10, 11]
    back = export.read_parquet(tmp_path / "ds", filters=[("chat_id", "==", CHANNEL_A)])
    assert back["message_id"].tolist() == [10, 11]
    assert back.dtypes.equals(messages().dtypes) and back.attrs == messages().attrs
    with pytest.raises(Exception):  # noqa: B017 - pyarrow's own error for the ruined file
        export.read_parquet(tmp_path / "ds")


def test_category_partitions_and_column_selection(tmp_path: Path) -> None:
    export.to_parquet(messages(), tmp_path / "ds", partition_by=["media_type"])
    photos = export.read_parquet(
        tmp_path / "ds", columns=["message_id", "media_type"],
        filters=ds.field("media_type") == "photo",
    )
    assert list(photos.columns) == ["message_id", "media_type"]
    assert photos["message_id"].tolist() == [10]
    assert photos["media_type"].dtype == messages()["media_type"].dtype


def test_rewriting_a_dataset_replaces_it(tmp_path: Path) -> None:
    export.to_parquet(messages(), tmp_path / "ds", partition_by=["chat_id"])
    smaller = messages().iloc[:1].reset_index(drop=True)
    export.to_parquet(smaller, tmp_path / "ds", partition_by=["chat_id"])
    assert_same(export.read_parquet(tmp_path / "ds"), smaller)
    assert [p.name for p in tmp_path.iterdir()] == ["ds"]  # nothing left beside it


def test_bad_partition_keys_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'likes'"):
        export.to_parquet(messages(), tmp_path / "ds", partition_by=["likes"])
    with pytest.raises(ValueError, match='use "month"'):
        export.to_parquet(messages(), tmp_path / "ds", partition_by=["date"])
    with pytest.raises(ValueError, match='"date" column'):
        export.to_parquet(members(), tmp_path / "ds", partition_by=["month"])
    with pytest.raises(TypeError, match=r"\['chat_id'\]"):
        export.to_parquet(messages(), tmp_path / "ds", partition_by="chat_id")
    assert not list(tmp_path.iterdir())


def test_a_crash_mid_write_keeps_the_old_file_and_leaves_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "m.parquet"
    export.to_parquet(members(), target)
    before = target.read_bytes()
    real_write = pq.write_table

    def write_then_die(table, where, **kwargs):
        real_write(table.slice(0, 1), where, **kwargs)  # half the data reaches the disk
        raise KeyboardInterrupt

    monkeypatch.setattr(pq, "write_table", write_then_die)
    with pytest.raises(KeyboardInterrupt):
        export.to_parquet(messages(), target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.parquet"]


def test_a_crash_mid_dataset_write_keeps_the_old_dataset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export.to_parquet(messages(), tmp_path / "ds", partition_by=["chat_id"])

    def die(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(ds, "write_dataset", die)
    with pytest.raises(OSError, match="disk full"):
        export.to_parquet(members(), tmp_path / "ds", partition_by=["chat_id"])
    back = export.read_parquet(tmp_path / "ds").sort_values("message_id").reset_index(drop=True)
    assert_same(back, messages())
    assert [p.name for p in tmp_path.iterdir()] == ["ds"]


def test_reading_foreign_files_says_what_to_use(tmp_path: Path) -> None:
    pd.DataFrame({"a": [1]}).to_parquet(tmp_path / "plain.parquet")
    with pytest.raises(ValueError, match=r"pandas\.read_parquet"):
        export.read_parquet(tmp_path / "plain.parquet")
    pd.DataFrame({"a": [1]}).to_csv(tmp_path / "plain.csv")
    with pytest.raises(FileNotFoundError, match=r"plain\.csv\.schema\.json"):
        export.read_csv(tmp_path / "plain.csv")
    with pytest.raises(FileNotFoundError, match="no Parquet"):
        export.read_parquet(tmp_path / "missing.parquet")


def test_csv_and_schema_that_do_not_belong_together_are_refused(tmp_path: Path) -> None:
    export.to_csv(members(), tmp_path / "m.csv")
    export.to_csv(messages(), tmp_path / "other.csv")
    (tmp_path / "other.csv.schema.json").replace(tmp_path / "m.csv.schema.json")
    with pytest.raises(ValueError, match="not written together"):
        export.read_csv(tmp_path / "m.csv")


def test_attrs_that_are_not_json_are_refused_before_writing(tmp_path: Path) -> None:
    frame = members()
    frame.attrs["client"] = object()
    with pytest.raises(TypeError, match="attrs must be JSON data"):
        export.to_parquet(frame, tmp_path / "m.parquet")
    assert not (tmp_path / "m.parquet").exists()


def test_missing_pyarrow_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    frame = members()
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(ImportError, match=r'pip install "tgkit\[export\]"'):
        export.to_parquet(frame, tmp_path / "m.parquet")
    with pytest.raises(ImportError, match=r'pip install "tgkit\[export\]"'):
        export.read_parquet(tmp_path / "m.parquet")


member_rows = st.lists(
    st.fixed_dictionaries(
        {
            "user_id": st.integers(1, 2**62),
            "username": st.one_of(st.none(), st.text(min_size=1, max_size=12)),
            "first_name": st.one_of(st.none(), st.text(min_size=1, max_size=12)),
            "is_premium": st.one_of(st.none(), st.booleans()),
            "status": st.one_of(st.none(), st.sampled_from(["online", "recently", "hidden"])),
            "joined_at": st.one_of(
                st.none(),
                st.integers(0, 4_000_000_000_000_000).map(
                    lambda us: datetime.fromtimestamp(0, UTC) + timedelta(microseconds=us)
                ),
            ),
            "chat_id": st.sampled_from([CHANNEL_A, CHANNEL_B, -5]),
        }
    ),
    max_size=8,
    unique_by=lambda row: row["user_id"],
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=member_rows, title=st.text(max_size=10))
def test_any_members_frame_round_trips(tmp_path: Path, rows: list[dict], title: str) -> None:
    original = frame_from_records("members", rows, {"target": title, "n": len(rows)})
    export.to_parquet(original, tmp_path / "m.parquet")
    assert_same(export.read_parquet(tmp_path / "m.parquet"), original)
    export.to_csv(original, tmp_path / "m.csv")
    assert_same(export.read_csv(tmp_path / "m.csv"), original)
    export.to_parquet(original, tmp_path / "ds", partition_by=["chat_id"])
    back = export.read_parquet(tmp_path / "ds")
    back = back.sort_values("user_id").reset_index(drop=True)
    assert_same(back, original.sort_values("user_id").reset_index(drop=True))


def test_csv_keeps_awkward_text(tmp_path: Path) -> None:
    awkward = ["nul\x00inside", "cr\ronly", 'quote " and, comma', "  spaces  ", "NA", "null", "é中"]
    original = frame_from_columns("messages", {"message_id": list(range(7)), "text": awkward})
    export.to_csv(original, tmp_path / "m.csv")
    assert_same(export.read_csv(tmp_path / "m.csv"), original)
