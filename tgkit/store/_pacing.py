"""Pacing state that must outlive a process: flood waits and recent requests.

A flood wait is written at once (it is rare and must not be forgotten). The
time of every request is not: the pacer reports one per request, and a
SQLite transaction per request cost 60-70 us where the pacer itself costs 8.
``RequestBuffer`` keeps them in memory and a writer thread writes them in one
transaction once ``FLUSH_AFTER`` seconds passed since the first unwritten one,
or ``FLUSH_ROWS`` piled up; they are written at once before this store reads
them and when it closes. A
process that dies forgets at most the last ``FLUSH_AFTER`` seconds of its
requests: the next run's budgets then start that much fuller than they were.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence

from tgkit.store._schema import immediate

#: Requests older than this (before the newest one recorded) are forgotten.
REQUEST_MEMORY = 86_400.0
#: Unwritten request times are written at the latest this many seconds after the first.
FLUSH_AFTER = 0.5
#: ... or as soon as this many are waiting.
FLUSH_ROWS = 2048

logger = logging.getLogger(__name__)


class RequestBuffer:
    """Request times waiting to be written by ``write(account, requests)``, in batches."""

    def __init__(self, write: Callable[[str, list[tuple[str, float]]], None]) -> None:
        self._write = write
        self._lock = threading.Lock()  # the queue
        self._writing = threading.Lock()  # one write at a time, in order
        self._pending: dict[str, list[tuple[str, float]]] = {}
        self._size = 0
        self._timer: threading.Timer | None = None
        self._hurried = False

    def add(self, account: str, requests: Sequence[tuple[str, float]]) -> None:
        """Queue these (budget, epoch seconds) pairs of ``account``; a writer thread
        writes them within ``FLUSH_AFTER`` seconds (at once when ``FLUSH_ROWS`` wait)."""
        with self._lock:
            queued = self._pending.get(account)
            if queued is None:
                queued = self._pending[account] = []
            queued.extend(requests)
            self._size += len(requests)
            if self._size and self._timer is None:
                self._start(FLUSH_AFTER)
            elif self._size >= FLUSH_ROWS and not self._hurried:
                self._timer.cancel()  # type: ignore[union-attr]
                self._start(0.0)

    def _start(self, delay: float) -> None:
        self._timer = threading.Timer(delay, self._flush_quietly)
        self._timer.daemon = True
        self._hurried = delay == 0.0
        self._timer.start()

    def flush(self) -> None:
        """Write everything queued now, after a write under way (raises what the write
        raises; those rows are dropped)."""
        with self._writing:
            with self._lock:
                pending, self._pending, self._size = self._pending, {}, 0
                if self._timer is not None:
                    self._timer.cancel()
                    self._timer = None
            for account, rows in pending.items():
                self._write(account, rows)

    def _flush_quietly(self) -> None:
        try:
            self.flush()
        except Exception as error:  # pacing goes on from memory; the next run knows less
            logger.warning("could not save pacing state (record_requests): %s", error)


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
