"""Live monitoring: new messages of some chats, into a frame that grows while it runs.

A monitor is one exclusive MONITOR operation: while it runs it holds the
session, so scrapes queue behind it (requirement 1.2) and start when it ends.
It registers one ``events.NewMessage`` handler for its chats and removes it
when it ends, however it ends (duration over, ``stop()``, cancel, timeout,
error): no handler or task is left behind, and other sessions' monitors are
untouched (each session has its own client).

**No gap, no duplicate.** When it starts, the monitor notes each chat's newest
message id. After a lost connection (reconnected with bounded retries) or a
stall (no live message for ``stall_after`` seconds) it back-fills from
history every message newer than the last id history confirmed, and once more
when it ends normally. In a supergroup or channel, whose ids count up one by
one, a live message whose id skips past the newest one seen shows a gap (a
push the server lost, a "too long" difference Telethon skipped): that chat is
back-filled a second later, at most every ``GAP_INTERVAL_S`` seconds (deleted
messages and service messages leave such gaps too, and cost one request).
Rows are keyed by (chat id, message id), so a message that arrives both live
and by back-fill is one row. Each back-fill is listed in
``MonitorHandle.backfills`` and in the frame's ``attrs["backfills"]``.

Rows are also written to the store (when the session has one), as a messages
collection of their own, so a crash loses nothing.

Example::

    handle = session.monitor(["@group"], duration=600)
    handle.frame()        # the rows so far
    handle.stop()
    df = await handle     # the final frame
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from typing import Any

import pandas as pd

from tgkit.core import OperationHandle, OperationKind, Progress
from tgkit.telegram.catalogue import CALLBACK, DURATION, TARGETS, Arguments, OperationSpec, Param
from tgkit.telegram.collect import PageCollector, collecting
from tgkit.telegram.context import TelegramContext, utc_now
from tgkit.telegram.monitor_changes import events_kept
from tgkit.telegram.monitor_state import TIME_ORDER, Backfill, MonitorOptions, MonitorState
from tgkit.telegram.monitor_watch import Watch
from tgkit.telegram.targets import Target

__all__ = [
    "MONITOR",
    "MONITOR_GRACE_S",
    "Backfill",
    "MonitorHandle",
    "MonitorOptions",
    "MonitorState",
    "run_monitor",
]

#: Extra run time a monitor gets beyond its duration (final back-fill, cleanup).
MONITOR_GRACE_S = 60.0


class MonitorHandle:
    """A running (or queued, or finished) monitor.

    ``frame()`` gives the rows so far, ``count`` how many, ``backfills`` what
    was recovered from history, ``stop()`` ends it normally (a final
    back-fill, then the frame), ``cancel()`` ends it at once. Awaiting the
    handle waits for the end and returns the final frame. Like the scheduler,
    it is used from the event loop's thread (the notebook layer hops there).

    Example::

        handle = session.monitor("@group", duration=60)
        await asyncio.sleep(5); handle.count
        df = await handle
    """

    def __init__(self, state: MonitorState, operation: OperationHandle) -> None:
        self._state = state
        self.operation = operation

    def __repr__(self) -> str:
        return f"<MonitorHandle {self.operation.id} {self.state.name} rows={self.count}>"

    def __await__(self) -> Generator[Any, None, pd.DataFrame]:
        return self.operation.__await__()

    @property
    def id(self) -> str:
        return self.operation.id

    @property
    def kind(self) -> OperationKind:
        return self.operation.kind

    @property
    def label(self) -> str:
        return self.operation.label

    @property
    def state(self) -> Any:
        return self.operation.state

    @property
    def progress(self) -> Progress:
        """Messages so far (a monitor has no total)."""
        return self.operation.progress

    @property
    def partial(self) -> pd.DataFrame:
        """The rows so far: for a monitor, what it recorded before it ended or was stopped."""
        return self.frame()

    @property
    def report(self) -> dict[str, Any]:
        return self.operation.report

    def result(self) -> pd.DataFrame:
        """The final frame once the monitor has ended (its error if it failed)."""
        result: pd.DataFrame = self.operation.result()
        return result

    def add_done_callback(self, callback: Callable[[Any], object]) -> None:
        self.operation.add_done_callback(lambda _: callback(self))

    @property
    def count(self) -> int:
        """Messages collected so far."""
        return len(self._state.collector)

    @property
    def backfills(self) -> tuple[Backfill, ...]:
        """Every back-fill so far: when, why and how many messages it added."""
        return tuple(self._state.backfills)

    @property
    def listening(self) -> bool:
        """True while the monitor's handler is in place (edits and deletions are seen live
        only then; new messages posted before are back-filled)."""
        return self._state.listening

    @property
    def backfilled(self) -> int:
        """How many messages came from back-fills rather than live updates."""
        return sum(b.added for b in self._state.backfills)

    def frame(self) -> pd.DataFrame:
        """The rows so far (a new DataFrame each call)."""
        return self._state.frame()

    def events(self) -> pd.DataFrame:
        """What happened so far: one row per new, edited or deleted message (see
        ``tgkit.telegram.monitor_changes``)."""
        return self._state.changes.frame(self._state.events_attrs())

    def stop(self) -> None:
        """End the monitor normally; a queued monitor is cancelled."""
        if self.operation.state.name == "QUEUED":
            self.operation.cancel()
        self._state.stop_requested.set()

    def cancel(self, by: str = "handle") -> bool:
        """End the monitor at once (no final back-fill); False if it had already ended.

        Awaiting it then raises ``tgkit.errors.Cancelled`` whose ``by`` is ``by``."""
        return self.operation.cancel(by=by)

    def done(self) -> bool:
        return self.operation.done()


async def run_monitor(
    ctx: TelegramContext,
    targets: Sequence[Target],
    options: MonitorOptions,
    state: MonitorState,
) -> pd.DataFrame:
    """The MONITOR operation: watch ``targets`` for ``options.duration`` seconds."""
    state.chats = tuple([await ctx.resolver.resolve(target) for target in targets])
    if ctx.store is not None:
        key = {"store": ctx.store, "account": ctx.account, "resume": False,
               "target": "monitor:" + ",".join(target.key for target in targets),
               "params": {"started": utc_now()}}
        state.use_collector(PageCollector.open("messages", order_by=TIME_ORDER, **key))
        state.changes.use_collector(PageCollector.open("events", **key))
    watch = Watch(ctx, options, state)
    with collecting(state.collector, state.attrs), events_kept(state.changes, state.events_attrs):
        await watch.run()
    state.changes.collector.finish("complete", attrs=state.events_attrs())
    state.collector.finish("complete", attrs=state.attrs())
    return state.frame()


# -- the operation ----------------------------------------------------------------------


async def _monitor_steps(ctx: TelegramContext, args: Arguments, live: MonitorState) -> Any:
    options = MonitorOptions(args["duration"], args["stall_after"])
    return await run_monitor(ctx, args["targets"], options, live)


MONITOR = OperationSpec(
    name="monitor",
    kind=OperationKind.MONITOR,
    summary="Watch chats for new, edited and deleted messages for ``duration``; returns a "
    "live handle at once.",
    details=(
        "An exclusive MONITOR operation: scrapes on the same account queue until it ends. "
        "The handle's ``frame()`` grows while it runs, ``stop()`` ends it (a last back-fill), "
        "awaiting it gives the final frame. Gaps (disconnects, stalls) are back-filled from "
        "history. Edits replace a row by its newest version; ``events()`` lists every new, "
        "edited and deleted message. ``on_message(row)`` (sync or async) gets each new row "
        "as a dict. Its run "
        "timeout is at least ``duration`` plus a minute."
    ),
    params=(
        Param("targets", TARGETS, positional=True, help="the chats to watch"),
        Param("duration", DURATION, positional=True, help="how long to watch"),
        Param("on_message", CALLBACK, None, "called with each new row", positional=True, cli=False),
        Param("stall_after", DURATION, 60.0, "check history after this long without a message"),
    ),
    run=_monitor_steps,
    frame="messages",
    unit="messages",
    live_state=lambda args: MonitorState(args["on_message"]),
    live_handle=MonitorHandle,
    least_timeout=lambda args: args["duration"] + MONITOR_GRACE_S,
    exclusive=False,
    example=(["@small_group"],),
    example_options={"duration": "10min"},
)
