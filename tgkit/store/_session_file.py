"""One client per Telethon session file, across processes: an OS lock beside the file.

Two processes on one Telethon session corrupt its auth state on a real
account. ``SessionLock(path)`` holds ``path + ".lock"`` with ``fcntl.flock``
for as long as the client lives; the OS releases it when the process ends,
however it ends (SIGKILL included), so a dead run never blocks the next. The
holder writes its pid into the lock file, so the error can name it.

``check_session_file_free`` also probes the SQLite file itself, for clients
that do not take the lock (a plain Telethon script), and refuses a file that
is not a SQLite database with a message naming the file and what to do.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from tgkit.errors import NotAuthorized, SessionInUse

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, the probe still runs
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "SessionLock",
    "check_session_file_free",
    "session_file_corrupt_error",
    "session_in_use_error",
]


def session_in_use_error(path: str | os.PathLike[str], pid: int | None = None) -> SessionInUse:
    """The error to raise when another process or client holds the session file ``path``."""
    who = f"process {pid}" if pid else "another process or client"
    return SessionInUse(
        f"The Telegram session file {Path(path)} is in use by {who} (another notebook, "
        "script or kernel). Close that notebook or process first, or use another session "
        "name here: one session file serves one client at a time."
    )


def session_file_corrupt_error(path: str | os.PathLike[str], why: str) -> NotAuthorized:
    """The error to raise when the session file ``path`` is not a readable session."""
    return NotAuthorized(
        f"The Telegram session file {Path(path)} cannot be read ({why}): it is damaged or "
        "not a session file. Move it aside and log in again (`tgkit login`, or "
        "session.login() in a notebook); nothing was sent to Telegram."
    )


class SessionLock:
    """An exclusive, process-lifetime lock on ``session_path + ".lock"``.

    >>> lock = SessionLock(tmp_path / "research.session")  # doctest: +SKIP
    >>> lock.acquire(); ...; lock.release()  # doctest: +SKIP
    """

    def __init__(self, session_path: str | os.PathLike[str]) -> None:
        self.session_path = Path(session_path)
        self.path = self.session_path.with_name(self.session_path.name + ".lock")
        self._fd: int | None = None

    def __repr__(self) -> str:
        state = "held" if self._fd is not None else "free"
        return f"SessionLock({str(self.path)!r}, {state})"

    @property
    def held(self) -> bool:
        """Whether this object holds the lock (always False where flock is missing)."""
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock, or raise ``SessionInUse`` naming the holder's pid."""
        if self._fd is not None or fcntl is None:
            return
        fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = _read_pid(fd)
            os.close(fd)
            raise session_in_use_error(self.session_path, holder) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        """Let the file go (the lock file stays: removing it would race a new holder)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
        finally:
            os.close(fd)  # closing the descriptor releases the flock


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def check_session_file_free(path: str | os.PathLike[str], *, timeout: float = 0.1) -> None:
    """Raise :class:`tgkit.errors.SessionInUse` if another process holds a write lock on
    the Telethon SQLite session file ``path``; return quietly if it is free or absent.

    Probes with ``BEGIN IMMEDIATE`` (given up after ``timeout`` seconds) and
    rolls back at once, so it changes nothing. Also finds ``path + ".session"``,
    as Telethon does. A file that is not a SQLite database raises
    :class:`tgkit.errors.NotAuthorized` naming it.

    >>> check_session_file_free("/nonexistent/research.session")  # absent: free
    """
    file = Path(path).expanduser()
    if not file.exists() and file.suffix != ".session":
        file = file.with_name(file.name + ".session")
    if not file.exists():
        return
    if file.is_dir():
        raise session_file_corrupt_error(file, "it is a folder")
    uri = file.resolve().as_uri() + "?mode=rw"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)
    except sqlite3.OperationalError:
        return  # unreadable here: Telethon will report it in its own words
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        conn.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc).lower() or "busy" in str(exc).lower():
            raise session_in_use_error(file) from exc
        raise
    except sqlite3.DatabaseError as exc:
        raise session_file_corrupt_error(file, str(exc)) from None
    finally:
        conn.close()
