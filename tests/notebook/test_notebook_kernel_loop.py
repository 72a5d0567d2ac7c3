"""loop="kernel": nest-asyncio2 re-entry of the calling thread's own loop.

nest_asyncio2.apply() patches asyncio process-wide, so these checks run in a
subprocess and never leak into the rest of the suite.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPTS = Path(__file__).parent / "scripts"
ROOT = Path(__file__).parents[2]


def _run_probe(name: str) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, str(SCRIPTS / name)],
        capture_output=True, text=True, timeout=60, env=env, check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_kernel_loop_blocks_a_sync_call_inside_a_running_loop_and_handles_ctrl_c() -> None:
    seen = _run_probe("kernel_loop_probe.py")
    assert seen["result"] == 42
    assert seen["same_loop"] is True
    # other tasks on the kernel's loop kept running while the call blocked
    assert seen["heartbeats_while_blocked"] >= 5
    assert seen["ticks"] >= 1
    assert seen["interrupt"] == "raised"
    assert seen["cleanup"] == ["cleaned up"]
