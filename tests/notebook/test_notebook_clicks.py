"""The dashboard's cancel button in a real ipykernel while the cell it is shown for blocks.

The click is sent as JupyterLab sends it: a ``comm_msg`` with a ``click``
event for the button's model, on the kernel's shell channel, while the cell
``tg.members(...)`` still runs. It must end that cell with the one-line
summary, and ``tg.last.partial`` must hold the rows.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

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


async def _run(tmp_path: Path) -> tuple[str, float, str]:
    from jupyter_client.manager import start_new_async_kernel

    out = tmp_path / "button.txt"
    km, kc = await start_new_async_kernel(kernel_name="python3", env=kernel_env())
    try:
        await kc.execute_interactive(SETUP, timeout=60)
        await kc.execute_interactive(f"OUT = {str(out)!r}\n" + REPORT_BUTTON, timeout=30)
        msg_id = kc.execute('tg.members("@big_public_group", refresh=True)')
        await asyncio.to_thread(_wait_for, out)
        event = {"method": "custom", "content": {"event": "click"}}
        click = kc.session.msg("comm_msg", {"comm_id": out.read_text(), "data": event})
        clicked = time.monotonic()
        kc.shell_channel.send(click)
        traceback: list[str] = []
        while True:
            reply = await kc.get_iopub_msg(timeout=30)
            if reply["parent_header"].get("msg_id") != msg_id:
                continue
            if reply["msg_type"] == "error":
                traceback = reply["content"]["traceback"]
            if reply["msg_type"] == "status" and reply["content"]["execution_state"] == "idle":
                break
        took = time.monotonic() - clicked
        rows: list[str] = []
        await kc.execute_interactive(
            "print(len(tg.last.partial))",
            output_hook=lambda m: rows.append(m["content"].get("text", "")),
            timeout=30,
        )
        return "\n".join(traceback), took, "".join(rows).strip()
    finally:
        kc.stop_channels()
        await km.shutdown_kernel(now=True)


def test_the_cancel_button_stops_the_blocking_call_it_is_shown_for(tmp_path: Path) -> None:
    shown, took, rows = asyncio.run(_run(tmp_path))
    assert took < 2.0, f"the cell ended {took:.1f} s after the click"
    assert len(shown.splitlines()) == 1, shown
    assert shown.startswith("cancelled members @big_public_group after ")
    assert "(by the dashboard's cancel button); tg.last.partial has them" in shown
    assert int(rows) > 0


async def _interrupt(tmp_path: Path) -> tuple[str, str]:
    from jupyter_client.manager import start_new_async_kernel

    out = tmp_path / "running.txt"
    km, kc = await start_new_async_kernel(kernel_name="python3", env=kernel_env())
    try:
        await kc.execute_interactive(SETUP, timeout=60)
        await kc.execute_interactive(
            f"OUT = {str(out)!r}\n" + REPORT_BUTTON.replace("panel.cancel_running.model_id", "'x'"),
            timeout=30,
        )
        msg_id = kc.execute('tg.members("@big_public_group", refresh=True)')
        await asyncio.to_thread(_wait_for, out)
        await km.interrupt_kernel()  # what JupyterLab's stop button sends
        traceback: list[str] = []
        while True:
            reply = await kc.get_iopub_msg(timeout=30)
            if reply["parent_header"].get("msg_id") != msg_id:
                continue
            if reply["msg_type"] == "error":
                traceback = reply["content"]["traceback"]
            if reply["msg_type"] == "status" and reply["content"]["execution_state"] == "idle":
                break
        printed: list[str] = []
        await kc.execute_interactive(
            "print(type(tg.last).__name__, tg.last.state.name, len(tg.last.partial))",
            output_hook=lambda m: printed.append(m["content"].get("text", "")),
            timeout=30,
        )
        return "\n".join(traceback), "".join(printed).strip()
    finally:
        kc.stop_channels()
        await km.shutdown_kernel(now=True)


def test_the_stop_button_ends_the_cell_with_one_line_and_tg_last_has_the_rows(
    tmp_path: Path,
) -> None:
    shown, last = asyncio.run(_interrupt(tmp_path))
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


async def _run_pool(tmp_path: Path) -> tuple[str, float, str]:
    from jupyter_client.manager import start_new_async_kernel

    out = tmp_path / "job_button.txt"
    km, kc = await start_new_async_kernel(kernel_name="python3", env=kernel_env())
    try:
        await kc.execute_interactive(POOL_SETUP, timeout=60)
        await kc.execute_interactive(f"OUT = {str(out)!r}\n" + REPORT_JOB_BUTTON, timeout=30)
        msg_id = kc.execute('pool.members("@big_public_group", refresh=True)')
        await asyncio.to_thread(_wait_for, out)
        event = {"method": "custom", "content": {"event": "click"}}
        click = kc.session.msg("comm_msg", {"comm_id": out.read_text(), "data": event})
        clicked = time.monotonic()
        kc.shell_channel.send(click)
        traceback: list[str] = []
        while True:
            reply = await kc.get_iopub_msg(timeout=30)
            if reply["parent_header"].get("msg_id") != msg_id:
                continue
            if reply["msg_type"] == "error":
                traceback = reply["content"]["traceback"]
            if reply["msg_type"] == "status" and reply["content"]["execution_state"] == "idle":
                break
        took = time.monotonic() - clicked
        printed: list[str] = []
        await kc.execute_interactive(
            "print(pool.last.handle.exception().by, len(pool.last.partial))",
            output_hook=lambda m: printed.append(m["content"].get("text", "")),
            timeout=30,
        )
        return "\n".join(traceback), took, "".join(printed).strip()
    finally:
        kc.stop_channels()
        await km.shutdown_kernel(now=True)


def test_a_pool_jobs_cancel_button_stops_the_blocking_pool_call(tmp_path: Path) -> None:
    shown, took, printed = asyncio.run(_run_pool(tmp_path))
    assert took < 2.0, f"the cell ended {took:.1f} s after the click"
    assert len(shown.splitlines()) == 1, shown
    assert shown.startswith("cancelled members @big_public_group after ")
    assert "(by the dashboard's cancel button); tg.last.partial has them" in shown
    by, rows = printed.split()
    assert by == "dashboard" and int(rows) > 0
