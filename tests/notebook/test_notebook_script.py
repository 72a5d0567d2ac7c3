"""tgkit's blocking calls from a plain script: results, Ctrl-C, a clean exit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from notebook_helpers import kernel_env

SCRIPT = Path(__file__).parent / "scripts" / "plain_script.py"


def _run(*args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True, text=True, timeout=60, env=kernel_env(), check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_script_gets_frames_ctrl_c_cancels_and_it_exits_without_close() -> None:
    seen = _run("--interrupt")  # returning at all means no hang at interpreter exit
    assert seen["members"] > 100
    assert seen["interrupt"] == "raised"
    assert seen["states"] == ["DONE", "CANCELLED"]
    assert seen["queue_empty"] is True
    assert seen["next"] == 5
