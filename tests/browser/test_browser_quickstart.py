"""The quickstart notebook in a real browser: JupyterLab + headless Chromium + Playwright.

Starts JupyterLab headless on 127.0.0.1 (a token, ``port_retries=0``), opens
``notebooks/01_quickstart.ipynb`` (a copy), runs all cells, and checks that the
dashboard widget renders and updates while the blocking members cell runs,
then shows the finished history. Screenshots go to ``artifacts/browser/``.

Needs Debian's ``chromium`` at /usr/bin/chromium and the ``browser`` extra
(``pip install -e ".[browser]"``); it never downloads a browser. Without them
it is skipped, saying which is missing.
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "artifacts" / "browser"
#: A cell's error output, as Lab renders it.
ERRORS = (".jp-OutputArea-output [data-mime-type*='error'], "
          ".jp-RenderedText[data-mime-type='application/vnd.jupyter.error']")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return "no /usr/bin/chromium (apt-get install chromium)"
    for module in ("playwright", "jupyterlab"):
        if importlib.util.find_spec(module) is None:
            return f'{module} is not installed (pip install -e ".[browser]")'
    return None


if (reason := _missing()) is not None:
    pytest.skip(reason, allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"JupyterLab exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.25)
    pytest.fail(f"JupyterLab did not come up:\n{log.read_text()[-3000:]}")


def _start_kernel(base: str, token: str, path: str) -> None:
    """Start the notebook's kernel through the REST API, so Lab asks no kernel question."""
    body = json.dumps(
        {"path": path, "name": path, "type": "notebook", "kernel": {"name": "python3"}}
    ).encode()
    request = urllib.request.Request(
        f"{base}/api/sessions",
        data=body,
        method="POST",
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201, response.read()


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A headless JupyterLab serving a copy of the quickstart; yields the notebook's URL."""
    home = tmp_path_factory.mktemp("lab")
    served = home / "notebooks"
    served.mkdir()
    shutil.copy(ROOT / "notebooks" / "01_quickstart.ipynb", served / "quickstart.ipynb")
    yield from serve_lab(home, "quickstart.ipynb")


def serve_copy(factory: pytest.TempPathFactory, notebook: str, name: str) -> Iterator[str]:
    """JupyterLab over a copy of ``notebooks/<notebook>`` saved as ``<name>``; yields its URL."""
    home = factory.mktemp(f"lab-{Path(name).stem}")
    (home / "notebooks").mkdir()
    shutil.copy(ROOT / "notebooks" / notebook, home / "notebooks" / name)
    yield from serve_lab(home, name)


def run_whole_notebook(page, screenshot: str) -> str:  # type: ignore[no-untyped-def]
    """Run All Cells, wait until every cell ran and the kernel is idle, save a screenshot
    and check no cell shows an error; gives the notebook's text."""
    _run_all_cells(page)
    if not _started_running(page):
        # On a loaded machine Lab can swallow the menu command (a menu that closed
        # under the click, a kernel dialog racing it): nothing queued, nothing ran.
        print("Run All Cells queued nothing; choosing it again")
        _run_all_cells(page)
    _wait(page, lambda: _busy_cells(page) == 0 and _all_ran(page), "every cell to run",
          timeout=240)
    page.wait_for_selector(IDLE_KERNEL, timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / screenshot), full_page=True)
    assert page.locator(ERRORS).count() == 0
    return str(page.locator(".jp-Notebook").inner_text())


def serve_lab(home: Path, notebook: str) -> Iterator[str]:
    """JupyterLab over ``home / "notebooks"``, ``notebook``'s kernel started; yields its URL."""
    served = home / "notebooks"
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
    }
    # No "official Jupyter news?" toast over the screenshots.
    settings = home / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    # Lab 4 detaches the DOM of cells scrolled out of view ("windowing"); while the
    # run scrolls down, the dashboard in the first cell must stay in the page.
    tracker = home / "settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    log = home / "lab.log"
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={served}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.news_url=None",
        "--LabApp.extension_manager=readonly",  # no PyPI look-ups from the test
        *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
    ]
    with log.open("wb") as output:
        server = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_up(f"{base}/api/status?token={token}", server, log)
        _start_kernel(base, token, notebook)
        yield f"{base}/lab/tree/{notebook}?token={token}"
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()


