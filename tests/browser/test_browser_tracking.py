"""07_tracking.ipynb in JupyterLab + headless Chromium (issue 19): every cell runs, the
three rounds print their summaries, the plots render and the dashboard shows the runs.

Screenshots go to ``artifacts/browser/``. Skipped like the quickstart test when Chromium
or the browser extra is missing.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from test_browser_quickstart import lab_page, run_whole_notebook, serve_copy

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from serve_copy(tmp_path_factory, "07_tracking.ipynb", "tracking.ipynb")


def test_the_tracking_notebook_runs_in_jupyterlab(lab: str) -> None:
    with lab_page(lab) as page:
        text = run_whole_notebook(page, "tracking_done.png")
        assert text.count("track news: 3 chats") == 3  # one summary line per round
        assert "collected over 3 tracking runs" in text  # the package's statement
        assert page.locator(".jp-OutputArea-output img").count() >= 2  # the two plots
        dashboard = " ".join(page.eval_on_selector_all(
            ".jp-OutputArea-output .widget-html-content",
            "nodes => nodes.map(n => n.textContent)",
        ))
        assert "track" in dashboard and "DONE" in dashboard
