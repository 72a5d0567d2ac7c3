"""What changed between two collections of one chat, and reactions in long form.

:func:`compare` is for moderation studies: given two stored message frames of
the same chat (an older and a newer collection), it says which messages were
deleted, which were edited (with both texts) and which are new. Only the
time both collections cover is compared: a message older than the newer
collection's window is not "deleted" because the window moved on.

:func:`reaction_counts` turns ``reactions_by_emoji`` into one row per
(message, emoji).

    >>> from tgkit.frames import frame_from_columns
    >>> old = frame_from_columns("messages", {"message_id": [1, 2, 3], "chat_id": [-5] * 3,
    ...     "date": ["2024-05-01T10:00Z", "2024-05-01T11:00Z", "2024-05-01T11:30Z"],
    ...     "text": ["hi", "typo", "spam"]})
    >>> new = frame_from_columns("messages", {"message_id": [1, 2, 4], "chat_id": [-5] * 3,
    ...     "date": ["2024-05-01T10:00Z", "2024-05-01T11:00Z", "2024-05-01T12:00Z"],
    ...     "text": ["hi", "fixed", "new"]})
    >>> compare(old, new)[["message_id", "change", "old_text", "new_text"]].values.tolist()
    [[2, 'edited', 'typo', 'fixed'], [3, 'deleted', 'spam', <NA>], [4, 'added', <NA>, 'new']]
"""

from __future__ import annotations

import pandas as pd

from tgkit.schemas import MESSAGE_COLUMNS

__all__ = ["CHANGES", "compare", "reaction_counts"]

#: ``change``: what happened to a message between the two collections.
CHANGES = ("deleted", "edited", "added")

_KEY = ["chat_id", "message_id"]


def compare(old: pd.DataFrame, new: pd.DataFrame, *, overlap_only: bool = True) -> pd.DataFrame:
    """The messages deleted, edited or added between ``old`` and ``new`` (messages frames).

    One row per changed message: ``chat_id``, ``message_id``, ``date``,
    ``change`` (see ``CHANGES``), ``old_text``, ``new_text``,
    ``old_edit_date``, ``new_edit_date``. A message counts as edited when its
    text or its ``edit_date`` differ. With ``overlap_only`` (the default) a
    message is called deleted only if its date lies within the dates ``new``
    covers (from its oldest message on), and added only if it is newer than
    ``old``'s oldest message, so two collections with different windows
    compare fairly.
    """
    for name, frame in (("old", old), ("new", new)):
        missing = {"chat_id", "message_id", "date", "text"} - set(frame.columns)
        if missing:
            raise ValueError(
                f"{name} is not a messages frame (no {sorted(missing)}); pass two frames "
                "from messages/monitor/comments, e.g. store.frame(collection_id)"
            )
    wanted = ["chat_id", "message_id", "date", "text", "edit_date"]
    both = old[wanted].merge(new[wanted], on=_KEY, how="outer", suffixes=("_old", "_new"),
                             indicator=True)
    deleted = both["_merge"] == "left_only"
    added = both["_merge"] == "right_only"
    if overlap_only:
        deleted &= _within(both["date_old"], new["date"])
        added &= _within(both["date_new"], old["date"])
    common = both["_merge"] == "both"
    edited = common & (
        _differs(both["text_old"], both["text_new"])
        | _differs(both["edit_date_old"], both["edit_date_new"])
    )
    change = pd.Series(pd.NA, index=both.index, dtype="object")
    change[deleted], change[edited], change[added] = "deleted", "edited", "added"
    keep = change.notna()
    result = pd.DataFrame({
        "chat_id": both.loc[keep, "chat_id"].astype("Int64"),
        "message_id": both.loc[keep, "message_id"].astype("Int64"),
        "date": both.loc[keep, "date_new"].fillna(both.loc[keep, "date_old"]),
        "change": pd.Categorical(change[keep], categories=CHANGES),
        "old_text": both.loc[keep, "text_old"].astype("string"),
        "new_text": both.loc[keep, "text_new"].astype("string"),
        "old_edit_date": both.loc[keep, "edit_date_old"],
        "new_edit_date": both.loc[keep, "edit_date_new"],
    })
    result = result.sort_values(_KEY, ignore_index=True)
    result.attrs = {"counts": {name: int((result["change"] == name).sum()) for name in CHANGES}}
    return result


def _within(dates: pd.Series, window: pd.Series) -> pd.Series:
    if window.empty or window.isna().all():
        return pd.Series(False, index=dates.index)
    return (dates >= window.min()).fillna(False)


def _differs(left: pd.Series, right: pd.Series) -> pd.Series:
    both_na = left.isna() & right.isna()
    one_na = left.isna() ^ right.isna()
    same = (left == right).fillna(False).astype(bool)
    return (one_na | ~(same | both_na)).astype(bool)


def reaction_counts(df: pd.DataFrame) -> pd.DataFrame:
    """One row per (message, emoji) from a messages frame: ``chat_id``, ``message_id``,
    ``emoji``, ``count``; messages without reactions give no row.

    >>> from tgkit.frames import frame_from_columns
    >>> df = frame_from_columns("messages", {"message_id": [7], "chat_id": [-5],
    ...     "reactions_by_emoji": [[{"emoji": "👍", "count": 3}, {"emoji": "🔥", "count": 1}]]})
    >>> reaction_counts(df)[["emoji", "count"]].values.tolist()
    [['👍', 3], ['🔥', 1]]
    """
    if "reactions_by_emoji" not in df.columns:
        raise ValueError("df has no reactions_by_emoji column: pass a messages frame")
    long = df[["chat_id", "message_id", "reactions_by_emoji"]].explode("reactions_by_emoji")
    long = long[long["reactions_by_emoji"].notna()]
    if long.empty:
        parts = pd.DataFrame({"emoji": pd.array([], dtype="string"),
                              "count": pd.array([], dtype="Int64")})
    else:
        parts = long["reactions_by_emoji"].struct.explode()
        parts = parts.astype({"emoji": "string", "count": "Int64"})
    result = pd.concat(
        [long[["chat_id", "message_id"]].reset_index(drop=True), parts.reset_index(drop=True)],
        axis=1,
    )
    return result


assert "reactions_by_emoji" in MESSAGE_COLUMNS
