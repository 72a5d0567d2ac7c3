"""A tracking run killed (SIGKILL) or interrupted (Ctrl-C) half way loses nothing:
the next run continues, and the dataset holds every message exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from track_writer import stored_rows, world
from tracking_helpers import posted

from tgkit.export import read_parquet
from tgkit.store import Store

pytestmark = pytest.mark.telethon_compat

HERE = Path(__file__).parent


def _start(db: Path, dataset: Path, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")])
    return subprocess.Popen(
        [sys.executable, str(HERE / "track_writer.py"), str(db), str(dataset), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )


def _stop_when_stored(db: Path, dataset: Path, rows: int, how: signal.Signals) -> None:
    """Start a run, and stop it (``how``) once the store holds ``rows`` tracked rows: the
    run holds its next request then (``track_writer``), so the signal lands mid-run."""
    run = _start(db, dataset, str(rows))
    assert run.stdout is not None
    line = run.stdout.readline()
    assert line.strip() == "holding", "the run ended before it was stopped: " + line
    assert stored_rows(db) >= rows
    run.send_signal(how)
    out, _ = run.communicate(timeout=60)
    assert run.returncode != 0, "the run ended before it was stopped: " + out


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_a_stopped_run_loses_nothing_and_the_next_continues(
    tmp_path: Path, how: signal.Signals
) -> None:
    db, dataset = tmp_path / "tgkit.db", tmp_path / "study"
    _stop_when_stored(db, dataset, 1500, how)
    with Store(db) as store:
        stopped = store.collections()
        assert set(stopped["status"]) <= {"interrupted", "complete"}
        assert "interrupted" in set(stopped["status"])
    again = _start(db, dataset)
    _, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    with Store(db) as store:
        resumed = store.collections()
    # the interrupted round was continued, not started again: one collection per chat
    assert set(stopped["id"]) <= set(resumed["id"])
    assert resumed["target"].is_unique and len(resumed) == 3
    assert set(resumed["status"]) == {"complete"}
    messages = read_parquet(dataset / "messages")
    keys = list(zip(messages["chat_id"], messages["message_id"], strict=True))
    assert len(keys) == len(set(keys))
    assert set(keys) == posted(world())
