"""Ctrl-C in the ``tgkit`` command cancels the running operation on behalf of "ctrl-c".

The operation ends with ``tgkit.errors.Cancelled(by="ctrl-c")`` (not the
anonymous cancellation of the task running it), and the one line the
command prints says so: "interrupted by Ctrl-C: N rows were saved ...".
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from test_cli import stored_rows


def test_ctrl_c_names_itself_in_the_interrupted_line(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    process = subprocess.Popen(
        [sys.executable, "-m", "tgkit", "members", "@big_public_group", "--sandbox",
         "--store", str(db), "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 60
    while stored_rows(db) == 0 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 5, stderr
    assert stderr.strip().startswith("interrupted by Ctrl-C: "), stderr
    assert "rows were saved" in stderr and "resume" in stderr
