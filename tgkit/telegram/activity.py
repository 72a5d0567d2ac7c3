"""What a session shows: its history, queue and entity cache as DataFrames, its snapshot.

``history_frame(records)`` has one row per finished operation: id, kind,
label, priority, state, queued_at, started_at, finished_at (UTC), wait_s,
run_s, error, requests (total requests sent), flood_wait_s, budget_wait_s and
the request counts by type (``requests_by_type``, a dict).
``queue_frame(snapshot)`` has the running operation first, then the queued
ones in dispatch order: id, kind, label, priority, state, wait_s, run_s (so
far; the names ``history_frame`` uses), done, total.

``entities_frame(chats)`` lists resolved chats (kind, id, access_hash,
username, title) when the session keeps no store. ``SessionSnapshot`` joins
the scheduler's and the pacer's snapshots.

Example::

    history_frame(scheduler.history).tail()
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from tgkit.core import OperationRecord, OperationView, SchedulerSnapshot
from tgkit.pacing import PacingSnapshot
from tgkit.telegram.resolve import ResolvedChat

__all__ = [
    "HISTORY_COLUMNS",
    "QUEUE_COLUMNS",
    "SessionSnapshot",
    "entities_frame",
    "history_frame",
    "queue_frame",
]

HISTORY_COLUMNS = {
    "id": "string",
    "kind": "string",
    "label": "string",
    "priority": "Int64",
    "state": "string",
    "queued_at": "datetime64[ns, UTC]",
    "started_at": "datetime64[ns, UTC]",
    "finished_at": "datetime64[ns, UTC]",
    "wait_s": "Float64",
    "run_s": "Float64",
    "error": "string",
    "requests": "Int64",
    "flood_wait_s": "Float64",
    "budget_wait_s": "Float64",
    "requests_by_type": "object",
}

QUEUE_COLUMNS = {
    "id": "string",
    "kind": "string",
    "label": "string",
    "priority": "Int64",
    "state": "string",
    "wait_s": "Float64",
    "run_s": "Float64",
    "done": "Int64",
    "total": "Int64",
}


def _typed(rows: list[dict[str, Any]], columns: dict[str, str]) -> pd.DataFrame:
    data = {name: [row[name] for row in rows] for name in columns}
    frame = pd.DataFrame(data, columns=list(columns))
    for name, dtype in columns.items():
        if dtype.startswith("datetime"):
            frame[name] = pd.to_datetime(frame[name], utc=True).astype(dtype)
        elif dtype != "object":
            frame[name] = frame[name].astype(dtype)
    return frame


def history_frame(records: Iterable[OperationRecord]) -> pd.DataFrame:
    """Finished operations, oldest first."""
    rows = []
    for record in records:
        report = dict(record.report)
        by_type = dict(report.get("requests") or {})
        rows.append(
            {
                "id": record.id,
                "kind": record.kind.name,
                "label": record.label,
                "priority": record.priority,
                "state": record.state.name,
                "queued_at": record.queued_at,
                "started_at": record.started_at,
                "finished_at": record.finished_at,
                "wait_s": record.wait_seconds,
                "run_s": record.run_seconds,
                "error": record.error,
                "requests": sum(by_type.values()),
                "flood_wait_s": report.get("flood_wait_s", 0.0),
                "budget_wait_s": report.get("budget_wait_s", 0.0),
                "requests_by_type": by_type,
            }
        )
    return _typed(rows, HISTORY_COLUMNS)


def _queue_row(view: OperationView) -> dict[str, Any]:
    return {
        "id": view.id,
        "kind": view.kind.name,
        "label": view.label,
        "priority": view.priority,
        "state": view.state.name,
        "wait_s": view.waited_seconds,
        "run_s": view.running_seconds,
        "done": view.progress.done,
        "total": view.progress.total,
    }


def queue_frame(snapshot: SchedulerSnapshot) -> pd.DataFrame:
    """The running operation (if any), then the queued ones in dispatch order."""
    views = ([snapshot.running] if snapshot.running is not None else []) + list(snapshot.queued)
    return _typed([_queue_row(view) for view in views], QUEUE_COLUMNS)


def entities_frame(chats: Iterable[ResolvedChat]) -> pd.DataFrame:
    """Resolved chats as rows: kind, id, access_hash, username, title."""
    rows = [
        {
            "kind": chat.kind.value,
            "id": chat.chat_id,
            "access_hash": getattr(chat.input_peer, "access_hash", None),
            "username": chat.username,
            "title": chat.title,
        }
        for chat in chats
    ]
    return pd.DataFrame(rows, columns=["kind", "id", "access_hash", "username", "title"])


@dataclass(frozen=True, slots=True)
class SessionSnapshot:
    """A session at one moment: its scheduler (lock, queue, recent history) and pacing."""

    name: str
    account: str | None
    connected: bool
    taken_at: datetime
    scheduler: SchedulerSnapshot
    pacing: PacingSnapshot | None
