"""Subscribers to the manager's events, and delivering events to them safely.

Example::

    subscribers = ManagerSubscribers()
    unsubscribe = subscribers.add(print)
    subscribers.send(event)   # print(event); a callback that raises is logged
    unsubscribe()
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from .snapshot import ManagerEvent

__all__ = ["ManagerSubscribers"]

logger = logging.getLogger(__name__)


class ManagerSubscribers:
    """Callbacks that receive every manager event; one that raises is logged and kept."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[ManagerEvent], Any]] = []

    def __bool__(self) -> bool:
        return bool(self._callbacks)

    def add(self, callback: Callable[[ManagerEvent], Any]) -> Callable[[], None]:
        """Call ``callback(event)`` on every event; returns an unsubscribe."""
        self._callbacks.append(callback)

        def unsubscribe() -> None:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

        return unsubscribe

    def send(self, event: ManagerEvent) -> None:
        """Deliver ``event`` to every subscriber, in the order they subscribed."""
        for callback in list(self._callbacks):
            try:
                callback(event)
            except Exception:
                logger.exception("a SessionManager subscriber raised; ignoring it")
