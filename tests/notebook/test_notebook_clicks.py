"""The dashboard's cancel button in a real ipykernel while the cell it is shown for blocks.

The click is sent as JupyterLab sends it: a ``comm_msg`` with a ``click``
event for the button's model, on the kernel's shell channel, while the cell
``tg.members(...)`` still runs. It must end that cell with the one-line
summary, and ``tg.last.partial`` must hold the rows.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from notebook_helpers import kernel_env

SETUP = """
import threading, time, tgkit
tg = tgkit.connect(sandbox=True)
tg.world.latency = 0.02
dash = tg.dashboard()
"""

REPORT_BUTTON = """
def report():
    panel = dash.panels[tg.name]
    while panel._running_id is None or tg.last is None or tg.last.progress.done == 0:
        time.sleep(0.02)
    Path(OUT).write_text(panel.cancel_running.model_id)
from pathlib import Path
threading.Thread(target=report, daemon=True).start()
"""


def _wait_for(path: Path) -> None:
    while not path.exists() or not path.read_text():
        time.sleep(0.05)


Stop = Callable[[Any, Any, str], Awaitable[None]]


async def _click(km: Any, kc: Any, button_id: str) -> None:
    """A click as JupyterLab sends it: a comm_msg with a click event for the button's model."""
    event = {"method": "custom", "content": {"event": "click"}}
    kc.shell_channel.send(kc.session.msg("comm_msg", {"comm_id": button_id, "data": event}))


async def _stop_button(km: Any, kc: Any, button_id: str) -> None:
    await km.interrupt_kernel()  # what JupyterLab's stop button sends


async def _stop_a_blocking_cell(
    tmp_path: Path, setup: str, reporter: str, call: str, stop: Stop, after: str
) -> tuple[str, float, str]:
    """Run ``call`` in a real kernel; once ``reporter`` has written the button's model id
    (the call is under way), ``stop`` it. Gives the cell's traceback, the seconds from
    the stop to the idle kernel, and what ``after`` then prints."""
    from jupyter_client.manager import start_new_async_kernel

    out = tmp_path / "button.txt"
    km, kc = await start_new_async_kernel(kernel_name="python3", env=kernel_env())
    try:
        await kc.execute_interactive(setup, timeout=60)
        await kc.execute_interactive(f"OUT = {str(out)!r}\n" + reporter, timeout=30)
        msg_id = kc.execute(call)
        await asyncio.to_thread(_wait_for, out)
        stopped = time.monotonic()
        await stop(km, kc, out.read_text())
        traceback = await _traceback_until_idle(kc, msg_id)
        took = time.monotonic() - stopped
        printed: list[str] = []
        await kc.execute_interactive(
            after, output_hook=lambda m: printed.append(m["content"].get("text", "")), timeout=30
        )
        return traceback, took, "".join(printed).strip()
    finally:
        kc.stop_channels()
        await km.shutdown_kernel(now=True)


async def _traceback_until_idle(kc: Any, msg_id: str) -> str:
    traceback: list[str] = []
    while True:
        reply = await kc.get_iopub_msg(timeout=30)
        if reply["parent_header"].get("msg_id") != msg_id:
            continue
        if reply["msg_type"] == "error":
            traceback = reply["content"]["traceback"]
        if reply["msg_type"] == "status" and reply["content"]["execution_state"] == "idle":
            return "\n".join(traceback)


def test_the_cancel_button_stops_the_blocking_call_it_is_shown_for(tmp_path: Path) -> None:
    shown, took, rows = asyncio.run(_stop_a_blocking_cell(
        tmp_path, SETUP, REPORT_BUTTON, 'tg.members("@big_public_group", refresh=True)',
        _click, "print(len(tg.last.partial))",
    ))
    assert took < 2.0, f"the cell ended {took:.1f} s after the click"
    assert len(shown.splitlines()) == 1, shown
    assert shown.startswith("cancelled members @big_public_group after ")
    assert "(by the dashboard's cancel button); tg.last.partial has them" in shown
    assert int(rows) > 0


def test_the_stop_button_ends_the_cell_with_one_line_and_tg_last_has_the_rows(
    tmp_path: Path,
) -> None:
    shown, _, last = asyncio.run(_stop_a_blocking_cell(
        tmp_path, SETUP, REPORT_BUTTON, 'tg.members("@big_public_group", refresh=True)',
        _stop_button, "print(type(tg.last).__name__, tg.last.state.name, len(tg.last.partial))",
    ))
    assert len(shown.splitlines()) == 1, shown
    assert shown.startswith("cancelled members @big_public_group after ")
    assert "(by Ctrl-C / the stop button); tg.last.partial has them" in shown
    kind, state, rows = last.split()
    assert (kind, state) == ("Job", "CANCELLED") and int(rows) > 0


POOL_SETUP = """
import threading, time, tgkit
pool = tgkit.connect(sandbox=True, accounts=2)
pool.world.latency = 0.02
dash = pool.dashboard()
"""

REPORT_JOB_BUTTON = """
def report():
    job = None
    while job is None or job.progress.done == 0 or job.id not in dash.panel.job_ids:
        time.sleep(0.02)
        job = pool.last
    Path(OUT).write_text(dash.panel.job_button(pool.last.id).model_id)
from pathlib import Path
threading.Thread(target=report, daemon=True).start()
"""


def test_a_pool_jobs_cancel_button_stops_the_blocking_pool_call(tmp_path: Path) -> None:
    shown, took, printed = asyncio.run(_stop_a_blocking_cell(
        tmp_path, POOL_SETUP, REPORT_JOB_BUTTON, 'pool.members("@big_public_group", refresh=True)',
        _click, "print(pool.last.handle.exception().by, len(pool.last.partial))",
    ))
    assert took < 2.0, f"the cell ended {took:.1f} s after the click"
    assert len(shown.splitlines()) == 1, shown
    assert shown.startswith("cancelled members @big_public_group after ")
    assert "(by the dashboard's cancel button); tg.last.partial has them" in shown
    by, rows = printed.split()
    assert by == "dashboard" and int(rows) > 0
