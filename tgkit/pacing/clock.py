"""The pacer's clock: epoch seconds that follow the running event loop's clock.

A pacer saves its waits as epochs (they outlive the process), so it reads
``time.time()``. Its waits are slept on the event loop, though, and a loop
may keep a clock of its own: looptime's virtual clock in tests, where a
sleep of a minute takes no real time. Read on such a loop, ``time.time()``
would say the wait has not ended when the loop's timer says it has, and the
pacer would sleep again and again. So on a loop whose ``time()`` is not the
standard one, this clock is that loop's time shifted to the epoch (the shift
taken once per loop); on a standard loop, and outside any loop, it is
``time.time()`` itself.
"""

from __future__ import annotations

import asyncio
import time
import weakref

__all__ = ["epoch_clock"]

_STANDARD_TIME = asyncio.BaseEventLoop.time
_shifts: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, float] = (
    weakref.WeakKeyDictionary()
)


def epoch_clock() -> float:
    """Epoch seconds, following the running loop's clock when that clock is not the standard one.

    >>> abs(epoch_clock() - time.time()) < 1.0
    True
    """
    loop = asyncio._get_running_loop()  # get_running_loop without the exception
    if loop is None or type(loop).time is _STANDARD_TIME:
        return time.time()
    shift = _shifts.get(loop)
    if shift is None:
        shift = _shifts[loop] = time.time() - loop.time()
    return loop.time() + shift
