"""A pool in a real kernel: the stop button cancels a blocking pool call.

(08_many_accounts.ipynb runs twice in one kernel in test_notebook_examples.)
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from notebook_helpers import run_cells_in_kernel


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
    outputs = asyncio.run(run_cells_in_kernel(cells, interrupt={1: 0.6}, cwd=tmp_path))
    errors = [[f"{o['ename']}: {o['evalue']}" for o in out if o["output_type"] == "error"]
              for out in outputs]
    assert errors == [[], ["KeyboardInterrupt: "], []], outputs
    text = "".join(o.get("text", "") for o in outputs[2] if o["output_type"] == "stream")
    assert text.splitlines() == ["True ['CANCELLED']", "True", "True"]
