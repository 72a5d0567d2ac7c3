"""A pool in a real kernel: 08_many_accounts.ipynb run twice in one kernel, the stop button."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from notebook_helpers import NOTEBOOKS, execute_notebook, kernel_env


def test_the_many_accounts_notebook_runs_twice_in_one_kernel(tmp_path: Path) -> None:
    nb = nbformat.read(NOTEBOOKS / "08_many_accounts.ipynb", as_version=4)
    once = len(nb.cells)
    nb.cells = [*nb.cells, *(nbformat.from_dict(dict(cell)) for cell in nb.cells)]
    executed = asyncio.run(execute_notebook(nb, cwd=tmp_path, env=kernel_env()))
    code = [cell for cell in executed.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in code)
    errors = [out for cell in code for out in cell.outputs if out.output_type == "error"]
    assert not errors
    runs = [executed.cells[:once], executed.cells[once:]]
    for cells in runs:
        streams = "".join(
            out.get("text", "")
            for cell in cells if cell.cell_type == "code"
            for out in cell.outputs if out.output_type == "stream"
        )
        assert "the monitor runs on lab" in streams and "messages of the week" in streams


async def _run_cells(cells: list[str], *, interrupt: dict[int, float], cwd: Path) -> list[Any]:
    """Run ``cells`` in one kernel; press the stop button in cell ``i`` after ``interrupt[i]`` s."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in cells])
    client = NotebookClient(
        nb, kernel_name="python3", timeout=60, allow_errors=True,
        resources={"metadata": {"path": str(cwd)}},
    )
    async with client.async_setup_kernel(env=kernel_env()):
        for index, cell in enumerate(nb.cells):
            running = asyncio.ensure_future(client.async_execute_cell(cell, index))
            if index in interrupt:
                await asyncio.sleep(interrupt[index])
                assert not running.done(), f"cell {index} finished before the interrupt"
                await client.km.interrupt_kernel()
            await running
    return [list(cell.outputs) for cell in nb.cells]


def test_the_stop_button_cancels_a_pool_call_and_frees_its_account(tmp_path: Path) -> None:
    cells = [
        "import tgkit\nBIG, SMALL = '@big_public_group', '@small_group'\n"
        "pool = tgkit.connect(sandbox=True, accounts=2); dash = pool.dashboard()",
        "other = pool.messages(SMALL, days_back=1, background=True)\n"
        "pool.members(BIG, resume=False)",
        "history = pool.history\n"
        "print(pool.queue.empty, list(history[history.label == f'members {BIG}'].state))\n"
        "print(other.result().shape[0] > 0)\n"
        "dash.refresh_now()\n"
        "print(all('free' in row.lock.value for row in dash.panel.account_rows.values()))",
    ]
    outputs = asyncio.run(_run_cells(cells, interrupt={1: 0.6}, cwd=tmp_path))
    errors = [[f"{o.ename}: {o.evalue}" for o in out if o.output_type == "error"]
              for out in outputs]
    assert errors == [[], ["KeyboardInterrupt: "], []], outputs
    text = "".join(o.get("text", "") for o in outputs[2] if o.output_type == "stream")
    assert text.splitlines() == ["True ['CANCELLED']", "True", "True"]
