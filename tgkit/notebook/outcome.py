"""What a notebook cell says when a tgkit call ends: one line, or one short block.

Three things a researcher sees at the end of a blocking call, kept short:

* **stopped** (Ctrl-C, the stop button, the dashboard's cancel button,
  ``tg.cancel``, a timeout): one line naming the operation, who stopped it
  (the ``by`` of the error it ended with, ``tgkit.errors.Cancelled.by``),
  how many rows it had and where they are::

      cancelled members @big_public_group after 11,532 rows (by Ctrl-C / the stop
      button); tg.last.partial has them; run the same call again to resume

* **failed** with a :class:`~tgkit.errors.TgkitError`: a short block (the
  message, which says what to do, and how to see the full traceback) instead
  of 110-145 lines through the scheduler, resolver and RPC layers. IPython
  asks an exception for ``_render_traceback_()``; TgkitError has one once
  this module is imported (it sets ``tgkit.core.errors.render_in_ipython``).
* **from the store**: a one-line notice that the rows were collected earlier
  (:func:`store_notice`).

The full traceback stays one command away: ``%tb`` renders the error again,
and every rendering after the first is the full one. ``full_tracebacks(True)``
(or ``TGKIT_FULL_TRACEBACKS=1`` in the kernel's environment) shows it at
once. Python scripts and the ``tgkit`` command never call
``_render_traceback_``: they keep their normal tracebacks and exit codes.
"""

from __future__ import annotations

import os
from typing import Any

import tgkit.errors as core_errors

__all__ = [
    "ended_error",
    "full_tracebacks",
    "short_block",
    "shorten",
    "stop_line",
    "store_notice",
]

_FULL = {"on": os.environ.get("TGKIT_FULL_TRACEBACKS", "") not in ("", "0")}

HOW_TO_SEE_ALL = "(full traceback: %tb, or tgkit.notebook.full_tracebacks(True) for every error)"


def full_tracebacks(on: bool = True) -> None:
    """Show tgkit's errors with their full traceback in IPython/Jupyter (default: short).

    Example::

        tgkit.notebook.full_tracebacks(True)
    """
    if not isinstance(on, bool):
        raise TypeError(f"full_tracebacks takes True or False, got {on!r}")
    _FULL["on"] = on


def _full_traceback(error: BaseException) -> list[str]:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - _render_traceback_ is only called by IPython
        get_ipython = None
    shell = get_ipython() if get_ipython is not None else None
    if shell is None:
        import traceback

        return traceback.format_exception(type(error), error, error.__traceback__)
    return list(
        shell.InteractiveTB.structured_traceback(type(error), error, error.__traceback__)
    )


def shorten(error: BaseException, lines: list[str]) -> None:
    """Make IPython show ``error`` as ``lines`` the first time, in full after (``%tb``)."""
    error._tgkit_lines = lines  # type: ignore[attr-defined]
    if not isinstance(error, core_errors.TgkitError):  # TgkitError renders through the hook
        error._render_traceback_ = lambda: render(error)  # type: ignore[attr-defined]


def render(error: BaseException) -> list[str]:
    """What IPython shows for ``error``: its short lines once, the full traceback after."""
    if _FULL["on"] or getattr(error, "_tgkit_rendered", False):
        return _full_traceback(error)
    error._tgkit_rendered = True  # type: ignore[attr-defined]
    lines = getattr(error, "_tgkit_lines", None)
    return list(lines) if lines is not None else short_block(error)


def short_block(error: BaseException) -> list[str]:
    """A TgkitError as IPython shows it: its name and message, then how to see all."""
    red, reset = "\x1b[0;31m", "\x1b[0m"
    message = str(error) or type(error).__doc__ or ""
    return [f"{red}{type(error).__name__}{reset}: {message}", HOW_TO_SEE_ALL]


core_errors.render_in_ipython = render


def ended_error(handle: Any) -> BaseException | None:
    """The error an ended ``handle`` raises (its ``Cancelled``, ...), None if it has none."""
    try:
        error = handle.exception()
    except BaseException:  # not ended, or a future that raises CancelledError here
        return None
    return error if isinstance(error, BaseException) else None


def _who(error: BaseException | None) -> str | None:
    """Who stopped it, from the error it ended with: ``Cancelled.by``, "timeout", ..."""
    by = getattr(error, "by", None)
    if isinstance(by, str):
        return by
    if isinstance(error, core_errors.SessionClosed):
        return "session closing"
    return None


def stop_line(job: Any, *, has_store: bool = False) -> str:
    """'cancelled members @x after 11,532 rows (by ...); tg.last.partial has them; ...'."""
    state = job.state.name.lower()
    what = "timed out" if state == "timed_out" else "cancelled"
    who = _who(ended_error(job.handle))
    by = f"by {core_errors.canceller_text(who)}" if who else ""
    rows = _rows(job.partial)
    gathered = f" after {rows:,} rows" if rows is not None else ""
    line = f"{what} {job.label or job.id}{gathered}"
    if by:
        line += f" ({by})"
    if rows:
        line += "; tg.last.partial has them"
    if has_store:
        line += "; run the same call again to resume"
    return line


def _rows(partial: Any) -> int | None:
    try:
        return len(partial) if partial is not None else 0
    except TypeError:
        return None


def store_notice(frame: Any) -> str | None:
    """'members of @x from the store, collected 2026-12-04 11:32 UTC; refresh=True ...'."""
    attrs = getattr(frame, "attrs", None)
    if not attrs or not attrs.get("from_store"):
        return None
    when = attrs.get("collected_at")
    stamp = f", collected {when:%Y-%m-%d %H:%M UTC}" if hasattr(when, "strftime") else ""
    target = attrs.get("target") or ""
    rows = len(frame)
    return (
        f"{rows:,} rows of {target} from the store{stamp} (no requests); "
        "refresh=True collects afresh"
    ).replace(" of  from", " from")


def found_text(result: Any, unit: str) -> str | None:
    """What a successful call found: '24,541 of 25,003 members, 98.2 %; 462 unreachable: …'."""
    attrs = getattr(result, "attrs", None)
    if attrs is None:
        return None
    rows = len(result)
    total = attrs.get("reported_total")
    if isinstance(total, int) and total > 0 and rows < total:
        text = f"{rows:,} of {total:,} {unit}, {100 * rows / total:.1f} %"
        text += f"; {total - rows:,} unreachable"
        note = attrs.get("coverage_note")
        if note:
            text += f": {note}"
    elif isinstance(total, int) and total > 0:
        text = f"{rows:,} of {total:,} {unit}, 100 %"
    else:
        text = f"{rows:,} {unit}"
    if attrs.get("from_store"):
        text += " (from the store)"
    return text
