"""Subscribers to a scheduler's events, and delivering events to them safely."""

from __future__ import annotations

import logging
from collections.abc import Callable

from tgkit.core.views import SchedulerEvent

logger = logging.getLogger(__name__)

Subscriber = Callable[[SchedulerEvent], object]


class Subscribers:
    """Callbacks that receive every event; one that raises is logged and kept.

    >>> subscribers = Subscribers()
    >>> unsubscribe = subscribers.add(print)
    >>> unsubscribe(); len(subscribers)
    0
    """

    __slots__ = ("callbacks",)

    def __init__(self) -> None:
        #: The subscribed callbacks, oldest first (a tuple: replaced, never mutated).
        self.callbacks: tuple[Subscriber, ...] = ()

    def __len__(self) -> int:
        return len(self.callbacks)

    def add(self, callback: Subscriber) -> Callable[[], None]:
        """Subscribe ``callback``; returns a function that unsubscribes it (safe to call twice)."""
        if not callable(callback):
            raise TypeError(f"callback must be callable, got {callback!r}")
        entry = _Entry(callback)
        self.callbacks = (*self.callbacks, entry)

        def unsubscribe() -> None:
            self.callbacks = tuple(c for c in self.callbacks if c is not entry)

        return unsubscribe

    def send(self, event: SchedulerEvent) -> None:
        """Deliver ``event`` to every subscriber, in the order they subscribed."""
        for callback in self.callbacks:
            try:
                callback(event)
            except Exception:
                logger.exception(
                    "event subscriber %r raised on %s %s; ignored",
                    callback,
                    event.type,
                    event.operation.id,
                )


class _Entry:
    """Wraps a callback so the same function subscribed twice is two subscriptions."""

    __slots__ = ("callback",)

    def __init__(self, callback: Subscriber) -> None:
        self.callback = callback

    def __call__(self, event: SchedulerEvent) -> object:
        return self.callback(event)

    def __repr__(self) -> str:
        return repr(self.callback)
