"""A crawl killed (SIGKILL) or interrupted (Ctrl-C) half way continues with the same call
in a new process: no chat read before the stop is read again, the network is whole."""

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

pytestmark = pytest.mark.telethon_compat

HERE = Path(__file__).parent


def _run(db: Path, out: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")])
    return subprocess.Popen([sys.executable, str(HERE / "crawl_writer.py"), str(db), str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _chats_read(db: Path) -> int:
    """Chats read so far, from the crawl's stored checkpoint."""
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=1) as connection:
            rows = connection.execute(
                "SELECT checkpoint FROM collections WHERE kind = 'network_edges'").fetchall()
    except sqlite3.Error:
        return 0
    return max((int(json.loads(c).get("read", 0)) for (c,) in rows), default=0)


def _finished(db: Path, out: Path) -> dict[str, object]:
    run = _run(db, out)
    _, err = run.communicate(timeout=120)
    assert run.returncode == 0, err
    result: dict[str, object] = json.loads(out.read_text())
    return result


@pytest.fixture(scope="module")
def whole(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """An undisturbed crawl's requests and result."""
    folder = tmp_path_factory.mktemp("whole")
    return _finished(folder / "whole.db", folder / "whole.json")


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_a_stopped_crawl_continues_and_reads_no_chat_twice(
    tmp_path: Path, how: signal.Signals, whole: dict[str, object]
) -> None:
    total = int(whole["history"])  # type: ignore[call-overload]
    db = tmp_path / "crawl.db"
    run = _run(db, tmp_path / "stopped.json")
    deadline = time.monotonic() + 90
    while _chats_read(db) < 10 and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    run.send_signal(how)
    out, err = run.communicate(timeout=60)
    assert run.returncode != 0, "the crawl ended before it was stopped: " + out + err
    before = _chats_read(db)
    assert 10 <= before < len(whole["read"])  # type: ignore[arg-type]
    again = _finished(db, tmp_path / "again.json")
    assert again["resumed"] is True
    assert again["read"] == whole["read"] and again["edges"] == whole["edges"]
    # the chats read before the stop are not read again (one in flight at most)
    assert int(again["history"]) <= total - before + 1  # type: ignore[call-overload]
