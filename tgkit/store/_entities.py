"""The entity cache: what an account has seen (id, access hash, username), so a
username is resolved once, not once per run, and ids stay addressable."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from typing import Any

from tgkit.store._records import EntityRecord
from tgkit.store._schema import immediate

_COLUMNS = "kind, id, access_hash, username, title, seen_at"


def username_key(username: str) -> str:
    """Usernames compare case-insensitively and without a leading ``@``."""
    return username.strip().removeprefix("@").lower()


def save_entities(conn: sqlite3.Connection, account: str, entities: Iterable[EntityRecord]) -> None:
    """Upsert by (account, kind, id). A username now held by this entity is taken from
    any other entity that had it (usernames move). A None access hash keeps the known one."""
    batch = list(entities)
    for entity in batch:
        if not isinstance(entity, EntityRecord):
            raise TypeError(f"entities must be EntityRecord objects, got {type(entity).__name__}")
    with immediate(conn):
        for entity in batch:
            _save_one(conn, account, entity)


def _save_one(conn: sqlite3.Connection, account: str, entity: EntityRecord) -> None:
    key = username_key(entity.username) if entity.username else None
    if key is not None:
        conn.execute(
            "UPDATE entities SET username = NULL, username_key = NULL "
            "WHERE account = ? AND username_key = ? AND NOT (kind = ? AND id = ?)",
            (account, key, entity.kind, entity.id),
        )
    conn.execute(
        "INSERT INTO entities (account, kind, id, access_hash, username, username_key, title, "
        "seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (account, kind, id) DO UPDATE SET "
        "access_hash = COALESCE(excluded.access_hash, access_hash), username = excluded.username, "
        "username_key = excluded.username_key, title = excluded.title, "
        "seen_at = MAX(seen_at, excluded.seen_at)",
        (
            account,
            entity.kind,
            entity.id,
            entity.access_hash,
            entity.username,
            key,
            entity.title,
            float(entity.seen_at),
        ),
    )


def find_entity(
    conn: sqlite3.Connection,
    account: str,
    *,
    id: int | None,
    username: str | None,
    kind: str | None,
    max_age: float | None,
) -> EntityRecord | None:
    """The most recently seen entity matching every given criterion, or None."""
    clauses: list[str] = ["account = ?"]
    args: list[object] = [account]
    for column, value in (
        ("id", id),
        ("username_key", username and username_key(username)),
        ("kind", kind),
    ):
        if value is not None:
            clauses.append(f"{column} = ?")
            args.append(value)
    if max_age is not None:
        clauses.append("seen_at >= ?")
        args.append(time.time() - max_age)
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM entities WHERE {' AND '.join(clauses)} "
        "ORDER BY seen_at DESC LIMIT 1",
        args,
    ).fetchone()
    return None if row is None else EntityRecord(*row)


def entity_rows(conn: sqlite3.Connection, account: str) -> list[tuple[Any, ...]]:
    """Every cached entity of ``account`` as (kind, id, access_hash, username, title, seen_at)."""
    return conn.execute(
        f"SELECT {_COLUMNS} FROM entities WHERE account = ? ORDER BY kind, id", (account,)
    ).fetchall()
