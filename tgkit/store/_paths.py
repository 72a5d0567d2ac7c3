"""Where the store lives by default, creating its file privately, and checking a file
is a sound SQLite file before anything writes to it."""

from __future__ import annotations

import os
from pathlib import Path

STORE_FILE_NAME = "tgkit.db"


def default_store_path(session_dir: str | os.PathLike[str] | None = None) -> Path:
    """The store file a session uses unless told otherwise.

    ``session_dir/tgkit.db`` when a session directory is given, else
    ``$XDG_DATA_HOME/tgkit/tgkit.db`` (``~/.local/share/tgkit/tgkit.db``).

    >>> default_store_path("/data/sessions")
    PosixPath('/data/sessions/tgkit.db')
    """
    if session_dir is not None:
        return Path(session_dir).expanduser() / STORE_FILE_NAME
    xdg = os.environ.get("XDG_DATA_HOME", "")
    # The XDG spec says relative values are invalid and must be ignored.
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".local" / "share"
    return base / "tgkit" / STORE_FILE_NAME


DEFAULT_STORE_PATH = default_store_path()


def create_private_file(path: Path) -> None:
    """Make ``path`` (and its parent folders) if missing, readable by its owner only.

    SQLite gives its ``-wal`` and ``-shm`` files the main file's mode, so they
    are private too.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)


_HEADER = b"SQLite format 3\x00"


def check_store_file(path: Path) -> None:
    """Refuse, before SQLite writes anything, a store path that is not a sound SQLite file.

    A folder, an unreadable file, a file that is not SQLite (wrong header) or
    one shorter than its header says (truncated) raises ``StoreError`` naming
    the path and what to do; a missing or empty file is fine (a new store).
    Reads 100 bytes; never writes.
    """
    from tgkit.store._records import StoreError

    if path.is_dir():
        raise StoreError(
            f"The store path {path} is a folder; pass a file path such as {path / STORE_FILE_NAME}."
        )
    try:
        size = path.stat().st_size
        with path.open("rb") as file:
            header = file.read(100)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StoreError(f"The store {path} cannot be read ({exc.strerror}).") from None
    if size == 0:
        return
    if not header.startswith(_HEADER) or len(header) < 100:
        raise _damaged(path, "it is not an SQLite file")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    counter_valid = header[24:28] == header[92:96]
    if page_size < 512 or page_size & (page_size - 1):
        raise _damaged(path, "its header is damaged")
    wal = path.with_name(path.name + "-wal")
    pending = wal.exists() and wal.stat().st_size > 0  # the log may hold the missing pages
    if counter_valid and pages and size < pages * page_size and not pending:
        raise _damaged(path, f"it is truncated: {size:,} of {pages * page_size:,} bytes")


def _damaged(path: Path, why: str) -> Exception:
    from tgkit.store._records import StoreError

    return StoreError(
        f"The store {path} is damaged or not an SQLite file ({why}); tgkit did not touch "
        "it. Move it aside (earlier collections may be recoverable with `sqlite3 .recover`) "
        "and let tgkit create a new one, or pass another path."
    )
