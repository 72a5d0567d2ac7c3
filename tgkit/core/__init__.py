"""The queued session core: one operation at a time per account, in priority order.

Imports nothing from Telegram, pandas or Jupyter; it schedules any async
callable::

    scheduler = Scheduler(SessionConfig(), name="alice")
    await scheduler.start()
    handle = scheduler.submit(OperationKind.SCRAPE, scrape_members, "@group")
    members = await handle
    await scheduler.stop()
"""

from tgkit.core.budgets import BUDGET_GROUPS, DEFAULT_BUDGETS, Rate, budget_name
from tgkit.core.config import SessionConfig
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
    "BUDGET_GROUPS",
    "DEFAULT_BUDGETS",
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
    "Rate",
    "Scheduler",
    "SchedulerEvent",
    "SchedulerSnapshot",
    "SessionClosed",
    "SessionConfig",
    "SessionLock",
    "Subscribers",
    "TgkitError",
    "budget_name",
    "current_operation",
]
