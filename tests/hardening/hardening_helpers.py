"""Helpers for the adversarial suite: subprocesses on this tree's tgkit, canary secrets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
#: Secrets planted in every run; none may appear in any output.
CANARY_HASH = "c0ffee00c0ffee00c0ffee00c0ffee00"
CANARY_PHONE = "+447700900123"


def python_env(**extra: str) -> dict[str, str]:
    """The environment for a subprocess: this tree's tgkit first, canary credentials."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["TG_API_ID"] = "12345"
    env["TG_API_HASH"] = CANARY_HASH
    env.pop("COLUMNS", None)
    env.update(extra)
    return env


def start_python(*args: str, cwd: Path | None = None) -> subprocess.Popen[str]:
    """Start ``python ARGS`` with tgkit importable, all three streams piped."""
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=cwd or REPO,
        env=python_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def assert_no_secret(*outputs: str) -> None:
    """No canary secret (api_hash, phone) in any of ``outputs``."""
    for text in outputs:
        assert CANARY_HASH not in text
        assert CANARY_PHONE not in text and CANARY_PHONE[1:] not in text
