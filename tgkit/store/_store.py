"""``Store``: one SQLite file holding collections, pacing state and the entity cache."""

from __future__ import annotations

import dataclasses
import logging
import os
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from tgkit.store import _collections, _entities, _items, _pacing
from tgkit.store._owners import Owners
from tgkit.store._paths import check_store_file, create_private_file
from tgkit.store._records import Collection, CollectionStatus, EntityRecord, StoreError
from tgkit.store._schema import check_existing, connect, connect_read_only, translate_errors

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")
_SYNCHRONOUS = ("NORMAL", "FULL")


#: Store files this process has open, with how many Stores. SQLite locks a file with
#: POSIX locks, which closing *any* descriptor of the file drops for the whole
#: process: so a file already open here is never opened and closed again by hand
#: (checks, creation), or another process could checkpoint under our feet.
_OPEN_FILES: Counter[Path] = Counter()
#: Held while a Store checks, creates and connects its file and counts it, so that a
#: Store opened by another thread (the notebook's kernel thread beside the session's
#: loop thread) never reads the file by hand while this one is connecting.
_OPEN_FILES_LOCK = threading.Lock()


def _connect(
    path: Path, busy_timeout: float, synchronous: str, read_only: bool
) -> sqlite3.Connection:
    first = _OPEN_FILES[path.resolve()] == 0
    if first:
        check_store_file(path)
    if read_only:
        return connect_read_only(path, busy_timeout=busy_timeout)
    if first:
        check_existing(path)
        _create(path)
    return connect(path, busy_timeout=busy_timeout, synchronous=synchronous)


def check_store_path(path: str | os.PathLike[str]) -> None:
    """Raise ``StoreError`` now if ``Store(path)`` would refuse the path: a folder, a
    damaged or foreign file, a file or folder that cannot be written. Opens nothing
    read-write and creates nothing, so it is safe beside a running writer."""
    path = Path(path).expanduser()
    with _OPEN_FILES_LOCK:
        if _OPEN_FILES[path.resolve()]:
            return
        check_store_file(path)
        check_existing(path)
    where = path if path.exists() else path.parent
    while not where.exists() and where != where.parent:
        where = where.parent
    if not os.access(where, os.W_OK):
        raise StoreError(
            f"The store {path} cannot be opened for writing (read-only file or folder). To "
            "read it, open it with Store(path, read_only=True) (`tgkit collections` and "
            "`tgkit export` do); to collect, pass a writable store path."
        )


def _create(path: Path) -> None:
    try:
        create_private_file(path)
    except OSError as exc:
        raise StoreError(
            f"The store {path} cannot be opened for writing ({exc.strerror}). To read it, "
            "open it with Store(path, read_only=True) (`tgkit collections` and `tgkit export` "
            "do); to collect, pass a writable store path."
        ) from None


