"""tgkit in a real ipykernel: the stop button, re-run setup cells, and loop="kernel".

Cells are sent one by one with nbclient; "pressing the stop button" is the
kernel manager's interrupt, exactly what JupyterLab's ■ sends.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from notebook_helpers import run_cells_in_kernel

SETUP = """
import threading, asyncio
import tgkit
from tgkit.notebook.loop import background_loop
BIG, SMALL = "@big_public_group", "@small_group"
"""


def _errors(outputs: list[dict[str, Any]]) -> list[str]:
    return [f"{o['ename']}: {o['evalue']}" for o in outputs if o["output_type"] == "error"]


def _stdout(outputs: list[dict[str, Any]]) -> str:
    return "".join(o.get("text", "") for o in outputs if o["output_type"] == "stream")


def test_stop_button_cancels_the_operation_and_the_queued_one_runs(tmp_path: Path) -> None:
    cells = [
        SETUP + "tg = tgkit.connect(sandbox=True); dash = tg.dashboard()",
        # the setup cell, run again: same session, loop and refresher
        "tg2 = tgkit.connect(sandbox=True); dash2 = tg2.dashboard()\n"
        "assert tg2 is tg and dash2 is dash\n"
        "async def refreshers():\n"
        "    return [t.get_name() for t in asyncio.all_tasks()\n"
        "            if t.get_name().startswith('tgkit-dashboard')]\n"
        "print(sum(t.name == 'tgkit-loop' for t in threading.enumerate()),\n"
        "      background_loop().run(refreshers()))",
        "first = tg.members(BIG, background=True, resume=False)\n"
        "second = tg.messages(SMALL, days_back=1, background=True)\n"
        "first.result()",
        "print(first.state.name, second.result().shape[0] > 0, second.state.name)\n"
        "h = tg.history\n"
        "print(list(h['state']))\n"
        "print(tg.queue.empty)",
    ]
    outputs = asyncio.run(run_cells_in_kernel(cells, interrupt={2: 0.6}, cwd=tmp_path))
    assert not _errors(outputs[0]) and not _errors(outputs[1]), outputs[:2]
    # one tgkit loop thread, one dashboard refresher
    assert _stdout(outputs[1]).strip() == "1 ['tgkit-dashboard:sandbox']"
    assert _errors(outputs[2]) == ["KeyboardInterrupt: "]
    lines = _stdout(outputs[3]).splitlines()
    assert lines[0] == "CANCELLED True DONE"
    assert lines[1] == "['CANCELLED', 'DONE']"
    assert lines[2] == "True"


def test_loop_kernel_with_a_client_connected_in_an_async_cell(tmp_path: Path) -> None:
    cells = [
        SETUP
        + "from tgkit.sandbox import demo_world\n"
        "world, me = demo_world()\n"
        "client = world.client(me)",
        "await client.connect()   # connected on the kernel's own loop",
        "tg = tgkit.connect('mine', client=client, loop='kernel', store=False)\n"
        "df = tg.members(SMALL, progress=False)\n"
        "print(len(df), type(tg.runner).__name__)",
        # between cells the kernel's loop runs the monitor and the dashboard
        "world.start_activity('small_group', 50)\n"
        "watch = tg.monitor(SMALL, duration='1min')\n"
        "dash = tg.dashboard()",
        "await asyncio.sleep(0.5)\nprint(watch.count > 0, watch.state.name)",
        "watch.stop(); final = watch.result(); world.stop_activity()\n"
        "print(len(final) >= 1, watch.state.name)",
        "tg.members(BIG, resume=False, progress=False)",
        "print(list(tg.history['state']), tg.queue.empty)\n"
        "dash.refresh_now(); print('free' in dash.panels['mine'].lock.value)",
    ]
    outputs = asyncio.run(run_cells_in_kernel(cells, interrupt={6: 0.6}, cwd=tmp_path))
    for index in (0, 1, 2, 3, 4, 5, 7):
        assert not _errors(outputs[index]), (index, outputs[index])
    count, runner = _stdout(outputs[2]).split()
    assert int(count) > 100 and runner == "KernelLoop"
    assert _stdout(outputs[4]).split() == ["True", "RUNNING"]
    assert _stdout(outputs[5]).split() == ["True", "DONE"]
    assert _errors(outputs[6]) == ["KeyboardInterrupt: "]
    assert _stdout(outputs[7]).splitlines() == ["['DONE', 'DONE', 'CANCELLED'] True", "True"]
