"""08_many_accounts in JupyterLab + headless Chromium: one pool, one live dashboard (issue 22).

A copy of ``notebooks/08_many_accounts.ipynb`` runs whole (Run All Cells):
three sandbox accounts, a monitor holding one, members of several groups on
the others, a flood wait that moves work. Every one of its cells must run
without an error, the dashboard must show an account held by the monitor
while the others collect, and the flood wait's move among the moves. Two
cells are appended: a blocking members call of the big group on the pool,
and a cell that prints what the stopped call left. While
the blocking call runs, the pool dashboard (the first cell's output) must
show the job on an account and keep counting its rows; its cancel button,
clicked then, must end the cell within 2 s with the one-line summary naming
the dashboard, and ``pool.last`` must hold the rows. Screenshots go to
``artifacts/browser/``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import nbformat
import pytest
from test_browser_quickstart import (
    ARTIFACTS,
    ROOT,
    _accept_kernel_dialog,
    _busy_cells,
    lab_page,
    serve_lab,
)
from test_browser_quickstart import _wait as _wait_in_page
from test_browser_stop import _cell, _error_block, _ran, _run_cell, _text

# A whole notebook, then a call to stop: slow on a loaded machine (2 cores shared).
pytestmark = [pytest.mark.browser, pytest.mark.timeout(420)]

APPENDED = [
    "pool.world.latency = 0.1  # a long call: time to click\n"
    'stopped = pool.members("@big_public_group", refresh=True)',
    'print("partial rows:", len(pool.last.partial), "by:", pool.last.handle.exception().by)',
]


def _notebook() -> nbformat.NotebookNode:
    nb = nbformat.read(ROOT / "notebooks" / "08_many_accounts.ipynb", as_version=4)
    nb.cells.extend(nbformat.v4.new_code_cell(source) for source in APPENDED)
    return nb


NOTEBOOK = _notebook()
CODE_CELLS = sum(cell.cell_type == "code" for cell in NOTEBOOK.cells)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("lab-pool")
    (home / "notebooks").mkdir()
    nbformat.write(NOTEBOOK, home / "notebooks" / "many_accounts.ipynb")
    yield from serve_lab(home, "many_accounts.ipynb")


def _code_cells(page) -> int:  # type: ignore[no-untyped-def]
    return int(page.locator(".jp-Notebook .jp-CodeCell").count())


def _wait(page, check, what: str, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    """``test_browser_quickstart._wait``, failing with what the notebook shows."""
    began = time.monotonic()
    try:
        _wait_in_page(page, check, what, timeout)
        print(f"{time.strftime('%H:%M:%S')} waited {time.monotonic() - began:.1f} s for {what}")
    except pytest.fail.Exception:
        prompts = page.eval_on_selector_all(
            ".jp-CodeCell .jp-InputArea-prompt", "nodes => nodes.map(n => n.textContent)"
        )
        errors = page.locator("[data-mime-type='application/vnd.jupyter.stderr']")
        shown = [text[:600] for text in errors.all_inner_texts()]
        pytest.fail(f"timed out waiting for {what}; prompts {prompts}; errors {shown}; "
                    f"dashboard: {_dashboard_text(page)[:1500]}")


def _run_everything(page) -> None:  # type: ignore[no-untyped-def]
    """Run every cell but the last, top to bottom, with Shift+Enter (keys, not the Run menu,
    whose clicks a loaded machine can lose), as a researcher walks through a notebook."""
    cells = page.locator(".jp-Notebook .jp-Cell")
    _accept_kernel_dialog(page)
    cells.first.locator(".jp-InputArea-prompt").click()
    page.keyboard.press("Escape")  # command mode: Shift+Enter runs and moves on
    for _ in range(cells.count() - 1):
        page.keyboard.press("Shift+Enter")
        page.wait_for_timeout(100)


def _dashboard_text(page) -> str:  # type: ignore[no-untyped-def]
    return " ".join(_cell(page, 0).locator(".widget-html-content").all_inner_texts())


# Records every text the dashboard's HTML widgets ever showed (ipywidgets replaces a
# widget's children on each update, so a removed node holds the text it showed before):
# a state the page held for less than one poll of ``_wait`` is still seen.
_RECORD_WIDGET_TEXTS = """() => {
  window.tgkitShown = new Set();
  const keep = (text) => { if (text) window.tgkitShown.add(text); };
  const widgetTexts = (node) => node instanceof Element
    ? [...node.querySelectorAll('.widget-html-content')].map(each => each.textContent) : [];
  new MutationObserver(records => {
    for (const record of records) {
      const target = record.target instanceof Element ? record.target : record.target.parentElement;
      if (target && target.closest('.widget-html-content')) {
        keep(target.textContent);
        record.removedNodes.forEach(node => keep(node.textContent));
        keep(record.oldValue);
      }
      record.addedNodes.forEach(node => widgetTexts(node).forEach(keep));
    }
  }).observe(document.querySelector('.jp-Notebook'),
             {subtree: true, childList: true, characterData: true, characterDataOldValue: true});
}"""


def _widgets_ever_showed(page, text: str) -> bool:  # type: ignore[no-untyped-def]
    return bool(page.evaluate("(text) => [...window.tgkitShown].some(each => each.includes(text))",
                              text))


def _job_lines(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The pool dashboard's job lines ('1. mop-7 SCRAPE 'members …': on lab2 as op-9, …')."""
    texts = _cell(page, 0).locator(".widget-html-content").all_inner_texts()
    return [text for text in texts if re.match(r"\d+\. mop-\d+ ", text)]


