"""Bringing a store written by an older tgkit up to the current schema.

Schema 1 kept one row per item (``items``: key text and record JSON); schema 2
keeps pages of records with their items' keys. Upgrading moves each
collection's items, in their order, into pages of records; nothing is
re-encoded, so every record reads back exactly as before. Schema 3 stores new
pages of plain values as pickle bytes and reads schema 2's JSON pages as they
are: nothing to move.
"""

from __future__ import annotations

import logging
import sqlite3

from tgkit.store import _items, _pages

log = logging.getLogger(__name__)

_PAGE_ROWS = 1000


def upgrade(conn: sqlite3.Connection, version: int) -> None:
    """Upgrade from ``version`` inside the caller's transaction."""
    if version == 1:
        _items_into_pages(conn)


def _items_into_pages(conn: sqlite3.Connection) -> None:
    collections = [row[0] for row in conn.execute("SELECT DISTINCT collection_id FROM items")]
    for collection_id in collections:
        items = conn.execute(
            "SELECT item_key, record FROM items WHERE collection_id = ? ORDER BY seq",
            (collection_id,),
        ).fetchall()
        for start in range(0, len(items), _PAGE_ROWS):
            chunk = items[start : start + _PAGE_ROWS]
            conn.execute(
                "INSERT INTO pages (collection_id, keys, body) VALUES (?, ?, ?)",
                (
                    collection_id,
                    _items.encode_keys([_key(item_key) for item_key, _ in chunk]),
                    _pages.records_page([record for _, record in chunk]),
                ),
            )
    conn.execute("DROP TABLE items")
    log.info("upgraded the store's %d collections to schema 2", len(collections))


def _key(item_key: str) -> int | tuple[int, int]:
    """Schema 1's "user_id" or "chat_id:message_id" as a key of schema 2."""
    key, _, subkey = item_key.partition(":")
    return (int(key), int(subkey)) if subkey else int(key)
