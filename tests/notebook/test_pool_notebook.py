"""notebooks/08_many_accounts.ipynb runs top to bottom twice in one kernel (re-run all)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import nbformat
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