def _lock_texts(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.eval_on_selector_all(
        ".jp-OutputArea-output .widget-html-content",
        "nodes => nodes.map(n => n.textContent)",
    )


IDLE_KERNEL = ".jp-Notebook-ExecutionIndicator[data-status='idle']"


def _all_ran(page) -> bool:  # type: ignore[no-untyped-def]
    prompts = page.eval_on_selector_all(
        ".jp-CodeCell .jp-InputArea-prompt", "nodes => nodes.map(n => n.textContent)"
    )
    return bool(prompts) and all(any(ch.isdigit() for ch in prompt) for prompt in prompts)


def _started_running(page) -> bool:  # type: ignore[no-untyped-def]
    """Did Run All queue the cells (some cell busy, or all ran) within 20 seconds?"""
    return _poll(page, lambda: bool(_busy_cells(page)) or _all_ran(page), 20)


def _accept_kernel_dialog(page) -> None:  # type: ignore[no-untyped-def]
    """Lab may still ask which kernel to start (a race with the REST session): accept."""
    accept = page.locator(".jp-Dialog .jp-mod-accept")
    if accept.count() and accept.first.is_visible():
        accept.first.click()


def _run_all_cells(page) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import Error as PlaywrightError

    for _ in range(5):
        page.wait_for_timeout(300)
        _accept_kernel_dialog(page)
        try:
            page.click(".lm-MenuBar-itemLabel:text-is('Run')", timeout=5_000)
            page.click(".lm-Menu-itemLabel:text-is('Run All Cells')", timeout=5_000)
            return
        except PlaywrightError:  # a dialog got in the way: accept it and try again
            continue
    pytest.fail("could not run all cells from the Run menu")


def _show_dashboard(page) -> None:  # type: ignore[no-untyped-def]
    """Scroll the dashboard (the first cell's output) into view for a screenshot."""
    page.locator(".jp-OutputArea-output .widget-vbox").first.scroll_into_view_if_needed()


def _busy_cells(page) -> int:  # type: ignore[no-untyped-def]
    prompts = page.eval_on_selector_all(
        ".jp-InputArea-prompt", "nodes => nodes.map(n => n.textContent)"
    )
    return sum("*" in prompt for prompt in prompts)


def _poll(page, check, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    """Whether ``check()`` came true within ``timeout`` seconds, accepting kernel dialogs."""
    deadline = time.monotonic() + timeout
    while not check():
        _accept_kernel_dialog(page)
        if time.monotonic() > deadline:
            return False
        page.wait_for_timeout(50)
    return True


def _wait(page, check, what: str, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    if not _poll(page, check, timeout):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "failure.png"), full_page=True)
        pytest.fail(f"timed out waiting for {what}; see artifacts/browser/failure.png")


@contextmanager
def lab_page(lab: str, height: int = 1000) -> Iterator:  # type: ignore[type-arg]
    """A Chromium page on ``lab`` (a served notebook URL), its notebook drawn and its
    kernel idle; the browser is closed afterwards. Shared by every browser test."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": height})
            page.goto(lab)
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
            page.wait_for_selector(IDLE_KERNEL, timeout=60_000)
            yield page
        finally:
            browser.close()


def test_quickstart_runs_in_jupyterlab_and_the_dashboard_stays_live(lab: str) -> None:
    with lab_page(lab) as page:
        _run_all_cells(page)

        # The dashboard renders, then shows the members scrape holding the lock
        # while that cell is still running: the widget updates mid-cell.
        # (free, or already held: on a loaded machine the next cell may have started)
        _wait(page, lambda: any("free" in t or "held by" in t for t in _lock_texts(page)),
              "the dashboard", timeout=120)
        _wait(
            page,
            lambda: _busy_cells(page) > 0
            and any("held by op-1" in t for t in _lock_texts(page)),
            "the dashboard to show op-1 holding the lock during the blocking cell",
        )
        seen_while_blocking = _lock_texts(page)
        _show_dashboard(page)
        page.screenshot(path=str(ARTIFACTS / "dashboard_while_blocking.png"))
        # ... and keeps moving (progress, seconds held) while that cell still runs
        _wait(
            page,
            lambda: _busy_cells(page) > 0
            and any("held by op-1" in t for t in _lock_texts(page))
            and _lock_texts(page) != seen_while_blocking,
            "the dashboard to update again while the blocking cell still runs",
        )

        _wait(page, lambda: _busy_cells(page) == 0 and _all_ran(page), "every cell to run",
              timeout=120)
        page.wait_for_selector(IDLE_KERNEL, timeout=30_000)
        _show_dashboard(page)
        page.screenshot(path=str(ARTIFACTS / "quickstart_done.png"))
        assert page.locator(".jp-OutputArea-output [data-mime-type*='error'], "
                            ".jp-RenderedText[data-mime-type='application/vnd.jupyter.error']"
                            ).count() == 0
        final = " ".join(_lock_texts(page))
        assert "free" in final and "op-3" in final and "DONE" in final
