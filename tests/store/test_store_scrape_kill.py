"""A real ``tgkit members`` scrape killed with SIGKILL half way, then run again,
ends with exactly the rows of an undisturbed run: no loss, no duplicates."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tgkit.store import Store

pytestmark = pytest.mark.telethon_compat

#: 25,000 members, past the 10k listing cap: the listing and the search sweep both run.
SCRAPE = ["-m", "tgkit", "members", "@big_public_group", "--sandbox", "--json"]


def start_scrape(db: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, *SCRAPE, "--store", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def finish(process: subprocess.Popen[str]) -> dict:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def stored_rows(db: Path) -> int:
    """Rows committed so far, read as another process would (0 before the file exists)."""
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=1) as connection:
            return sum(n for (n,) in connection.execute("SELECT rows FROM collections"))
    except sqlite3.Error:
        return 0  # the schema is not there yet


def user_ids(db: Path) -> list[int]:
    with Store(db) as store:
        return [record["user_id"] for record in store.records(1)]


def kill_when_stored(db: Path, rows: int) -> int:
    """Start the scrape, SIGKILL it once ``rows`` rows are committed; rows stored then."""
    scrape = start_scrape(db)
    deadline = time.monotonic() + 60
    while stored_rows(db) < rows and scrape.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    scrape.send_signal(signal.SIGKILL)
    scrape.communicate(timeout=30)
    assert scrape.returncode == -signal.SIGKILL, "the scrape ended before it was killed"
    with Store(db) as store:
        [killed] = store.collections().itertuples()
        # nobody marked it (the process just vanished), and nobody holds it any more
        assert killed.status == "interrupted"
        saved = len(store.records(int(killed.id)))
        assert saved == killed.rows  # every committed page whole, no half pages
        return saved


def phase(db: Path) -> str:
    with Store(db) as store:
        return store.collection(1).checkpoint.get("phase", "participants")


def test_sigkill_mid_scrape_then_rerun_ends_with_the_undisturbed_rows(tmp_path: Path) -> None:
    killed_db, undisturbed_db = tmp_path / "killed.db", tmp_path / "undisturbed.db"
    in_listing = kill_when_stored(killed_db, 1)
    assert phase(killed_db) == "participants"
    in_sweep = kill_when_stored(killed_db, 12_000)  # past the 10k listing cap
    assert phase(killed_db) == "search"

    undisturbed = start_scrape(undisturbed_db)  # meanwhile, on the other core
    resumed = finish(start_scrape(killed_db))
    expected = finish(undisturbed)

    assert 0 < in_listing < in_sweep < expected["rows"], "both kills came mid-scrape"
    assert resumed["collection_id"] == 1, "the killed collection is continued, not restarted"
    assert resumed["rows"] == expected["rows"]
    rows, undisturbed_rows = user_ids(killed_db), user_ids(undisturbed_db)
    assert len(rows) == len(set(rows)), "no user is stored twice"
    assert sorted(rows) == sorted(undisturbed_rows), "the same users, none lost"
    with Store(killed_db) as store:
        assert store.collections()["id"].tolist() == [1]
        assert store.collection(1).status == "complete" and store.count(1) == len(rows)
        assert store.frame(1).attrs["resumed"] is True
