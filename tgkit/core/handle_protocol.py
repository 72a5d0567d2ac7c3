"""``Handle``: what every handle tgkit gives back has, whichever face gave it.

The scheduler's ``OperationHandle``, a session's ``MonitorHandle``, the
manager's ``ManagedHandle`` and ``ManagedMonitorHandle``, and the notebook's
``Job`` and ``Monitor`` all follow it, so code that waits on, watches or
cancels an operation never asks which face started it::

    async def stop_if_slow(handle: Handle, seconds: float) -> Any:
        try:
            async with asyncio.timeout(seconds):
                return await handle
        except TimeoutError:
            handle.cancel()
            return handle.partial     # what it gathered before the cancel
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, Protocol, runtime_checkable

from tgkit.core.kinds import OperationKind
from tgkit.core.operation import OperationState, Progress

__all__ = ["Handle"]


@runtime_checkable
class Handle(Protocol):
    """An operation in flight or ended: await it, watch it, cancel it.

    ``partial`` is what it gathered so far (kept after a failure, a timeout
    or a cancel); ``result()`` is the result once it has ended (its error
    raised if it failed); ``cancel(by=)`` returns False when it had already ended,
    and otherwise makes awaiting it raise ``tgkit.errors.Cancelled`` whose ``by`` is ``by``.
    """

    @property
    def id(self) -> str: ...

    @property
    def kind(self) -> OperationKind: ...

    @property
    def label(self) -> str: ...

    @property
    def state(self) -> OperationState: ...

    @property
    def progress(self) -> Progress: ...

    @property
    def partial(self) -> Any: ...

    def cancel(self, by: str = "handle") -> bool: ...

    def done(self) -> bool: ...

    def result(self) -> Any: ...

    def __await__(self) -> Generator[Any, Any, Any]: ...
