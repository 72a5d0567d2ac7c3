"""07_tracking.ipynb run twice in one kernel: the second pass continues the watchlist."""

from __future__ import annotations

import asyncio
from pathlib import Path

import nbformat
from notebook_helpers import NOTEBOOKS, execute_notebook, kernel_env


def test_the_tracking_notebook_runs_twice_in_one_kernel(tmp_path: Path) -> None:
    nb = nbformat.read(NOTEBOOKS / "07_tracking.ipynb", as_version=4)
    once = len(nb.cells)
    nb.cells = [*nb.cells, *(nbformat.from_dict(dict(cell)) for cell in nb.cells)]
    executed = asyncio.run(execute_notebook(nb, cwd=tmp_path, env=kernel_env()))
    code = [cell for cell in executed.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in code)
    assert not [out for cell in code for out in cell.outputs if out.output_type == "error"]
    passes = [executed.cells[:once], executed.cells[once:]]
    summaries = [
        [
            line
            for cell in cells if cell.cell_type == "code"
            for out in cell.outputs if out.output_type == "stream"
            for line in out.get("text", "").splitlines() if line.startswith("track news:")
        ]
        for cells in passes
    ]
    assert [len(lines) for lines in summaries] == [3, 3]
    # the second pass's first round finds nothing new: the watchlist remembered
    assert " 0 new messages" in summaries[1][0]
    images = [
        out for cell in code for out in cell.outputs
        if out.output_type == "display_data" and "image/png" in out.get("data", {})
    ]
    assert len(images) == 4  # two plots per pass
