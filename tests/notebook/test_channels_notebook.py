"""05_channels.ipynb run twice in one kernel: chat info, posts, comments, edits, compare."""

from __future__ import annotations

import asyncio
from pathlib import Path

import nbformat
from notebook_helpers import NOTEBOOKS, execute_notebook, kernel_env


def test_the_channels_notebook_runs_twice_in_one_kernel(tmp_path: Path) -> None:
    nb = nbformat.read(NOTEBOOKS / "05_channels.ipynb", as_version=4)
    once = len(nb.cells)
    nb.cells = [*nb.cells, *(nbformat.from_dict(dict(cell)) for cell in nb.cells)]
    executed = asyncio.run(execute_notebook(nb, cwd=tmp_path, env=kernel_env()))
    code = [cell for cell in executed.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in code)
    assert not [out for cell in code for out in cell.outputs if out.output_type == "error"]
    for cells in (executed.cells[:once], executed.cells[once:]):
        streams = "".join(
            out.get("text", "")
            for cell in cells if cell.cell_type == "code"
            for out in cell.outputs if out.output_type == "stream"
        )
        assert "NotAChat" in streams and "comments under" in streams
        assert "'deleted': 1, 'edited': 1, 'added': 1" in streams