def _big_job(page) -> str | None:  # type: ignore[no-untyped-def]
    lines = [line for line in _job_lines(page) if "members @big_public_group" in line]
    return lines[0] if lines else None


def _rows_counted(line: str | None) -> int:
    found = re.search(r"as op-\d+, ([\d,]+)", line or "")
    return int(found.group(1).replace(",", "")) if found else -1


def test_08_runs_in_jupyterlab_with_a_live_pool_dashboard_and_a_working_cancel(lab: str) -> None:
    with lab_page(lab, height=1100) as page:
        # every cell drawn before counting them (Lab may still be adding cells)
        _wait(page, lambda: _code_cells(page) == CODE_CELLS, "every cell to be drawn")
        blocking = CODE_CELLS - 2
        page.evaluate(_RECORD_WIDGET_TEXTS)
        _run_everything(page)

        # the monitor holds one account while the others collect, live on the dashboard
        # (only for as long as 08's cells 3-10 run: a few seconds, so recorded, not polled)
        _wait(page, lambda: _widgets_ever_showed(page, "held by the monitor"),
              "the pool dashboard to show an account held by the monitor", timeout=120)
        _cell(page, 0).scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "pool_dashboard_monitor.png"))

        # the notebook runs through to the appended blocking call; while it blocks,

        # the pool dashboard shows it on an account and counts up
        seen: list[tuple[int, str | None]] = []

        def counting() -> bool:
            seen.append((_busy_cells(page), _big_job(page)))
            return seen[-1][0] > 0 and _rows_counted(seen[-1][1]) > 0

        try:
            _wait_in_page(page, counting, "the pool dashboard to show the blocking job", 240)
        except pytest.fail.Exception:
            lines = sorted({str(each) for each in seen})[:20]
            pytest.fail(f"busy cells and the big job's line, {len(seen)} looks: {lines}")
        first = _rows_counted(_big_job(page))
        _cell(page, 0).scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "pool_dashboard_while_blocking.png"))
        _wait(
            page,
            lambda: _busy_cells(page) > 0 and _rows_counted(_big_job(page)) > first,
            "the pool dashboard to count the job's rows up while the cell blocks",
        )
        line = _big_job(page) or ""
        account = re.search(r": on (\w+) as op-", line)
        assert account is not None, line
        lock = _cell(page, 0).locator(".widget-html-content", has_text="held by op-")
        assert lock.count() >= 1  # the account's row: its lock held by the job's operation

        # the job's cancel button stops the call the cell waits for
        job_id = line.split()[1]
        button = _cell(page, 0).locator(f"button[title='cancel {job_id}']")
        assert button.count() == 1
        button.click()
        clicked = time.monotonic()
        _wait(page, lambda: _busy_cells(page) == 0, "the cell to end after the click", 10)
        took = time.monotonic() - clicked
        page.screenshot(path=str(ARTIFACTS / "pool_stopped_by_the_cancel_button.png"))
        assert took < 2.0, f"the cell ended {took:.1f} s after the click"
        _wait(page, lambda: bool(_error_block(page, blocking)), "the cell's one line", 10)
        summary = _error_block(page, blocking).strip()
        assert len(summary.splitlines()) == 1, summary
        assert summary.startswith("cancelled members @big_public_group after ")
        assert "(by the dashboard's cancel button); tg.last.partial has them" in summary

        for index in range(blocking):  # 08's own cells all ran without an error
            assert not _error_block(page, index), f"cell {index}: {_error_block(page, index)}"

        _run_cell(page, blocking + 1)
        _wait(page, lambda: _ran(page, blocking + 1) and _busy_cells(page) == 0, "the rows")
        found = re.search(r"partial rows: (\d+) by: (\S+)", _text(page, blocking + 1))
        assert found is not None, _text(page, blocking + 1)
        assert int(found.group(1)) > 0 and found.group(2) == "dashboard"
        # the dashboard lists the cancelled job among the recent operations
        _wait(page, lambda: "CANCELLED" in _dashboard_text(page),
              "the dashboard to show the cancelled operation")
        # ... and the flood wait that moved work (08's flood cell) among the moves
        moved = r"mop-\d+\s+members @study_group_1\s+\w+\s+\w+\s+moved off \w+: FloodWait"
        assert re.search(moved, _dashboard_text(page)), _dashboard_text(page)
        _cell(page, 0).scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "pool_dashboard_after.png"))
