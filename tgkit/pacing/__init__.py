"""Pacing: per-account, per-request-type budgets and Telegram's flood waits.

``pacer.py`` holds the :class:`Pacer` (its docstring explains the algorithm);
``window.py`` the sliding-window log behind each budget, ``floods.py`` the
flood waits per request type, ``state.py`` the snapshots and events the
dashboard reads, ``report.py`` the per-operation request report.
"""

from tgkit.pacing.pacer import (
    Pacer,
    PacingEvent,
    PacingEventKind,
    PacingSnapshot,
    PacingStore,
    RateUsage,
    Waiting,
    WaitReason,
)

__all__ = [
    "Pacer",
    "PacingEvent",
    "PacingEventKind",
    "PacingSnapshot",
    "PacingStore",
    "RateUsage",
    "WaitReason",
    "Waiting",
]
