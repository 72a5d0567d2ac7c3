"""Widget clicks that arrive while a cell blocks: tgkit's buttons answer on a kernel subshell.

A kernel runs one cell at a time on its main thread, and an ipywidgets click
is a message on the same shell channel: while ``tg.members(...)`` blocks, the
click waits until the cell has ended, so a cancel button would cancel nothing
(or, worse, whatever runs next). ipykernel 7 can run *subshells*, extra
threads that handle shell messages of their own, and routes a comm's messages
to the subshell its ``_reply_subshell_for`` names. :func:`answer_while_blocked`
gives a widget's comm one tgkit subshell, so its clicks are handled at once,
on that thread, whatever the main thread is doing::

    button = widgets.Button(description="cancel")
    button.on_click(lambda _: runner.call_soon(handle.cancel))
    answer_while_blocked(button)       # True: clicks work during a blocking cell

Click handlers then run on the subshell's thread: they must be thread-safe
(tgkit's hop to its loop with ``call_soon``). Outside a kernel, or on an
ipykernel without subshells (before 7), nothing changes and the function
returns False: clicks are handled between cells, and the stop button (■) is
the way to cancel a blocking call. (``jupyter-ui-poll``, the usual answer for
older kernels, needs ``Kernel.do_one_iteration``, which ipykernel 7 removed.)
"""

from __future__ import annotations

import logging
import threading
from typing import Any

__all__ = ["answer_while_blocked", "subshell_id"]

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_subshell: dict[int, str] = {}  # id(kernel) -> the tgkit subshell of that kernel


def _kernel() -> Any:
    try:
        from ipykernel.kernelbase import Kernel
    except ImportError:
        return None
    return Kernel.instance() if Kernel.initialized() else None


def subshell_id(timeout: float = 5.0) -> str | None:
    """The id of tgkit's subshell in this kernel (created on first use); None if none can be."""
    kernel = _kernel()
    channel = getattr(kernel, "shell_channel_thread", None)
    if kernel is None or channel is None:
        return None
    with _lock:
        known = _subshell.get(id(kernel))
        if known is not None:
            return known
        made: list[str] = []
        ready = threading.Event()

        def create() -> None:  # subshells are created on the shell channel's thread
            try:
                made.append(channel.manager._create_subshell())
            except Exception:  # an ipykernel that changed its internals: degrade
                logger.debug("could not create a subshell", exc_info=True)
            finally:
                ready.set()

        channel.io_loop.add_callback(create)
        if not ready.wait(timeout) or not made:
            return None
        _subshell[id(kernel)] = made[0]
        return made[0]


def answer_while_blocked(widget: Any) -> bool:
    """Route ``widget``'s comm messages to tgkit's subshell; True if they now are."""
    comm = getattr(widget, "comm", None)
    if comm is None or not hasattr(comm, "_reply_subshell_for"):
        return False
    sid = subshell_id()
    if sid is None:
        return False
    # An instance attribute: the kernel looks it up per message, and the comm's own
    # bookkeeping (which resets the route whenever the kernel publishes) is bypassed.
    comm._reply_subshell_for = lambda data, default: sid
    return True
