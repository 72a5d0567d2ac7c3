"""07_tracking.ipynb in JupyterLab + headless Chromium (issue 19): every cell runs, the
three rounds print their summaries, the plots render and the dashboard shows the runs.

Screenshots go to ``artifacts/browser/``. Skipped like the quickstart test when Chromium
or the browser extra is missing.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from test_browser_quickstart import (
    ARTIFACTS,
    IDLE_KERNEL,
    ROOT,
    _all_ran,
    _busy_cells,
    _run_all_cells,
    _wait,
    lab_page,
    serve_lab,
)

pytestmark = pytest.mark.browser

ERRORS = (".jp-OutputArea-output [data-mime-type*='error'], "
          ".jp-RenderedText[data-mime-type='application/vnd.jupyter.error']")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("lab-tracking")
    (home / "notebooks").mkdir()
    shutil.copy(ROOT / "notebooks" / "07_tracking.ipynb", home / "notebooks" / "tracking.ipynb")
    yield from serve_lab(home, "tracking.ipynb")


def test_the_tracking_notebook_runs_in_jupyterlab(lab: str) -> None:
    with lab_page(lab) as page:
        _run_all_cells(page)
        _wait(page, lambda: _busy_cells(page) == 0 and _all_ran(page), "every cell to run",
              timeout=240)
        page.wait_for_selector(IDLE_KERNEL, timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "tracking_done.png"), full_page=True)
        assert page.locator(ERRORS).count() == 0
        text = page.locator(".jp-Notebook").inner_text()
        assert text.count("track news: 3 chats") == 3  # one summary line per round
        assert "collected over 3 tracking runs" in text  # the package's statement
        assert page.locator(".jp-OutputArea-output img").count() >= 2  # the two plots
        dashboard = " ".join(page.eval_on_selector_all(
            ".jp-OutputArea-output .widget-html-content",
            "nodes => nodes.map(n => n.textContent)",
        ))
        assert "track" in dashboard and "DONE" in dashboard