class Store:
    """The local result store: every page a collection receives, committed before it
    counts, so nothing collected is lost and a re-run resumes.

    One connection, shared safely by the threads of one process (a lock
    serialises calls). Other processes may open the same file: writers then
    take turns, waiting up to ``busy_timeout`` seconds. ``synchronous="FULL"``
    also keeps the last commits through a power cut, at some cost in speed.
    ``read_only=True`` opens an existing store for listing and reading only
    (a read-only share, a copy someone sent): nothing is created or written.
    A damaged file, or one that is not a tgkit store, is refused untouched.

    >>> with Store(tmp_path / "tgkit.db") as store:  # doctest: +SKIP
    ...     c = store.open_collection(account="me", target="@group", kind="members", params={})
    ...     store.write_page(c.id, [{"user_id": 1, "username": "ada"}], checkpoint={"offset": 1})
    ...     store.finish(c.id, "complete")
    1
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        busy_timeout: float = 30.0,
        synchronous: str = "NORMAL",
        read_only: bool = False,
    ) -> None:
        if not isinstance(busy_timeout, int | float) or busy_timeout < 0:
            raise ValueError(f"busy_timeout must be a number of seconds >= 0, got {busy_timeout!r}")
        if not isinstance(read_only, bool):
            raise TypeError(f"read_only must be True or False, got {read_only!r}")
        if synchronous not in _SYNCHRONOUS:
            raise ValueError(f"synchronous must be one of {_SYNCHRONOUS}, got {synchronous!r}")
        self._path = Path(path).expanduser()
        self._busy_timeout = float(busy_timeout)
        self._lock = threading.Lock()
        self._known = _items.KnownItems()
        self._owners = Owners(self._path.absolute())
        self._read_only = read_only is True
        self._requests = _pacing.RequestBuffer(self._write_requests)
        self._key = self._path.resolve()
        with _OPEN_FILES_LOCK:
            self._conn: sqlite3.Connection | None = _connect(
                self._path, self._busy_timeout, synchronous, self._read_only
            )
            _OPEN_FILES[self._key] += 1
        logger.debug("opened store %s", self._path)

    @property
    def path(self) -> Path:
        """The store's file."""
        return self._path

    def __repr__(self) -> str:
        return f"Store({str(self._path)!r})"

    def close(self) -> None:
        """Close the file. Safe to call twice."""
        try:
            self._requests.close()
        except Exception as error:
            logger.warning("could not save pacing state (record_requests): %s", error)
        with self._lock, _OPEN_FILES_LOCK:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
                _OPEN_FILES[self._key] -= 1
            self._owners.release_all()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _call(
        self,
        func: Callable[Concatenate[sqlite3.Connection, P], R],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> R:
        with self._lock, translate_errors(self._path, self._busy_timeout):
            if self._conn is None:
                raise StoreError(f"The store {self._path} is closed; open a new Store.")
            return func(self._conn, *args, **kwargs)

    # collections ------------------------------------------------------------

    def open_collection(
        self,
        *,
        account: str,
        target: str,
        kind: str,
        params: Mapping[str, Any],
        resume: bool = True,
    ) -> Collection:
        """The collection to write into for (account, target, kind, params).

        With ``resume=True`` the newest collection with the same key is
        returned with ``resumed=True``: a complete one as it is (its frame is
        the answer; no new requests are needed), any other reopened as
        ``running`` with its checkpoint. With ``resume=False``, or when there
        is none, a new empty collection starts. Raises :class:`CollectionInUse`
        if another live process is collecting into it.

        >>> c = store.open_collection(account="me", target="@g", kind="members",  # doctest: +SKIP
        ...                           params={"max_members": None})
        """
        return self._call(
            _collections.open_collection,
            self._owners,
            account=account,
            target=target,
            kind=kind,
            params=params,
            resume=resume,
        )

    def write_page(
        self,
        collection_id: int,
        records: Sequence[Mapping[str, Any]],
        *,
        checkpoint: Mapping[str, Any],
    ) -> int:
        """Store a page of records and the checkpoint after it, in one transaction.

        Items are keyed (members by ``user_id``, messages by ``chat_id`` and
        ``message_id``); an item already stored keeps its first record and
        place, so writing a page again changes nothing. ``checkpoint``
        replaces the previous one. Returns how many records were new.

        >>> store.write_page(c.id, [{"user_id": 7}], checkpoint={"offset": 200})  # doctest: +SKIP
        1
        """
        return self._call(
            _collections.write_records,
            self._known,
            collection_id,
            records,
            checkpoint,
        )

    def write_columns(
        self,
        collection_id: int,
        columns: Mapping[str, Sequence[Any]],
        *,
        checkpoint: Mapping[str, Any],
    ) -> int:
        """:meth:`write_page` for a page given as one list per field (the cheaper form).

        Every column holds one value per record; ``records()`` later gives back
        ``{name: value}`` dicts with the fields in the columns' order.

        >>> page = {"user_id": [7, 9], "username": ["ada", None]}
        >>> store.write_columns(c.id, page, checkpoint={"offset": 200})  # doctest: +SKIP
        2
        """
        return self._call(
            _collections.write_columns,
            self._known,
            collection_id,
            columns,
            checkpoint,
        )

    def finish(
        self,
        collection_id: int,
        status: str,
        *,
        error: str | None = None,
        attrs: Mapping[str, Any] | None = None,
    ) -> None:
        """Mark a collection ``complete``, ``interrupted`` or ``failed``.

        ``attrs`` (JSON-able, datetimes allowed) become the frame's ``attrs``;
        ``None`` keeps those stored before.

        >>> store.finish(c.id, "failed", error="FloodWait: 3600 s")  # doctest: +SKIP
        """
        self._call(_collections.finish, self._owners, collection_id, status, error, attrs)

    def collection(self, collection_id: int) -> Collection:
        """The collection with this id as it stands now (``resumed`` is False)."""
        collection = self._call(_collections.get, collection_id)
        status = _collections.effective_status(self._owners, collection.id, collection.status)
        return dataclasses.replace(collection, status=CollectionStatus(status))

    def records(self, collection_id: int) -> list[dict[str, Any]]:
        """The collection's records in the order first written, exactly as written."""
        return self._call(_collections.records, collection_id)

    def count(self, collection_id: int) -> int:
        """How many items the collection holds."""
        return self.collection(collection_id).rows

    def attrs(self, collection_id: int) -> dict[str, Any]:
        """The attrs the collection's last run stored (``{}`` before any)."""
        return dict(self._call(_collections.attrs, collection_id))

    def frame(self, collection_id: int) -> pd.DataFrame:
        """The collection's rows as the same typed DataFrame a live run returns.

        ``attrs`` are those given to ``finish`` plus ``collection_id`` and
        ``status``; works for partial (running, interrupted, failed) ones too.
        """
        from tgkit.frames import frame_from_records

        with self._lock, translate_errors(self._path, self._busy_timeout):
            conn = self._require_open()
            collection = _collections.get(conn, collection_id)
            records = _collections.records(conn, collection_id)
            attrs = _collections.attrs(conn, collection_id)
        status = _collections.effective_status(self._owners, collection.id, collection.status)
        attrs |= {"collection_id": collection.id, "status": str(status)}
        return frame_from_records(collection.kind, records, attrs)

    def collections(self) -> pd.DataFrame:
        """Every collection in the store, oldest first: id, account, target, kind,
        params (canonical JSON), status, rows, created_at, updated_at, error.

        A collection still marked running that no live collector holds (its
        process was killed) shows as interrupted."""
        from tgkit.store._tables import COLLECTION_COLUMNS, table

        rows = [
            (*row[:5], _collections.effective_status(self._owners, row[0], row[5]), *row[6:])
            for row in self._call(_collections.all_collections)
        ]
        return table(rows, COLLECTION_COLUMNS)

    def _require_open(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"The store {self._path} is closed; open a new Store.")
        return self._conn

    # pacing state -----------------------------------------------------------

    def save_flood_wait(self, account: str, request_type: str, until: float) -> None:
        """Remember a flood wait: ``request_type`` is blocked until ``until`` (epoch s)."""
        self._call(_pacing.save_flood_wait, account, request_type, until)

    def flood_waits(self, account: str, *, now: float | None = None) -> dict[str, float]:
        """Flood waits of ``account`` still in force: request type → epoch seconds."""
        return self._call(_pacing.flood_waits, account, time.time() if now is None else now)

    def record_requests(self, account: str, requests: Sequence[tuple[str, float]]) -> None:
        """Append (budget name, epoch seconds) pairs sent by ``account``; a day is kept.

        Written within ``FLUSH_AFTER`` seconds in one transaction with the others
        (see ``tgkit.store._pacing``), not one transaction per call; this
        store's own reads and ``close()`` see them at once."""
        if self._read_only:
            self._call(_pacing.record_requests, account, requests)  # fails now, as a write does
            return
        self._requests.add(account, requests)

    def recent_requests(self, account: str, since: float) -> list[tuple[str, float]]:
        """(budget name, epoch seconds) of ``account``'s requests since ``since``."""
        self._requests.flush()
        return self._call(_pacing.recent_requests, account, since)

    def _write_requests(self, account: str, by_budget: dict[str, list[float]]) -> None:
        self._call(_pacing.record_times, account, by_budget)

    # entity cache -----------------------------------------------------------

    def save_entities(self, account: str, entities: Iterable[EntityRecord]) -> None:
        """Cache what ``account`` has seen; upsert by (kind, id), usernames move."""
        self._call(_entities.save_entities, account, entities)

    def find_entity(
        self,
        account: str,
        *,
        id: int | None = None,
        username: str | None = None,
        kind: str | None = None,
        max_age: float | None = None,
    ) -> EntityRecord | None:
        """A cached entity by id or username (any case, ``@`` optional), seen within
        ``max_age`` seconds if given; the most recently seen if several match.

        >>> store.find_entity("me", username="@TgKit_Demo")  # doctest: +SKIP
        EntityRecord(kind='channel', id=1234567890, ...)
        """
        if id is None and username is None:
            raise ValueError("find_entity needs id= or username= (or both)")
        return self._call(
            _entities.find_entity, account, id=id, username=username, kind=kind, max_age=max_age
        )

    def entities(self, account: str) -> pd.DataFrame:
        """``account``'s entity cache: kind, id, access_hash, username, title, seen_at."""
        from tgkit.store._tables import ENTITY_COLUMNS, table

        return table(self._call(_entities.entity_rows, account), ENTITY_COLUMNS)
