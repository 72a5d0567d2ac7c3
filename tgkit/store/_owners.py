"""Who is collecting a collection right now: one OS lock per collection and collector.

A collection is owned by the collector that opened it (one
``Store.open_collection`` call), not by a process: two sessions in one
process collecting the same target are two collectors, and the second is
refused. Ownership is an exclusive ``fcntl.flock`` on
``<store>.locks/<collection id>.lock``, taken on its own open file, so it
conflicts within a process as well as across processes, and the OS drops it
when the owner's process dies (SIGKILL included). A dead run's ownership is
therefore never inherited through pid reuse, and a collection still marked
``running`` whose lock nobody holds was interrupted.

The lock files stay (a few bytes each): deleting a lock file races a
collector that opened it a moment before.

>>> owners = Owners(tmp_path / "tgkit.db")  # doctest: +SKIP
>>> owners.take(3); owners.held_elsewhere(3), owners.mine(3)  # doctest: +SKIP
(False, True)
"""

from __future__ import annotations

import os
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks
    fcntl = None  # type: ignore[assignment]

__all__ = ["Owners"]


class Owners:
    """The collection locks one ``Store`` holds, and probes of everyone else's."""

    def __init__(self, store_path: Path) -> None:
        self.folder = store_path.with_name(store_path.name + ".locks")
        self._held: dict[int, int] = {}  # collection id -> descriptor holding its lock

    def take(self, collection_id: int) -> int | None:
        """Own the collection; None on success, else the holder's pid (0 if unknown)."""
        if collection_id in self._held:
            return _holder(self._held[collection_id])  # this Store's other collector
        if fcntl is None:
            return None
        self.folder.mkdir(mode=0o700, exist_ok=True)
        fd = os.open(self._file(collection_id), os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = _holder(fd)
            os.close(fd)
            return holder
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._held[collection_id] = fd
        return None

    def mine(self, collection_id: int) -> bool:
        """Whether a collector of this Store owns the collection."""
        return collection_id in self._held

    def release(self, collection_id: int) -> None:
        """Let the collection go (after it finished)."""
        fd = self._held.pop(collection_id, None)
        if fd is not None:
            os.close(fd)

    def release_all(self) -> None:
        """Let every collection this Store owns go (it is closing)."""
        for collection_id in list(self._held):
            self.release(collection_id)

    def held_elsewhere(self, collection_id: int) -> bool:
        """Whether a live collector other than this Store's holds the collection."""
        if collection_id in self._held or fcntl is None:
            return False
        try:
            fd = os.open(self._file(collection_id), os.O_RDONLY)
        except OSError:
            return False  # never locked here (or unreadable): nobody holds it
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return True
        finally:
            os.close(fd)
        return False

    def _file(self, collection_id: int) -> Path:
        return self.folder / f"{collection_id}.lock"


def _holder(fd: int) -> int:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return 0
    return int(text) if text.isdigit() else 0
