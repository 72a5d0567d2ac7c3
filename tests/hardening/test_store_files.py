"""Stores on a bad day: read-only, damaged, a folder, a full disk (issue 14, defects 7-8).

A read-only store can be listed and read (``Store(path, read_only=True)``);
a damaged or foreign file is refused with a message naming it and is never
written; a full disk is a clear ``StoreError`` and keeps what was committed.
The read-only and full-disk rows need a small tmpfs (root); they skip, with
the reason, where the machine does not allow mounting one.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest
from hardening_helpers import remount_read_only, tmpfs

from tgkit.store import Store, StoreError

MEMBERS = {"account": "acct", "target": "@g", "kind": "members", "params": {}}


def _page(start: int, size: int = 200) -> list[dict]:
    return [{"user_id": n, "username": f"user{n}", "first_name": "x" * 40} for n in
            range(start, start + size)]


def _filled(path: Path) -> None:
    with Store(path) as store:
        c = store.open_collection(**MEMBERS)
        store.write_page(c.id, _page(1), checkpoint={"n": 1})
        store.finish(c.id, "complete")


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir()) if p.is_file()
    }


def test_a_read_only_store_is_listed_and_read(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "share") as share:
        _filled(share / "tgkit.db")
        remount_read_only(share)
        before = _digest(share)
        with Store(share / "tgkit.db", read_only=True) as store:
            assert store.collections()["status"].tolist() == ["complete"]
            assert len(store.frame(1)) == 200 and store.count(1) == 200
            with pytest.raises(StoreError, match="read-only"):
                store.open_collection(**{**MEMBERS, "target": "@other"})
        with pytest.raises(StoreError):  # read-write is refused clearly, not a traceback
            Store(share / "tgkit.db")
        assert _digest(share) == before


def test_read_only_needs_an_existing_store(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no store"):
        Store(tmp_path / "absent.db", read_only=True)
    assert not (tmp_path / "absent.db").exists()
    with pytest.raises(TypeError, match="read_only"):
        Store(tmp_path / "x.db", read_only="yes")  # type: ignore[arg-type]


def _garbage(path: Path) -> None:
    path.write_bytes(b"not a database at all\n" * 300)


def _truncated(path: Path) -> None:
    _filled(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _bad_header(path: Path) -> None:
    _filled(path)
    data = bytearray(path.read_bytes())
    data[16:18] = b"\x00\x03"  # a page size that is not a power of two
    path.write_bytes(bytes(data))


def _foreign(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
    conn.close()


@pytest.mark.parametrize("spoil", [_garbage, _truncated, _bad_header, _foreign])
@pytest.mark.parametrize("read_only", [False, True])
def test_a_damaged_or_foreign_store_is_refused_and_never_written(
    tmp_path: Path, spoil, read_only: bool
) -> None:
    path = tmp_path / "tgkit.db"
    spoil(path)
    before = _digest(tmp_path)
    with pytest.raises(StoreError) as caught:
        Store(path, read_only=read_only)
    assert str(path) in str(caught.value)
    assert _digest(tmp_path) == before


def test_a_folder_is_not_a_store(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a folder"):
        Store(tmp_path)


def test_a_full_disk_is_a_store_error_and_keeps_what_was_committed(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "small", size="400k") as small:
        committed = 0
        with Store(small / "tgkit.db") as store:
            c = store.open_collection(**MEMBERS)
            with pytest.raises(StoreError, match="full"):
                for number in range(10_000):
                    store.write_page(c.id, _page(number * 200), checkpoint={"n": number})
                    committed += 200
            assert store.count(c.id) == committed > 0
        shutil.rmtree(tmp_path / "copy", ignore_errors=True)
        with Store(small / "tgkit.db", read_only=True) as store:
            assert store.count(1) == committed
