"""Helpers for the notebook tests: calling onto the loop thread, waiting for state."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from tgkit.notebook.loop import BackgroundLoop


def on_loop(runner: BackgroundLoop, fn: Callable[[], Any]) -> Any:
    """Call ``fn()`` on the loop thread (where schedulers live) and return its value."""

    async def call() -> Any:
        return fn()

    return runner.run(call())


def eventually(check: Callable[[], bool], *, within: float = 2.0) -> None:
    """Wait (briefly polling) until ``check()`` holds; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within} s: {check}")
        time.sleep(0.01)


async def held_until_cancelled() -> None:
    """An operation that holds the lock until someone cancels it."""
    await asyncio.sleep(3600)


def make_holder(progress: tuple[int, int] | None = None) -> Callable[[], Coroutine[Any, Any, None]]:
    """An operation that reports ``progress`` once, then holds the lock until cancelled."""
    from tgkit.core import current_operation

    async def hold() -> None:
        op = current_operation()
        if progress is not None and op is not None:
            op.report_progress(*progress)
        await asyncio.sleep(3600)

    return hold




def refreshers(name: str) -> list[str]:
    """Names of the dashboard refresher tasks called ``name`` alive on tgkit's loop."""
    from tgkit.notebook.loop import background_loop

    def names() -> list[str]:
        wanted = f"tgkit-dashboard:{name}"
        return [task.get_name() for task in asyncio.all_tasks() if task.get_name() == wanted]

    return on_loop(background_loop(), names)


ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"


def kernel_env(**overrides: str | None) -> dict[str, str]:
    """The environment for a test kernel: this checkout importable, ``overrides`` applied."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


async def execute_notebook(
    nb: Any, *, cwd: Path, env: dict[str, str], cell_timeout: float = 120
) -> Any:
    """Run every cell of ``nb`` in a fresh kernel of this interpreter; return ``nb`` with outputs.

    Raises nbclient's CellExecutionError (naming the cell) if a cell fails.
    """
    from nbclient import NotebookClient

    client = NotebookClient(
        nb, kernel_name="python3", timeout=cell_timeout, resources={"metadata": {"path": str(cwd)}}
    )
    await client.async_execute(env=env)
    return nb


async def run_cells_in_kernel(
    cells: Sequence[str], *, interrupt: dict[int, float], cwd: Path
) -> list[list[dict[str, Any]]]:
    """Run ``cells`` one by one in one real kernel (nbclient); press the stop button (the
    kernel manager's interrupt, what JupyterLab's ■ sends) in cell ``i`` after
    ``interrupt[i]`` seconds. Gives each cell's outputs."""
    import nbformat
    from nbclient import NotebookClient

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
    return [[dict(out) for out in cell.outputs] for cell in nb.cells]
