"""Collections and their items: open or resume, write pages, finish, read back.

Every function takes an open connection and runs its own short transaction.
"""

from __future__ import annotations

import operator
import os
import socket
import sqlite3
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from tgkit.store import _codec, _items
from tgkit.store._owners import Owners
from tgkit.store._records import (
    FINAL_STATUSES,
    ITEM_KEYS,
    Collection,
    CollectionInUse,
    CollectionStatus,
    StoreError,
)
from tgkit.store._schema import immediate

_COLUMNS = (
    "id, account, target, kind, params, status, checkpoint, rows, "
    "created_at, updated_at, error, owner_pid, owner_host"
)
_HOST = socket.gethostname()


def open_collection(
    conn: sqlite3.Connection,
    owners: Owners,
    *,
    account: str,
    target: str,
    kind: str,
    params: Mapping[str, Any],
    resume: bool,
) -> Collection:
    """Resume the newest matching collection (``resume=True``) or start a new one.

    The caller's collector owns what it gets until ``finish``; a collection
    another collector owns (in any process) raises ``CollectionInUse``.
    """
    _check_key(account, target, kind, params)
    key = (account, target.strip(), kind, _codec.canonical(params))
    with immediate(conn):
        row = _newest(conn, key) if resume else None
        if row is not None and row[5] == CollectionStatus.COMPLETE:
            return _collection(row, resumed=True)
        collection_id = _insert(conn, key) if row is None else row[0]
        holder = owners.take(collection_id)
        if holder is not None:
            raise _in_use(row or _select(conn, collection_id), holder)
        try:
            if row is not None:
                conn.execute(
                    "UPDATE collections SET status = 'running', error = NULL, owner_pid = ?, "
                    "owner_host = ?, updated_at = ? WHERE id = ?",
                    (os.getpid(), _HOST, time.time(), collection_id),
                )
            return _collection(_select(conn, collection_id), resumed=row is not None)
        except BaseException:
            owners.release(collection_id)
            raise


def _check_key(account: str, target: str, kind: str, params: Mapping[str, Any]) -> None:
    if not isinstance(account, str) or not account:
        raise ValueError(f"account must be a non-empty string naming the account, got {account!r}")
    if not isinstance(target, str) or not target.strip():
        raise ValueError(f"target must be a non-empty string naming the chat, got {target!r}")
    if kind not in ITEM_KEYS:
        raise ValueError(f"kind must be one of {sorted(ITEM_KEYS)}, got {kind!r}")
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a mapping of the call's arguments, got {params!r}")


def _newest(conn: sqlite3.Connection, key: tuple[str, str, str, str]) -> tuple[Any, ...] | None:
    return conn.execute(
        f"SELECT {_COLUMNS} FROM collections WHERE account = ? AND target = ? AND kind = ? "
        "AND params = ? ORDER BY id DESC LIMIT 1",
        key,
    ).fetchone()


