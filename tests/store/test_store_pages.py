"""Pages written as columns or as records come back exactly, once per item,
whatever the values, the zones, the repeats and the writers."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from store_pages import member_page, message_page

from tgkit.store import Store
from tgkit.store._pages import columns_of, decode_pages, encode_columns, encode_records

MEMBERS = {"account": "acct", "target": "@g", "kind": "members", "params": {}}

_zones = st.sampled_from(
    [UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30)), None]
)
_moments = st.builds(
    lambda moment, zone: moment.replace(tzinfo=zone, fold=0),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    _zones,
)
_utc_moments = _moments.map(lambda moment: moment.replace(tzinfo=UTC))
# Telegram's dates: whole seconds (stored as seconds, not microseconds)
_whole_utc_moments = _utc_moments.map(lambda moment: moment.replace(microsecond=0))
_values = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.sampled_from([0, 1, 0.0, -0.0, 1.0, True, False, "", "0"])
    | st.floats(allow_nan=False)
    | st.text(max_size=5)
    | _moments
    | _utc_moments
    | st.lists(st.integers() | _utc_moments, max_size=2)
)


def _column(rows: int) -> st.SearchStrategy[list[Any]]:
    """A column: all one value, all UTC moments (some None), or anything at all."""
    return st.one_of(
        _values.map(lambda value: [value] * rows),
        st.lists(_utc_moments | st.none(), min_size=rows, max_size=rows),
        st.lists(_whole_utc_moments | st.none(), min_size=rows, max_size=rows),
        st.lists(_values, min_size=rows, max_size=rows),
    )


@st.composite
def _pages_of_columns(draw: st.DrawFn) -> dict[str, list[Any]]:
    rows = draw(st.integers(1, 6))
    names = draw(st.lists(st.text(min_size=1, max_size=4), max_size=4, unique=True))
    columns = {"user_id": draw(st.lists(st.integers(0, 9), min_size=rows, max_size=rows))}
    for name in names:
        if name != "user_id":
            columns[name] = draw(_column(rows))
    return columns


def _records(columns: dict[str, list[Any]]) -> list[dict[str, Any]]:
    return [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)]


@settings(max_examples=200)
@given(st.lists(_pages_of_columns(), min_size=1, max_size=3))
def test_encoded_pages_decode_to_the_same_records(pages: list[dict[str, list[Any]]]) -> None:
    by_columns = [encode_columns(columns, rows=len(columns["user_id"])) for columns in pages]
    by_records = [encode_records(_records(columns)) for columns in pages]
    expected = [record for columns in pages for record in _records(columns)]

    for bodies in (by_columns, by_records):
        back = decode_pages(bodies)
        assert back == expected
        assert repr(back) == repr(expected)  # same types, zones, signs of zero, field order


_NOON = datetime(2024, 5, 1, 12, 0, 0, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "values",
    [
        [0.0, -0.0, 0.0],  # equal, but not the same value
        [1, True, 1.0],
        [_NOON, _NOON.astimezone(timezone(timedelta(hours=2)))],  # one moment, two zones
        [_NOON, _NOON.replace(tzinfo=None)],
        [_NOON.replace(tzinfo=None)] * 3,
        [_NOON, None, _NOON],
        [None, None, None],
        [_NOON] * 3,
        [datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)],
        [datetime(1, 1, 1, tzinfo=UTC), None, datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)],
        [_NOON.replace(microsecond=0), _NOON],  # whole seconds but one: microseconds
        ["x", "x", "x"],
        [[1], [1], [1]],
    ],
)
def test_columns_that_only_look_alike_come_back_as_written(values: list[Any]) -> None:
    columns = {"user_id": list(range(len(values))), "value": values}
    body = encode_columns(columns, rows=len(values))
    back = decode_pages([body])
    assert repr(back) == repr(_records(columns))


@settings(max_examples=50, deadline=None)
@given(
    pages=st.lists(_pages_of_columns(), min_size=1, max_size=5),
    as_columns=st.lists(st.booleans(), min_size=5, max_size=5),
)
def test_a_store_keeps_each_items_first_record_exactly(
    pages: list[dict[str, list[Any]]], as_columns: list[bool]
) -> None:
    first: dict[int, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as folder, Store(Path(folder, "t.db")) as store:
        c = store.open_collection(**MEMBERS)
        for number, (columns, by_column) in enumerate(zip(pages, as_columns, strict=False)):
            if by_column:
                new = store.write_columns(c.id, columns, checkpoint={"page": number})
            else:
                new = store.write_page(c.id, _records(columns), checkpoint={"page": number})
            before = len(first)
            for record in _records(columns):
                first.setdefault(record["user_id"], record)
            assert new == len(first) - before
        back = store.records(c.id)
    assert repr(back) == repr(list(first.values()))


def test_records_with_different_fields_are_kept_as_they_are(store: Store) -> None:
    c = store.open_collection(**MEMBERS)
    page = [{"user_id": 1, "a": 1}, {"b": 2, "user_id": 2}, {"user_id": 3}]
    assert columns_of(page) is None

    assert store.write_page(c.id, page, checkpoint={}) == 3

    back = store.records(c.id)
    assert back == page and [list(record) for record in back] == [list(r) for r in page]


def test_columns_and_records_store_the_same_thing(tmp_path: Path) -> None:
    pages = [member_page(number) for number in range(3)]
    with Store(tmp_path / "a.db") as by_records, Store(tmp_path / "b.db") as by_columns:
        a = by_records.open_collection(**MEMBERS)
        b = by_columns.open_collection(**MEMBERS)
        for number, page in enumerate(pages):
            new_a = by_records.write_page(a.id, page, checkpoint={"n": number})
            columns = {name: [record[name] for record in page] for name in page[0]}
            assert by_columns.write_columns(b.id, columns, checkpoint={"n": number}) == new_a
        assert repr(by_records.records(a.id)) == repr(by_columns.records(b.id))
        assert by_records.count(a.id) == by_columns.count(b.id) == 3 * 180 + 20


def test_message_columns_are_keyed_by_chat_and_message(store: Store) -> None:
    c = store.open_collection(account="acct", target="@chan", kind="messages", params={})
    page = message_page(0, size=4)
    columns = {name: [record[name] for record in page] for name in page[0]}
    other_chat = dict(columns, chat_id=[-1009] * 4)

    assert store.write_columns(c.id, columns, checkpoint={}) == 4
    assert store.write_columns(c.id, other_chat, checkpoint={}) == 4
    assert store.write_columns(c.id, columns, checkpoint={}) == 0
    assert store.records(c.id) == page + _records(other_chat)


@pytest.mark.parametrize(
    ("columns", "error", "message"),
    [
        ({"user_id": [1, 2], "name": ["a"]}, ValueError, "same length"),
        ({"name": ["a"]}, ValueError, r"records\[0\] needs an integer 'user_id'"),
        ({"user_id": [1, "2"]}, ValueError, r"records\[1\] needs an integer 'user_id'.*'2'"),
        ({"user_id": [1, True]}, ValueError, r"records\[1\] needs an integer 'user_id'"),
        ({"user_id": [1, 2**63]}, ValueError, r"records\[1\] has 'user_id' .* 64 bits"),
        ({"user_id": [1], "photo": [b"\x00"]}, TypeError, "a bytes cannot be stored"),
        ({"user_id": [1], 5: ["x"]}, TypeError, "column names must be strings"),
        ([{"user_id": 1}], TypeError, "columns must be a mapping"),
    ],
)
def test_bad_columns_are_refused_before_anything_is_written(
    store: Store, columns: Any, error: type[Exception], message: str
) -> None:
    c = store.open_collection(**MEMBERS)
    with pytest.raises(error, match=message):
        store.write_columns(c.id, columns, checkpoint={"n": 1})
    assert store.count(c.id) == 0 and store.collection(c.id).checkpoint == {}
    assert store.records(c.id) == []


def test_keys_as_int_subclasses_are_plain_ints_in_the_store(store: Store) -> None:
    import enum

    class Uid(enum.IntEnum):
        ADA = 7

    c = store.open_collection(**MEMBERS)
    assert store.write_page(c.id, [{"user_id": Uid.ADA}], checkpoint={}) == 1
    assert store.write_page(c.id, [{"user_id": 7}], checkpoint={}) == 0


def test_many_collections_in_turn_still_skip_stored_items(store: Store) -> None:
    """The store remembers the keys of a few collections; the others are read again."""
    collections = [store.open_collection(**{**MEMBERS, "target": f"@g{n}"}) for n in range(5)]
    for _ in range(2):
        for number in range(3):
            for c in collections:
                store.write_page(c.id, member_page(number), checkpoint={"n": number})
    for c in collections:
        assert store.count(c.id) == len(store.records(c.id)) == 3 * 180 + 20


@settings(max_examples=30, deadline=None)
@given(
    schedule=st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 3), st.integers(0, 4)),
        min_size=1,
        max_size=30,
    )
)
def test_three_connections_writing_four_collections_in_any_order(
    schedule: list[tuple[int, int, int]],
) -> None:
    """Each connection remembers what it read; whatever the interleaving, each item
    is stored once, first sighting first, and every connection reads the same."""
    with tempfile.TemporaryDirectory() as folder:
        stores = [Store(Path(folder, "t.db")) for _ in range(3)]
        try:
            ids = [
                stores[0].open_collection(**{**MEMBERS, "target": f"@g{n}"}).id for n in range(4)
            ]
            first: dict[int, dict[int, dict[str, Any]]] = {i: {} for i in ids}
            for writer, target, number in schedule:
                page = member_page(number, size=10, overlap=3)
                new = stores[writer].write_page(ids[target], page, checkpoint={"n": number})
                seen = first[ids[target]]
                before = len(seen)
                for record in page:
                    seen.setdefault(record["user_id"], record)
                assert new == len(seen) - before
            for collection_id, seen in first.items():
                for store in stores:
                    assert store.records(collection_id) == list(seen.values())
                    assert store.count(collection_id) == len(seen)
        finally:
            for store in stores:
                store.close()
