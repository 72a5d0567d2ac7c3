"""Pacing state that must outlive a process: flood waits and recent requests."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence

from tgkit.store._schema import immediate

#: Requests older than this (before the newest one recorded) are forgotten.
REQUEST_MEMORY = 86_400.0


def save_flood_wait(
    conn: sqlite3.Connection, account: str, request_type: str, until: float
) -> None:
    """Remember that ``request_type`` may not be sent before ``until`` (epoch seconds).

    A shorter wait never replaces a longer one still on record: tgkit errs on
    the side of waiting.
    """
    with immediate(conn):
        conn.execute(
            "DELETE FROM flood_waits WHERE account = ? AND until < ?", (account, time.time())
        )
        conn.execute(
            "INSERT INTO flood_waits (account, request_type, until) VALUES (?, ?, ?) "
            "ON CONFLICT (account, request_type) DO UPDATE SET until = MAX(until, excluded.until)",
            (account, request_type, float(until)),
        )


def flood_waits(conn: sqlite3.Connection, account: str, now: float) -> dict[str, float]:
    """Request type → end of its wait, for the waits still in force at ``now``."""
    rows = conn.execute(
        "SELECT request_type, until FROM flood_waits WHERE account = ? AND until > ?",
        (account, now),
    )
    return dict(rows)


def record_requests(
    conn: sqlite3.Connection, account: str, requests: Sequence[tuple[str, float]]
) -> None:
    """Append (budget name, epoch seconds) pairs; forget those a day older than the newest."""
    if not requests:
        return
    rows = [(account, str(budget), float(at)) for budget, at in requests]
    newest = max(at for _, _, at in rows)
    with immediate(conn):
        conn.executemany("INSERT INTO requests (account, budget, at) VALUES (?, ?, ?)", rows)
        conn.execute(
            "DELETE FROM requests WHERE account = ? AND at < ?", (account, newest - REQUEST_MEMORY)
        )


def recent_requests(
    conn: sqlite3.Connection, account: str, since: float
) -> list[tuple[str, float]]:
    """(budget name, epoch seconds) of requests at or after ``since``, oldest first."""
    rows = conn.execute(
        "SELECT budget, at FROM requests WHERE account = ? AND at >= ? ORDER BY at, rowid",
        (account, since),
    )
    return [(budget, at) for budget, at in rows]
