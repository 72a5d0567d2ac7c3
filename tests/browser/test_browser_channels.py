"""05_channels.ipynb in JupyterLab + headless Chromium (issue 16): every cell runs without an
error, and the page shows what the issue asks for: chat info for several chats, a week of
posts with forward origins, hashtags and domains as bar plots, comments per post, the
edits and deletions a monitor saw, and a comparison of two collections.

Screenshots go to ``artifacts/browser/``. Skipped like the quickstart test when Chromium
or the browser extra is missing.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from test_browser_quickstart import lab_page, run_whole_notebook, serve_copy

pytestmark = [pytest.mark.browser, pytest.mark.timeout(400)]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from serve_copy(tmp_path_factory, "05_channels.ipynb", "channels.ipynb")


def test_the_channels_notebook_runs_in_jupyterlab(lab: str) -> None:
    with lab_page(lab) as page:
        text = run_whole_notebook(page, "channels_done.png")
        # chat info: the table with its columns, and the user listed as not read
        assert "participants_count" in text and "linked_chat_id" in text
        # a week of posts: forward origins counted, hashtags and domains
        assert "fwd_from_type" in text and "#" in text
        # comments per post, and the edits and deletions
        assert "comments under" in text and "posts" in text
        assert "(updated) #politics" in text  # the monitor's events, newest version
        assert "delete" in text and "edit" in text
        assert "'deleted'" in text and "'edited'" in text  # compare()'s counts
        # the bar plots are HTML tables whose cells get bars (Styler.bar's CSS)
        bar_plots = page.eval_on_selector_all(
            ".jp-OutputArea-output style",
            "nodes => nodes.filter(n => n.textContent.includes('linear-gradient')).length",
        )
        assert bar_plots >= 2
        dashboard = " ".join(page.eval_on_selector_all(
            ".jp-OutputArea-output .widget-html-content",
            "nodes => nodes.map(n => n.textContent)",
        ))
        assert all(name in dashboard for name in ("chat_info", "messages", "comments"))
