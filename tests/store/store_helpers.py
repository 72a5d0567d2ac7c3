"""Launching Python subprocesses for the store tests (tgkit and these helpers importable)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
REPO = HERE.parent.parent


def start_python(*args: str) -> subprocess.Popen[str]:
    """Start ``python ARGS`` with tgkit and the test helpers importable, stdout piped."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=REPO,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def start_writer(db: Path, target: str, pages: int, *extra: str) -> subprocess.Popen[str]:
    """Start tests/store/store_writer.py collecting ``pages`` member pages of ``target``."""
    return start_python(str(HERE / "store_writer.py"), str(db), target, str(pages), *extra)