def _insert(conn: sqlite3.Connection, key: tuple[str, str, str, str]) -> int:
    now = time.time()
    cursor = conn.execute(
        "INSERT INTO collections (account, target, kind, params, status, owner_pid, "
        "owner_host, created_at, updated_at) VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?)",
        (*key, os.getpid(), _HOST, now, now),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def _in_use(row: tuple[Any, ...], holder: int) -> CollectionInUse:
    who = f"process {holder}" if holder else "another process"
    if holder == os.getpid():
        who = f"another session or collector in this process ({holder})"
    return CollectionInUse(
        f"Collection {row[0]} ({row[3]} of {row[2]}) is being collected right now by {who}. "
        "Wait for it to finish, stop it, or start a separate collection: pass resume=False "
        "(--no-resume for the tgkit command)."
    )


def effective_status(owners: Owners, collection_id: int, status: str) -> str:
    """``status``, except that a 'running' collection nobody is collecting was interrupted
    (its process was killed or crashed before it could say so)."""
    if status != CollectionStatus.RUNNING or owners.mine(collection_id):
        return status
    return status if owners.held_elsewhere(collection_id) else str(CollectionStatus.INTERRUPTED)


def write_records(
    conn: sqlite3.Connection,
    known: _items.KnownItems,
    collection_id: int,
    records: Sequence[Mapping[str, Any]],
    checkpoint: Mapping[str, Any],
) -> int:
    """Store a page of records and its checkpoint; return how many items were new."""
    collection_id = _whole(collection_id)
    page = _items.page_from_records(_known_kind(conn, known, collection_id), records)
    return _write(conn, known, collection_id, page, checkpoint)


def write_columns(
    conn: sqlite3.Connection,
    known: _items.KnownItems,
    collection_id: int,
    columns: Mapping[str, Sequence[Any]],
    checkpoint: Mapping[str, Any],
) -> int:
    """Store a page given as one list per field and its checkpoint; return new items."""
    collection_id = _whole(collection_id)
    page = _items.page_from_columns(_known_kind(conn, known, collection_id), columns)
    return _write(conn, known, collection_id, page, checkpoint)


def _write(
    conn: sqlite3.Connection,
    known: _items.KnownItems,
    collection_id: int,
    page: _items.Page,
    checkpoint: Mapping[str, Any],
) -> int:
    """The page's new items and the checkpoint, in one transaction."""
    checkpoint_json = _codec.dumps(dict(checkpoint))
    with immediate(conn):
        page_id, new = _items.add_page(conn, known, collection_id, page)
        updated = conn.execute(
            "UPDATE collections SET checkpoint = ?, rows = rows + ?, updated_at = ? "
            "WHERE id = ? AND status = 'running'",
            (checkpoint_json, len(new), time.time(), collection_id),
        ).rowcount
        if updated != 1:
            status = _select(conn, collection_id)[5]
            raise StoreError(
                f"Collection {collection_id} is {status}; pages can only be written to a "
                "running collection. Open it again with open_collection(..., resume=True)."
            )
    if new:
        known.added(collection_id, page_id, new)
    return len(new)


def _refuse_unless_mine(conn: sqlite3.Connection, owners: Owners, collection_id: int) -> None:
    """``CollectionInUse`` when another collector owns the collection (cheap when we do).

    Finishing needs ownership; writing a page does not (ownership is taken by
    ``open_collection``, and a page written twice changes nothing)."""
    if not owners.mine(collection_id) and owners.held_elsewhere(collection_id):
        raise _in_use(_select(conn, collection_id), 0)


def _kind_of(conn: sqlite3.Connection, collection_id: int) -> str:
    return _select(conn, collection_id)[3]


def _known_kind(conn: sqlite3.Connection, known: _items.KnownItems, collection_id: int) -> str:
    kind = known.kinds.get(collection_id)
    if kind is None:
        kind = known.kinds[collection_id] = _kind_of(conn, collection_id)
    return kind


def finish(
    conn: sqlite3.Connection,
    owners: Owners,
    collection_id: int,
    status: str,
    error: str | None,
    attrs: Mapping[str, Any] | None,
) -> None:
    """Mark a collection complete, interrupted or failed, with its error and frame attrs.

    A complete collection stays complete (a collector that lost a race cannot
    downgrade it); the owner's hold ends here.
    """
    collection_id = _whole(collection_id)
    _refuse_unless_mine(conn, owners, collection_id)
    if status not in FINAL_STATUSES:
        raise ValueError(
            f"status must be one of {sorted(str(s) for s in FINAL_STATUSES)}, got {status!r}"
        )
    attrs_json = None if attrs is None else _codec.dumps(dict(attrs))
    with immediate(conn):
        if _select(conn, collection_id)[5] != CollectionStatus.COMPLETE or status == "complete":
            conn.execute(
                "UPDATE collections SET status = ?, error = ?, attrs = COALESCE(?, attrs), "
                "owner_pid = NULL, owner_host = NULL, updated_at = ? WHERE id = ?",
                (str(status), error, attrs_json, time.time(), collection_id),
            )
    owners.release(collection_id)


def get(conn: sqlite3.Connection, collection_id: int) -> Collection:
    """The collection with this id, as it stands now."""
    collection_id = _whole(collection_id)
    return _collection(_select(conn, collection_id), resumed=False)


def records(conn: sqlite3.Connection, collection_id: int) -> list[dict[str, Any]]:
    """All items of a collection, in the order they were first written."""
    collection_id = _whole(collection_id)
    _select(conn, collection_id)
    return _items.records(conn, collection_id)


def attrs(conn: sqlite3.Connection, collection_id: int) -> dict[str, Any]:
    """The attrs ``finish`` stored (``{}`` before that)."""
    collection_id = _whole(collection_id)
    _select(conn, collection_id)
    row = conn.execute("SELECT attrs FROM collections WHERE id = ?", (collection_id,)).fetchone()
    return _codec.loads(row[0])


def all_collections(conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
    """Every collection as (id, account, target, kind, params, status, rows, created_at,
    updated_at, error), oldest first."""
    return conn.execute(
        "SELECT id, account, target, kind, params, status, rows, created_at, updated_at, error "
        "FROM collections ORDER BY id"
    ).fetchall()


def _select(conn: sqlite3.Connection, collection_id: int) -> tuple[Any, ...]:
    collection_id = _whole(collection_id)
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM collections WHERE id = ?", (collection_id,)
    ).fetchone()
    if row is None:
        raise StoreError(
            f"There is no collection {collection_id} in this store; "
            "store.collections() lists the ones there are."
        )
    return row


def _whole(collection_id: object) -> int:
    """The id as an int: any integral number (NumPy's, from a frame, too), never a bool."""
    if not isinstance(collection_id, bool) and type(collection_id).__name__ != "bool_":
        try:
            return operator.index(collection_id)  # type: ignore[arg-type]
        except TypeError:
            pass
    raise TypeError(f"collection_id must be a whole number, got {collection_id!r}")


def _collection(row: tuple[Any, ...], *, resumed: bool) -> Collection:
    return Collection(
        id=row[0],
        account=row[1],
        target=row[2],
        kind=row[3],
        params=_codec.loads(row[4]),
        status=CollectionStatus(row[5]),
        checkpoint=_codec.loads(row[6]),
        rows=row[7],
        created_at=datetime.fromtimestamp(row[8], UTC),
        updated_at=datetime.fromtimestamp(row[9], UTC),
        resumed=resumed,
        error=row[10],
    )
