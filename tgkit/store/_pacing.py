"""Pacing state that must outlive a process: flood waits and recent requests.

A flood wait is written at once (it is rare and must not be forgotten). The
time of every request is not: the pacer reports one per request, and a
SQLite transaction per request cost 60-70 us where the pacer itself costs 8.
``RequestBuffer`` keeps them in memory and its writer thread writes them in
one transaction once ``FLUSH_AFTER`` seconds passed since the first unwritten
one, or ``FLUSH_ROWS`` piled up; they are written at once before this store
reads them and when it closes. A process that dies forgets at most the last
``FLUSH_AFTER`` seconds of its requests: the next run's budgets then start
that much fuller than they were.
"""

from __future__ import annotations

import json
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
#: The writer thread ends after this many seconds with nothing to write.
WRITER_IDLE = 5.0

logger = logging.getLogger(__name__)


class RequestBuffer:
    """Request times waiting to be written by ``write(account, {budget: times})``, in batches.

    One daemon writer thread per buffer, started with the first request and
    ended by :meth:`close` (or after ``WRITER_IDLE`` seconds with nothing to
    write), sleeps until rows are queued, then writes them
    ``FLUSH_AFTER`` seconds later (at once when ``FLUSH_ROWS`` wait). Queuing a
    row is an append under a lock: no thread or timer is started per batch.
    """

    def __init__(self, write: Callable[[str, dict[str, list[float]]], None]) -> None:
        self._write = write
        self._lock = threading.Lock()  # the queue
        self._writing = threading.Lock()  # one write at a time, in order
        self._pending: dict[str, dict[str, list[float]]] = {}  # account -> budget -> times
        self._size = 0
        self._queued = threading.Event()  # rows wait: the writer starts counting FLUSH_AFTER
        self._due = threading.Event()  # write now: FLUSH_ROWS wait, or closing
        self._writer: threading.Thread | None = None
        self._closed = False

    def add(self, account: str, requests: Sequence[tuple[str, float]]) -> None:
        """Queue these (budget, epoch seconds) pairs of ``account``; the writer thread
        writes them within ``FLUSH_AFTER`` seconds (at once when ``FLUSH_ROWS`` wait)."""
        with self._lock:
            budgets = self._pending.get(account)
            if budgets is None:
                budgets = self._pending[account] = {}
            for budget, at in requests:
                times = budgets.get(budget)
                if times is None:
                    times = budgets[budget] = []
                times.append(at)
            first = not self._size
            self._size += len(requests)
            if first and self._size:
                if self._writer is None and not self._closed:
                    self._start()
                self._queued.set()
            if self._size >= FLUSH_ROWS and not self._due.is_set():
                self._due.set()

    def _start(self) -> None:
        self._writer = threading.Thread(
            target=self._run, name="tgkit-pacing-writer", daemon=True
        )
        self._writer.start()

    def _run(self) -> None:
        while True:
            if not self._queued.wait(WRITER_IDLE):
                with self._lock:
                    if not self._size:  # idle: end, so an unclosed store can be collected
                        self._writer = None
                        return
                continue
            self._due.wait(FLUSH_AFTER)
            if self._closed:
                return
            self._flush_quietly()

    def flush(self) -> None:
        """Write everything queued now, after a write under way (raises what the write
        raises; those rows are dropped)."""
        with self._writing:
            with self._lock:
                pending, self._pending, self._size = self._pending, {}, 0
                self._queued.clear()
                self._due.clear()
            for account, rows in pending.items():
                self._write(account, rows)

    def close(self) -> None:
        """Write what is queued (raises what the write raises) and end the writer thread."""
        with self._lock:
            self._closed = True
            writer, self._writer = self._writer, None
        self._queued.set()
        self._due.set()
        if writer is not None and writer is not threading.current_thread():
            writer.join()
        self.flush()

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
    by_budget: dict[str, list[float]] = {}
    for budget, at in requests:
        by_budget.setdefault(budget, []).append(at)
    record_times(conn, account, by_budget)


def record_times(conn: sqlite3.Connection, account: str, by_budget: dict[str, list[float]]) -> None:
    """Append each budget's request times (epoch seconds); forget those a day older than
    the newest.

    Each budget's times go in one statement, as a JSON array SQLite unpacks
    (``json_each`` reads back exactly the doubles Python wrote), so the writer
    thread holds the GIL for one call per budget instead of one per row, and
    the pacer it shares the GIL with keeps running. Without SQLite's JSON
    functions (or for times JSON cannot carry) the rows go one by one.
    """
    by_budget = {str(budget): [float(at) for at in times] for budget, times in by_budget.items()}
    by_budget = {budget: times for budget, times in by_budget.items() if times}
    if not by_budget:
        return
    newest = max(max(times) for times in by_budget.values())
    with immediate(conn):
        for budget, times in by_budget.items():
            _insert_times(conn, account, budget, times)
        conn.execute(
            "DELETE FROM requests WHERE account = ? AND at < ?", (account, newest - REQUEST_MEMORY)
        )


def _insert_times(conn: sqlite3.Connection, account: str, budget: str, times: list[float]) -> None:
    try:
        packed = json.dumps(times, allow_nan=False)
        conn.execute(
            "INSERT INTO requests (account, budget, at) SELECT ?, ?, value FROM json_each(?)",
            (account, budget, packed),
        )
    except (ValueError, sqlite3.OperationalError) as error:
        if isinstance(error, sqlite3.OperationalError) and "json_each" not in str(error):
            raise  # a real failure; only a SQLite without JSON ("no such table") falls back
        conn.executemany(
            "INSERT INTO requests (account, budget, at) VALUES (?, ?, ?)",
            [(account, budget, at) for at in times],
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
