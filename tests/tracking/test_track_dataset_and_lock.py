"""The dataset refuses frames of another kind; the watchlist's run lock admits one run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tgkit.frames import frame_from_columns
from tgkit.store import CollectionInUse, Store
from tgkit.tracking import Dataset, Watchlist


def _messages(chat_id: int, ids: list[int]) -> pd.DataFrame:
    now = pd.Timestamp("2024-05-02", tz="UTC")
    frame = frame_from_columns(
        "messages",
        {"message_id": ids, "chat_id": [chat_id] * len(ids), "date": [now] * len(ids),
         "text": ["x"] * len(ids), "collected_at": [now] * len(ids)},
    )
    frame.attrs = {"kind": "messages"}
    return frame


def test_a_frame_of_other_columns_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    dataset = Dataset(tmp_path / "study", "study")
    dataset.append("messages", _messages(-1001, [1, 2]), "c1", "date")
    other = _messages(-1001, [3]).drop(columns=["text"])
    with pytest.raises(ValueError, match="other columns or dtypes"):
        dataset.append("messages", other, "c2", "date")
    assert not list((tmp_path / "study").rglob("c2.parquet"))


def test_writing_a_round_again_writes_the_same_file(tmp_path: Path) -> None:
    dataset = Dataset(tmp_path / "study", "study")
    first = dataset.append("messages", _messages(-1001, [1, 2]), "c1", "date")
    again = dataset.append("messages", _messages(-1001, [1, 2]), "c1", "date")
    assert first == again and len(list((tmp_path / "study").rglob("*.parquet"))) == 1


def test_another_studys_dataset_is_refused(tmp_path: Path) -> None:
    Dataset(tmp_path / "study", "study").create()
    with pytest.raises(ValueError, match="grows watchlist 'study'"):
        Dataset(tmp_path / "study", "other")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.booleans()), max_size=30))
def test_at_most_one_holder_of_a_watchlist_whatever_the_order(
    tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[int, bool]]
) -> None:
    """Three stores (as three processes would) take and release the lock in any order:
    a take succeeds exactly when nobody holds it."""
    db = tmp_path_factory.mktemp("lock") / "tgkit.db"
    stores = [Store(db) for _ in range(3)]
    held: dict[int, object] = {}
    try:
        for who, take in steps:
            if take:
                context = Watchlist(stores[who], "study").running()
                if held:
                    with pytest.raises(CollectionInUse):
                        context.__enter__()
                else:
                    context.__enter__()
                    held[who] = context
            elif who in held:
                held.pop(who).__exit__(None, None, None)  # type: ignore[attr-defined]
            assert len(held) <= 1
    finally:
        for context in held.values():
            context.__exit__(None, None, None)  # type: ignore[attr-defined]
        for store in stores:
            store.close()
