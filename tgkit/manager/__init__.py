"""SessionManager: several Telegram accounts run as one.

``SessionManager`` routes each operation to one of its sessions (idle
first, then the shortest expected wait, never one in a flood wait for the
request types needed), applies ``ManagerLimits`` (a global cap, caps per
kind), runs one collection of a target at a time (identical requests join),
moves work hit by a long flood wait to another account (continuing from the
stored checkpoint) and fans lists of targets out with ``scrape_many``::

    from tgkit.manager import ManagerLimits, SessionManager
    async with SessionManager([alice, bob], limits=ManagerLimits(per_kind={"scrape": 2})) as m:
        frame, outcomes = await m.scrape_many(["@a", "@b", "@c"])

Modules: ``limits`` (caps, exclusivity), ``routing`` (the choice of a
session), ``dispatch`` (the manager's queue over bare schedulers; no
Telegram), ``pump`` (when the queue is looked at), ``retries`` (what an
attempt's end means: finish or move), ``jobs`` (requests, attempts,
handles), ``requests`` (a checked operation call as work), ``sessions``
(what the manager needs of a session: ``ManagedSession``; adapters),
``many`` (``scrape_many``), ``snapshot`` (views and events), ``events``
(delivering events to subscribers), ``manager`` (the facade: its operation
methods are generated from the catalogue, like the session's, and hand work
over with ``session.submit(spec, args)``).
"""

from __future__ import annotations

import importlib
from typing import Any

# The concurrency part (dispatch, limits, routing, jobs, ...) imports nothing
# from Telegram or pandas; the facade and scrape_many load on first use.
from tgkit.manager.dispatch import Dispatcher, NoSessionAvailable
from tgkit.manager.jobs import AttemptRecord, ManagedHandle
from tgkit.manager.limits import ManagerLimits
from tgkit.manager.snapshot import DispatchSnapshot, JobView, ManagerEvent, ManagerSnapshot

_LAZY = {
    "SessionManager": "tgkit.manager.manager",
    "ManyResult": "tgkit.manager.many",
    "OUTCOME_COLUMNS": "tgkit.manager.many",
    "ManagedMonitorHandle": "tgkit.manager.monitoring",
}

__all__ = [
    "OUTCOME_COLUMNS",
    "AttemptRecord",
    "DispatchSnapshot",
    "Dispatcher",
    "JobView",
    "ManagedHandle",
    "ManagedMonitorHandle",
    "ManagerEvent",
    "ManagerLimits",
    "ManagerSnapshot",
    "ManyResult",
    "NoSessionAvailable",
    "SessionManager",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tgkit.manager' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
