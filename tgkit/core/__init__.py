"""The queued session core: one operation at a time per account, in priority order.

Imports nothing from Telegram, pandas or Jupyter; it schedules any async
callable::

    scheduler = Scheduler(SchedulerConfig(), name="alice")
    await scheduler.start()
    handle = scheduler.submit(OperationKind.SCRAPE, scrape_members, "@group")
    members = await handle
    await scheduler.stop()

Telegram's settings (budgets, flood waits, reconnects) are not core's:
``SessionConfig``, ``Rate``, ``DEFAULT_BUDGETS``, ``BUDGET_GROUPS`` and
``budget_name`` are still importable from here for existing code, but they
live in ``tgkit.telegram.settings`` and ``tgkit.pacing.budgets`` and are
loaded from there on first use; no module of the core imports them.
"""

import importlib
from typing import Any

from tgkit.core.config import SchedulerConfig
from tgkit.core.errors import (
    LockTimeout,
    OperationTimeout,
    QueueTimeout,
    SessionClosed,
    TgkitError,
)
from tgkit.core.events import Subscribers
from tgkit.core.handle import OperationHandle
from tgkit.core.history import History
from tgkit.core.kinds import OperationKind
from tgkit.core.lock import SessionLock
from tgkit.core.operation import Operation, OperationState, Progress, current_operation
from tgkit.core.scheduler import Scheduler
from tgkit.core.views import (
    EventType,
    OperationRecord,
    OperationView,
    SchedulerEvent,
    SchedulerSnapshot,
)

__all__ = [
    "EventType",
    "History",
    "LockTimeout",
    "Operation",
    "OperationHandle",
    "OperationKind",
    "OperationRecord",
    "OperationState",
    "OperationTimeout",
    "OperationView",
    "Progress",
    "QueueTimeout",
    "Scheduler",
    "SchedulerConfig",
    "SchedulerEvent",
    "SchedulerSnapshot",
    "SessionClosed",
    "SessionLock",
    "Subscribers",
    "TgkitError",
    "current_operation",
]

# Names kept for code written before the split (see the module docstring).
_MOVED = {
    "SessionConfig": "tgkit.telegram.settings",
    "Rate": "tgkit.pacing.budgets",
    "DEFAULT_BUDGETS": "tgkit.pacing.budgets",
    "BUDGET_GROUPS": "tgkit.pacing.budgets",
    "budget_name": "tgkit.pacing.budgets",
}


def __getattr__(name: str) -> Any:
    module = _MOVED.get(name)
    if module is None:
        raise AttributeError(f"module 'tgkit.core' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
