"""Whatever a record holds comes back from the store exactly."""

from __future__ import annotations

from datetime import timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from tgkit.store import _codec

_zones = st.builds(
    timezone, st.integers(-14 * 60, 14 * 60).map(lambda minutes: timedelta(minutes=minutes))
)
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text()
    # ``fold`` (which of two repeated local hours) is not kept; fixed offsets need none
    | st.datetimes(timezones=_zones).map(lambda moment: moment.replace(fold=0))
    | st.datetimes().map(lambda moment: moment.replace(fold=0))
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=100)
@given(st.dictionaries(st.text(), _values, max_size=8))
def test_round_trip_is_exact(record: dict) -> None:
    back = _codec.loads(_codec.dumps(record))
    assert back == record
    assert repr(back) == repr(record)  # same types, zones and microseconds, not just equal


@given(st.lists(st.dictionaries(st.text(), _values, max_size=4), max_size=5))
def test_many_at_once_equals_one_by_one(records: list[dict]) -> None:
    texts = [_codec.dumps(record) for record in records]
    assert _codec.loads_many(texts) == [_codec.loads(text) for text in texts] == records


def test_canonical_params_ignore_order() -> None:
    assert _codec.canonical({"b": 1, "a": [2]}) == _codec.canonical({"a": [2], "b": 1})
    assert _codec.canonical({"a": 1}) != _codec.canonical({"a": 1.5})


def test_a_page_is_encoded_once_and_as_dumps_would_escape_it() -> None:
    """encode_columns skips dumps' second pass yet writes the same text as it."""
    from datetime import UTC, datetime, timedelta, timezone

    from tgkit.store import _codec, _pages

    now = datetime(2024, 5, 1, tzinfo=UTC)
    columns = {
        "user_id": [1, 2],
        "same": ["a", "a"],
        "$own": [1, 2],
        "nested": [{"$dt": 1}, {"a": [{"$x": 2}]}],
        "utc": [now, None],
        "other_zone": [now.astimezone(timezone(timedelta(hours=2))), None],
        "text": ["$x", "y"],
    }
    text = _pages.encode_columns(columns, rows=2)
    assert _pages.decode_pages([text]) == [
        dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)
    ]
    assert '"$$same"' in text and '"$$own"' in text and '"$$x"' in text
    assert _codec.loads(text)["columns"]["$own"] == [1, 2]
