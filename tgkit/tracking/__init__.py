"""Tracking: keep a watchlist of chats up to date, round after round, into one dataset.

A study adds its chats once (``watch``; kept by id in the store's
watchlist), then runs ``track`` from cron or a notebook: each round collects
only what is new since the last one, refreshes the counters of recent posts
into ``observations``, and appends both to a Parquet dataset partitioned by
chat and month. See ``tgkit.tracking.run`` (the operations),
``tgkit.tracking.chat`` (one chat's round) and ``tgkit.tracking.dataset``.

Example::

    await session.watch(["@a", "@b"], watchlist="study")
    result = await session.track("study", dataset="study/")
    result.summary()
    await session.unwatch(["@b"], watchlist="study")    # stop tracking one
    await session.watchlist("study")                    # the chats, as a frame
"""

from tgkit.store._watchlist import WatchEntry, Watchlist
from tgkit.tracking.dataset import OBSERVATION_COLUMNS, Dataset
from tgkit.tracking.result import OUTCOME_COLUMNS, TrackResult
from tgkit.tracking.run import TRACK, TRACK_CHAT, UNWATCH, WATCH, WATCHLIST_FRAME

__all__ = [
    "OBSERVATION_COLUMNS",
    "OUTCOME_COLUMNS",
    "TRACK",
    "TRACK_CHAT",
    "UNWATCH",
    "WATCH",
    "WATCHLIST_FRAME",
    "Dataset",
    "TrackResult",
    "WatchEntry",
    "Watchlist",
]
