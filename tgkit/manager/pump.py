"""When the dispatcher looks at its queue: on events, never by polling.

A ``Pump`` runs one pass (a function that returns the seconds until the
earliest wait it saw ends, or None) when asked:

- ``run()`` now, unless a pass is running (then that pass repeats);
- ``again()`` during a pass: repeat it (something it did freed a slot);
- ``soon()`` once the current callbacks are done, however often asked;
- by itself a hair after the earliest wait the last pass saw ends (one timer).

``close()`` stops it for good. No Telegram here.

Example::

    pump = Pump(dispatch_pending)
    pump.run()      # dispatch_pending() runs until nobody asks again
    pump.close()
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

__all__ = ["Pump"]


class Pump:
    """Runs ``one_pass`` on events, never inside itself, with at most one timer."""

    def __init__(self, one_pass: Callable[[], float | None]) -> None:
        self._one_pass = one_pass
        self._timer: asyncio.TimerHandle | None = None
        self._soon: asyncio.Handle | None = None
        self._running = False
        self._again = False
        self._closed = False

    def run(self) -> None:
        """Run passes until none asks for another; then arm the timer."""
        if self._closed:
            return
        if self._running:
            self._again = True
            return
        self._running = True
        try:
            earliest = None
            self._again = True
            while self._again:
                self._again = False
                earliest = self._one_pass()
        finally:
            self._running = False
        self._arm_timer(earliest)

    def again(self) -> None:
        """Repeat the pass running now (no effect outside a pass)."""
        self._again = True

    def soon(self) -> None:
        """Run once the event loop's current callbacks are done."""
        if self._soon is None and not self._closed:
            self._soon = asyncio.get_running_loop().call_soon(self._run_soon)

    def close(self) -> None:
        """Never run again; drop the timer and any run asked for soon."""
        self._closed = True
        for handle in (self._timer, self._soon):
            if handle is not None:
                handle.cancel()
        self._timer = self._soon = None

    def _arm_timer(self, earliest: float | None) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if earliest is not None and not self._closed:
            # a hair past the end, so the wait has ended when routing looks again
            delay = max(earliest, 0.0) + 0.001
            self._timer = asyncio.get_running_loop().call_later(delay, self._on_timer)

    def _run_soon(self) -> None:
        self._soon = None
        self.run()

    def _on_timer(self) -> None:
        self._timer = None
        self.run()
