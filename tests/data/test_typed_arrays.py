"""The fast column builders give what pandas' general path gives, or step aside for it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tgkit.frames import frame_from_columns
from tgkit.typed_arrays import category_codes, int64_array


@given(st.lists(st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)), max_size=50))
def test_int64_array_equals_pandas(values: list[int | None]) -> None:
    fast = int64_array(values)
    if fast is not None:
        assert fast.equals(pd.array(values, dtype="Int64"))


@pytest.mark.parametrize("values", [
    [1.5, None], [1.0], [True, None], [pd.NA, 1], [float("nan"), 2], ["1"], [2**63],
    [np.uint64(5)], (1, 2), [],
])
def test_int64_array_leaves_anything_but_plain_ints_to_pandas(values) -> None:
    assert int64_array(values) is None


def test_frames_convert_odd_ints_as_before() -> None:
    df = frame_from_columns("messages", {"views": [1.0, None, np.int64(3), pd.NA]})
    assert df["views"].tolist() == [1, pd.NA, 3, pd.NA]
    with pytest.raises(ValueError, match="views"):
        frame_from_columns("messages", {"views": [1.5, 2]})


def test_category_codes_and_what_they_leave_to_pandas() -> None:
    assert category_codes(["user", None, "chat"], ("user", "chat")).tolist() == [0, -1, 1]
    for values in (["bot"], [pd.NA], [float("nan")], [["user"]], [""]):
        assert category_codes(values, ("user", "chat")) is None
    df = frame_from_columns("messages", {"fwd_from_type": ["user", pd.NA, None, "hidden"]})
    assert df["fwd_from_type"].tolist()[::3] == ["user", "hidden"]
    assert df["fwd_from_type"].isna().tolist() == [False, True, True, False]
    with pytest.raises(ValueError, match="fwd_from_type"):
        frame_from_columns("messages", {"fwd_from_type": ["robot"]})
