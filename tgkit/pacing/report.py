"""The pacing part of an operation's report: requests by type and seconds waited.

The session core's running operation (``tgkit.core.current_operation()``)
carries a mutable ``report``; the pacer adds to it as it lets requests
through::

    report["requests"]       # {"channels.GetParticipants": 12, ...}
    report["budget_wait_s"]  # seconds held back by tgkit's budgets
    report["flood_wait_s"]   # seconds held back by Telegram's flood waits
"""

from __future__ import annotations

from typing import Any

__all__ = ["add_to_report"]


def add_to_report(
    request_type: str | None, *, budget_wait_s: float = 0.0, flood_wait_s: float = 0.0
) -> None:
    """Count one ``request_type`` request (``None``: none was sent) and the waits before it.

    Does nothing outside an operation.

    >>> add_to_report("messages.GetHistory", budget_wait_s=1.5)  # outside: no effect
    """
    report = _operation_report()
    if report is None:
        return
    if request_type is not None:
        requests = report.setdefault("requests", {})
        requests[request_type] = requests.get(request_type, 0) + 1
    report["budget_wait_s"] = report.get("budget_wait_s", 0.0) + budget_wait_s
    report["flood_wait_s"] = report.get("flood_wait_s", 0.0) + flood_wait_s


def _operation_report() -> dict[str, Any] | None:
    """The running operation's report, or ``None`` outside an operation."""
    try:
        from tgkit.core import current_operation
    except ImportError:  # a Pacer also works without the session core
        return None
    operation = current_operation()
    return None if operation is None else operation.report
