"""The example notebooks, executed top to bottom with nbclient on the sandbox.

The notebooks assert what they show in their own cells; here we check that
every cell ran (each notebook runs twice in one kernel, as Run All twice
does), that the dashboard's widget state was saved with the
notebook, that the static HTML fallback is there, and that no secret reached
an output. They run concurrently, each in its own kernel.
"""

from __future__ import annotations

import asyncio
import copy
import json
import shutil
from pathlib import Path
from typing import Any

import nbformat
import pytest
from notebook_helpers import NOTEBOOKS, execute_notebook, kernel_env

FAKE_HASH = "fedcba9876543210fedcba9876543210"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
NAMES = (
    "01_quickstart.ipynb",
    "02_members_analysis.ipynb",
    "03_queue_and_priorities.ipynb",
    "04_real_account.ipynb",
    "05_channels.ipynb",
    "06_discovery.ipynb",
    "07_tracking.ipynb",
    "08_many_accounts.ipynb",
)


def _env_for(name: str, config_home: Path) -> dict[str, str]:
    if name == "04_real_account.ipynb":
        # No credentials anywhere: the real-account notebook falls back to the sandbox.
        return kernel_env(TG_API_ID=None, TG_API_HASH=None, XDG_CONFIG_HOME=str(config_home))
    # Credentials present but unused (these notebooks ask for the sandbox): they must
    # still never show up in an output.
    return kernel_env(TG_API_ID="12345", TG_API_HASH=FAKE_HASH, XDG_CONFIG_HOME=str(config_home))


async def _run_all(workdir: Path) -> dict[str, Any]:
    async def run(name: str) -> Any:
        nb = nbformat.read(NOTEBOOKS / name, as_version=4)
        again = copy.deepcopy(nb.cells)  # Run All, twice, in one kernel
        for cell in again:
            cell.id = f"{cell.id}-again"[:64]
        nb.cells = nb.cells + again
        try:
            return await execute_notebook(nb, cwd=workdir, env=_env_for(name, workdir / "cfg"))
        except Exception as error:  # reported per notebook below
            return error

    results = await asyncio.gather(*(run(name) for name in NAMES))
    return dict(zip(NAMES, results, strict=True))


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    workdir = tmp_path_factory.mktemp("notebooks")
    results = asyncio.run(_run_all(workdir))
    artifacts = Path(__file__).resolve().parents[2] / "artifacts" / "notebooks"
    artifacts.mkdir(parents=True, exist_ok=True)
    for name, nb in results.items():
        if not isinstance(nb, Exception):
            nbformat.write(nb, artifacts / name)
    shutil.rmtree(workdir, ignore_errors=True)
    return results


def _outputs(nb: Any) -> list[dict[str, Any]]:
    return [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_top_to_bottom_twice_in_one_kernel(
    executed: dict[str, Any], name: str
) -> None:
    nb = executed[name]
    if isinstance(nb, Exception):
        pytest.fail(f"{name} failed:\n{nb}")
    assert all(cell.execution_count for cell in nb.cells if cell.cell_type == "code")
    assert not [out for out in _outputs(nb) if out.output_type == "error"]


@pytest.mark.parametrize("name", NAMES)
def test_no_secret_reaches_an_output(executed: dict[str, Any], name: str) -> None:
    nb = executed[name]
    assert not isinstance(nb, Exception)
    text = json.dumps([dict(out) for out in _outputs(nb)])
    assert FAKE_HASH not in text
    assert "+15550001234" not in text  # the demo researcher's phone number


@pytest.mark.parametrize("name", NAMES)
def test_the_dashboard_state_is_saved_with_the_notebook(
    executed: dict[str, Any], name: str
) -> None:
    nb = executed[name]
    assert not isinstance(nb, Exception)
    state = nb.metadata["widgets"][WIDGET_STATE]["state"]
    html_values = [
        model["state"].get("value", "")
        for model in state.values()
        if model["model_name"] == "HTMLModel"
    ]
    # the last cell refreshed it: the lock is free and the recent operations are listed
    assert any("free" in value for value in html_values)
    assert any("<table>" in value and "DONE" in value for value in html_values)


def test_the_dashboard_has_a_static_html_fallback(executed: dict[str, Any]) -> None:
    nb = executed["01_quickstart.ipynb"]
    assert not isinstance(nb, Exception)
    first = nb.cells[1].outputs[0]
    assert WIDGET_VIEW in first.data
    assert "tgkit session" in first.data["text/html"] and "Lock:" in first.data["text/html"]
    # the final state (send_state() in the last cell updates it), not the display-time one
    assert "DONE" in first.data["text/html"]
    assert "no finished operations yet" not in first.data["text/html"]


def test_the_real_account_notebook_says_it_fell_back_to_the_sandbox(
    executed: dict[str, Any],
) -> None:
    nb = executed["04_real_account.ipynb"]
    assert not isinstance(nb, Exception)
    streams = "".join(out.get("text", "") for out in _outputs(nb) if out.output_type == "stream")
    assert "SandboxNotice" in streams and "sandbox dry run" in streams


def _passes(nb: Any) -> tuple[list[Any], list[Any]]:
    """The first and the second Run All of a notebook run twice in one kernel."""
    half = len(nb.cells) // 2
    return nb.cells[:half], nb.cells[half:]


def _stream_lines(cells: list[Any]) -> list[str]:
    return [
        line
        for cell in cells if cell.cell_type == "code"
        for out in cell.outputs if out.output_type == "stream"
        for line in out.get("text", "").splitlines()
    ]


def test_the_channels_notebook_finds_the_same_on_each_pass(executed: dict[str, Any]) -> None:
    nb = executed["05_channels.ipynb"]
    assert not isinstance(nb, Exception)
    for cells in _passes(nb):
        streams = "\n".join(_stream_lines(cells))
        assert "NotAChat" in streams and "comments under" in streams
        assert "'deleted': 1, 'edited': 1, 'added': 1" in streams


def test_the_tracking_notebook_continues_its_watchlist_on_the_second_pass(
    executed: dict[str, Any],
) -> None:
    nb = executed["07_tracking.ipynb"]
    assert not isinstance(nb, Exception)
    summaries = [[line for line in _stream_lines(cells) if line.startswith("track news:")]
                 for cells in _passes(nb)]
    assert [len(lines) for lines in summaries] == [3, 3]
    # the second pass's first round finds nothing new: the watchlist remembered
    assert " 0 new messages" in summaries[1][0]
    images = [
        out for out in _outputs(nb)
        if out.output_type == "display_data" and "image/png" in out.get("data", {})
    ]
    assert len(images) == 4  # two plots per pass
