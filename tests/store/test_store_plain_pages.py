"""Pages of plain values are stored as pickle bytes (cheaper than JSON to write and
read) and read back without running code; other pages stay JSON; a schema-2 store's
JSON pages still read, read-only too."""

from __future__ import annotations

import pickle
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from store_pages import member_page

from tgkit.store import Store, StoreError

MEMBERS = {"account": "acct", "target": "@g", "kind": "members", "params": {}}


def _body_types(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [kind for (kind,) in conn.execute("SELECT typeof(body) FROM pages ORDER BY id")]


def test_plain_pages_are_pickle_bytes_others_json_and_all_read_back_exactly(
    store: Store, db_path: Path
) -> None:
    c = store.open_collection(**MEMBERS)
    plain = member_page(0)  # ints, texts, booleans, None and UTC dates (stored as numbers)
    nested = [{"user_id": 10_000 + n, "tags": [n, "x"]} for n in range(3)]
    zoned = [{"user_id": 20_000, "seen": datetime(2024, 5, 1, tzinfo=timezone(timedelta(hours=2)))}]
    for number, page in enumerate((plain, nested, zoned)):
        store.write_page(c.id, page, checkpoint={"n": number})

    assert _body_types(db_path) == ["blob", "text", "text"]
    back = store.records(c.id)
    assert repr(back) == repr(plain + nested + zoned)


class _Runs:
    """Unpickling this would call print: a page from elsewhere must never do that."""

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (print, ("code ran while reading the store",))


def test_a_page_that_names_a_class_or_function_is_refused_and_nothing_runs(
    store: Store, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    c = store.open_collection(**MEMBERS)
    store.write_page(c.id, member_page(0, size=3), checkpoint={})
    body = pickle.dumps({"rows": 1, "columns": {"user_id": [_Runs()]}}, protocol=5)
    with sqlite3.connect(db_path) as conn:
        conn.execute(
            "INSERT INTO pages (collection_id, keys, body) VALUES (?, '[999]', ?)", (c.id, body)
        )

    with pytest.raises(StoreError, match=r"cannot be read .*builtins\.print.*not written by"):
        store.records(c.id)
    assert "code ran" not in capsys.readouterr().out


def test_a_schema_2_store_reads_its_json_pages_also_read_only(db_path: Path) -> None:
    page = [{"user_id": 10_000 + n, "tags": [n]} for n in range(3)]  # nested: a JSON page
    with Store(db_path) as store:
        c = store.open_collection(**MEMBERS)
        store.write_page(c.id, page, checkpoint={})
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE tgkit_meta SET value = '2' WHERE key = 'schema_version'")

    with Store(db_path, read_only=True) as store:
        assert store.records(c.id) == page
    with Store(db_path) as store:  # opened to write: upgraded to schema 3, nothing moved
        assert store.records(c.id) == page
        store.write_page(c.id, member_page(0, size=2), checkpoint={})
        assert store.count(c.id) == 5
    assert _body_types(db_path) == ["text", "blob"]
