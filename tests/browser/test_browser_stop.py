"""The notebook tells the truth, in JupyterLab + headless Chromium (issue 13).

A notebook written here runs on the sandbox: a monitor whose view must count
up between two screenshots, a successful scrape whose bar must be green, a
blocking members call stopped with the dashboard's cancel button (the cell
must end within 2 s with the one-line summary, and ``tg.last.partial`` must
hold rows), and a misspelt target that must show a short error block.
Screenshots go to ``artifacts/browser/``. Skipped like the quickstart test
when Chromium or the browser extra is missing.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import nbformat
import pytest
from test_browser_quickstart import (
    ARTIFACTS,
    _accept_kernel_dialog,
    _busy_cells,
    _wait,
    lab_page,
    serve_lab,
)

pytestmark = pytest.mark.browser

CELLS = [
    "import tgkit\ntg = tgkit.connect(sandbox=True)\ntg.world.latency = 0.01\ntg",
    'tg.world.start_activity("small_group", messages_per_second=20)\n'
    'watch = tg.monitor("@small_group", duration="8s")\nwatch',
    "final = watch.result()\ntg.world.stop_activity()",
    'small = tg.members("@small_group")',
    'big = tg.members("@big_public_group", refresh=True)',
    'print("partial rows:", len(tg.last.partial))',
    'tg.members("@big_publc_group")',
]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("lab-stop")
    (home / "notebooks").mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in CELLS])
    nbformat.write(nb, home / "notebooks" / "stop.ipynb")
    yield from serve_lab(home, "stop.ipynb")


def _cell(page, index: int):  # type: ignore[no-untyped-def]
    return page.locator(".jp-Notebook .jp-CodeCell").nth(index)


def _text(page, index: int) -> str:  # type: ignore[no-untyped-def]
    return str(_cell(page, index).locator(".jp-OutputArea").inner_text())


def _error_block(page, index: int) -> str:  # type: ignore[no-untyped-def]
    """The text of the cell's error output (what Lab renders from the traceback lines)."""
    blocks = _cell(page, index).locator("[data-mime-type='application/vnd.jupyter.stderr']")
    return str(blocks.last.inner_text()) if blocks.count() else ""


def _ran(page, index: int) -> bool:  # type: ignore[no-untyped-def]
    prompt = _cell(page, index).locator(".jp-InputArea-prompt").inner_text()
    return any(ch.isdigit() for ch in prompt)


def _run_cell(page, index: int) -> None:  # type: ignore[no-untyped-def]
    """Select cell ``index`` and run it with Shift+Enter (what a researcher does)."""
    _accept_kernel_dialog(page)
    _cell(page, index).locator(".jp-InputArea-prompt").click()
    page.keyboard.press("Shift+Enter")


def _monitor_count(page) -> int:  # type: ignore[no-untyped-def]
    found = re.search(r"RUNNING: ([\d,]+) message", _text(page, 1))
    return int(found.group(1).replace(",", "")) if found else -1


def _run_and_wait(page, index: int, what: str, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    _run_cell(page, index)
    _wait(page, lambda: _ran(page, index) and _busy_cells(page) == 0, what, timeout)


def test_stop_button_monitor_view_short_errors_and_green_bars(lab: str) -> None:
    with lab_page(lab) as page:
        _run_and_wait(page, 0, "the dashboard")

        # the monitor's view counts up in place between two screenshots
        _run_and_wait(page, 1, "the monitor cell")
        _wait(page, lambda: _monitor_count(page) > 0, "the monitor view to count")
        first = _monitor_count(page)
        page.screenshot(path=str(ARTIFACTS / "monitor_view_1.png"))
        _wait(page, lambda: _monitor_count(page) > first, "the monitor view to count up")
        page.screenshot(path=str(ARTIFACTS / "monitor_view_2.png"))
        assert _monitor_count(page) > first
        _run_and_wait(page, 2, "the monitor to end")

        # a successful scrape's bar is green
        _run_and_wait(page, 3, "the small members scrape")
        assert _cell(page, 3).locator(".progress-bar-success").count() >= 1
        assert _cell(page, 3).locator(".progress-bar-danger").count() == 0
        _cell(page, 3).scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "green_bar.png"))

        # the dashboard's cancel button stops the blocking call it is shown for
        _run_cell(page, 4)
        held = _cell(page, 0).locator(".widget-html-content", has_text="members @big_public")
        _wait(page, lambda: held.count() > 0 and _busy_cells(page) > 0, "the big scrape")
        page.wait_for_timeout(500)  # some rows first
        button = _cell(page, 0).locator("button.mod-danger:visible", has_text="cancel")
        _cell(page, 0).scroll_into_view_if_needed()
        button.first.click()
        clicked = time.monotonic()
        _wait(page, lambda: _busy_cells(page) == 0, "the cell to end after the click", 10)
        took = time.monotonic() - clicked
        page.screenshot(path=str(ARTIFACTS / "stopped_by_the_cancel_button.png"))
        assert took < 2.0, f"the cell ended {took:.1f} s after the click"
        summary = _error_block(page, 4).strip()
        assert len(summary.splitlines()) == 1, summary
        assert summary.startswith("cancelled members @big_public_group after ")
        assert "by the dashboard's cancel button" in summary and "tg.last.partial" in summary

        _run_and_wait(page, 5, "tg.last.partial")
        rows = int(re.search(r"partial rows: (\d+)", _text(page, 5)).group(1))  # type: ignore[union-attr]
        assert rows > 0

        # a misspelt target is a short block
        _run_and_wait(page, 6, "the misspelt target")
        error = _error_block(page, 6).strip()
        _cell(page, 6).scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "short_error.png"))
        lines = error.splitlines()
        assert 1 <= len(lines) <= 3, error
        assert "ChatNotFound" in lines[0] and "%tb" in error


