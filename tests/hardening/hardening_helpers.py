"""Helpers for the adversarial suite: subprocesses on this tree's tgkit, canary secrets."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

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


@contextlib.contextmanager
def tmpfs(folder: Path, size: str = "2m") -> Iterator[Path]:
    """A small tmpfs mounted on ``folder`` (root only); skips the test where it cannot be."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root and mount(8); this machine has neither")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(folder)],
        capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"this machine does not allow mounting a tmpfs: {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


def remount_read_only(folder: Path) -> None:
    """Make the tmpfs on ``folder`` read-only (even root cannot write it then)."""
    subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True, capture_output=True)
