"""What a tracking run returns: new messages, observations, one outcome per chat.

``TrackResult.summary()`` is the one line ``tgkit track run`` prints::

    track study: 200 chats, 37 new messages, 1,204 refreshed, 1 failed, 214 requests,
    waited 61.0 s on budgets
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from tgkit.frames import concat_frames
from tgkit.store._watchlist import WatchEntry
from tgkit.tracking.dataset import observations_frame

__all__ = ["OUTCOME_COLUMNS", "TrackResult", "outcome_row"]

#: One row per chat of the watchlist.
OUTCOME_COLUMNS = {
    "chat": "string",  # @username or id
    "chat_id": "Int64",
    "status": "string",  # done or failed
    "new_messages": "Int64",
    "refreshed": "Int64",
    "error_type": "string",
    "error": "string",
    "session": "string",  # on a SessionManager: the session that ran the round
    "seconds": "Float64",
}


def outcome_row(entry: WatchEntry, result: Any, seconds: float) -> dict[str, Any]:
    done = isinstance(result, pd.DataFrame)
    return {
        "chat": entry.display,
        "chat_id": entry.chat_id,
        "status": "done" if done else "failed",
        "new_messages": result.attrs.get("new_messages") if done else 0,
        "refreshed": result.attrs.get("refreshed") if done else 0,
        "error_type": None if done else type(result).__name__,
        "error": None if done else str(result),
        "session": result.attrs.get("session") if done else None,
        "seconds": seconds,
    }


@dataclass(frozen=True, slots=True)
class TrackResult:
    """A run: ``messages`` (new), ``observations`` (counters), ``outcomes`` (per chat),
    ``chats`` (their info, when taken), ``provenance`` (how the run was made: versions,
    parameters, account, server, times, requests; ``tgkit.provenance``)."""

    watchlist: str
    messages: pd.DataFrame
    observations: pd.DataFrame
    outcomes: pd.DataFrame
    seconds: float
    chats: pd.DataFrame | None = None  # chat_info of the chats whose info was due
    provenance: dict[str, Any] | None = None

    @classmethod
    def of(
        cls, watchlist: str, frames: Sequence[pd.DataFrame], rows: list[dict[str, Any]],
        seconds: float, chats: pd.DataFrame | None = None,
    ) -> TrackResult:
        everything = concat_frames("messages", list(frames), attrs={"watchlist": watchlist})
        minimum = {f.attrs.get("chat_id"): f.attrs.get("min_id", 0) for f in frames}
        floor = everything["chat_id"].map(lambda c: minimum.get(c, 0) or 0)
        new = everything[everything["message_id"] > floor.astype("Int64")].reset_index(drop=True)
        new.attrs = everything.attrs
        outcomes = pd.DataFrame(rows, columns=list(OUTCOME_COLUMNS)).astype(OUTCOME_COLUMNS)
        return cls(watchlist, new, observations_frame(everything), outcomes, seconds, chats)

    def with_provenance(self, made: dict[str, Any] | None) -> TrackResult:
        """This result with the run's provenance."""
        return replace(self, provenance=made)

    @property
    def failed(self) -> pd.DataFrame:
        """The outcomes of chats whose round failed."""
        return self.outcomes[self.outcomes["status"] != "done"]

    def counts(self) -> dict[str, Any]:
        """The run in numbers (what the summary line says)."""
        return {
            "watchlist": self.watchlist,
            "chats": len(self.outcomes),
            "new_messages": int(self.outcomes["new_messages"].sum()),
            "refreshed": int(self.outcomes["refreshed"].sum()),
            "failed": len(self.failed),
            "seconds": round(self.seconds, 1),
        }

    def summary(self, requests: int | None = None, waited: float | None = None) -> str:
        """One line: chats, new messages, refreshed, failed (and requests, budget waits)."""
        c = self.counts()
        line = (
            f"track {c['watchlist']}: {c['chats']} chats, {c['new_messages']:,} new messages, "
            f"{c['refreshed']:,} refreshed, {c['failed']} failed"
        )
        if requests is not None:
            line += f", {requests:,} requests"
        if waited is not None:
            line += f", waited {waited:.1f} s on budgets"
        return line + f", {c['seconds']:.1f} s"

    def __repr__(self) -> str:
        return f"<TrackResult {self.summary()}>"
