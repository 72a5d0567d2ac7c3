"""OperationQueue: the runs of queued operations in dispatch order, with their expiry deadlines.

Dispatch order is strict priority (higher first), FIFO within a priority.

Runs are kept in lanes, one deque per (priority, ``queue_timeout``) pair, in
the order they were queued. Operations are queued in time order, so a lane
is sorted both ways at once: by submission (dispatch order within the
priority) and by expiry deadline (they share a ``queue_timeout``). Nearly all
operations share one priority and the configured ``queue_timeout``: then
there is one lane, and pushing and popping a run is one deque operation each.
The earliest deadline is the smallest live lane head; when several lanes
share the top priority, the head queued first (lowest ``seq``) goes first.

Removal is lazy: a dispatched, cancelled or expired operation is only marked
as gone (``Run.queued``) and skipped when reached; the lanes are compacted
when the dead entries outnumber the live ones three to one. While one lane
alone holds the top priority (nearly always) it is the ``_head`` that pop
takes from without looking at the others.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections import deque
from collections.abc import Iterator

from tgkit.core.run import Run

_COMPACT_SLACK = 256

#: A lane's key: (-priority, queue_timeout), so that sorted keys put the highest priority first.
Key = tuple[int, float]

#: Where ``_tail`` points when no lane was pushed to (never pushed to itself).
_NO_LANE: deque[Run] = deque(maxlen=0)


class OperationQueue:
    """A priority queue of operations with lazy removal and ordered expiry.

    >>> queue = OperationQueue()  # doctest: +SKIP
    >>> queue.push(run); queue.pop() is run  # doctest: +SKIP
    True
    """

    __slots__ = (
        "_dead",
        "_head",
        "_lanes",
        "_order",
        "_tail",
        "_tail_priority",
        "_tail_timeout",
        "size",
    )

    def __init__(self) -> None:
        self._lanes: dict[Key, deque[Run]] = {}
        self._order: list[Key] = []  # the lanes' keys, sorted: highest priority first
        # The lane pop takes from: the top priority's, when it is the only lane at it.
        self._head: deque[Run] | None = None
        # The lane the last push went to (the next push nearly always goes there too).
        self._tail: deque[Run] = _NO_LANE
        self._tail_priority: int | None = None
        self._tail_timeout = math.nan
        #: How many operations are queued (read it, never set it; len() says the same).
        self.size = 0
        self._dead = 0  # entries of runs no longer queued, still in the lanes

    def __len__(self) -> int:
        return self.size

    @property
    def _stored(self) -> int:
        """Entries in the lanes, dead ones included."""
        return self.size + self._dead

    def __iter__(self) -> Iterator[Run]:
        """The queued runs in the order they will be dispatched."""
        order, index = self._order, 0
        while index < len(order):
            group = [key for key in order[index:] if key[0] == order[index][0]]
            index += len(group)
            live = ([run for run in self._lanes[key] if run.queued] for key in group)
            yield from heapq.merge(*live, key=lambda run: run.seq)

    # The engine does what push and pop do inline in the common case (the tail
    # lane for a push, the head lane for a pop): change them together.
    def push(self, run: Run) -> None:
        """Queue ``run`` behind every queued operation of the same or higher priority."""
        lane = self._tail
        if run.priority != self._tail_priority or run.queue_timeout != self._tail_timeout:
            lane = self._lane(run.priority, run.queue_timeout)
        lane.append(run)
        run.queued = True
        self.size += 1

    def pop(self) -> Run | None:
        """Take the next operation to dispatch, or None when nothing is queued."""
        lane = self._head
        if lane is not None:
            while lane:
                run = lane.popleft()
                if run.queued:
                    run.queued = False
                    self.size -= 1
                    return run
                self._dead -= 1
        return self._pop_elsewhere()

    def _pop_elsewhere(self) -> Run | None:
        """``pop`` when the head lane is empty or several lanes share the top priority."""
        order = self._order
        while order:
            key = order[0]
            if len(order) > 1 and order[1][0] == key[0]:
                run = self._pop_among_equals()
                if run is None:
                    continue
                return run
            if self._live_head(key) is not None:  # drops the lane if it has none
                return self._take_head(key)
        return None

    def discard(self, run: Run) -> bool:
        """Take ``run`` out of the queue; False if it was not queued."""
        if not run.queued:
            return False
        run.queued = False
        self.size -= 1
        self._dead += 1
        if self._dead > 3 * self.size + _COMPACT_SLACK:
            self._compact()
        return True

    def earliest_deadline(self) -> float | None:
        """The nearest expiry deadline of a queued operation, or None."""
        earliest = None
        for key in list(self._order):
            if key[1] == math.inf:
                continue
            head = self._live_head(key)
            if head is not None and (earliest is None or head.queue_deadline < earliest):
                earliest = head.queue_deadline
        return earliest

    def pop_expired(self, now: float) -> list[Run]:
        """Take every queued operation whose deadline is ``now`` or earlier, oldest first."""
        expired = []
        for key in list(self._order):
            lane = self._lanes[key]
            while lane and lane[0].queue_deadline <= now:
                run = lane.popleft()
                if run.queued:
                    run.queued = False
                    self.size -= 1
                    expired.append(run)
                else:
                    self._dead -= 1
            if not lane:
                self._drop(key)
        expired.sort(key=lambda run: run.seq)
        return expired

    def _lane(self, priority: int, queue_timeout: float) -> deque[Run]:
        key = (-priority, queue_timeout)
        lane = self._lanes.get(key)
        if lane is None:
            lane = self._lanes[key] = deque()
            bisect.insort(self._order, key)
            self._reorder()
        self._tail, self._tail_priority, self._tail_timeout = lane, priority, queue_timeout
        return lane

    def _drop(self, key: Key) -> None:
        """Forget an empty lane."""
        lane = self._lanes.pop(key)
        self._order.remove(key)
        self._reorder()
        if lane is self._tail:
            self._tail, self._tail_priority, self._tail_timeout = _NO_LANE, None, math.nan

    def _reorder(self) -> None:
        """The lanes changed: which one, if any, is the head lane now."""
        order = self._order
        alone = len(order) == 1 or (len(order) > 1 and order[1][0] != order[0][0])
        self._head = self._lanes[order[0]] if alone else None

    def _live_head(self, key: Key) -> Run | None:
        """The lane's first queued run (dropping dead heads; the lane too, if emptied)."""
        lane = self._lanes[key]
        while lane and not lane[0].queued:
            lane.popleft()
            self._dead -= 1
        if not lane:
            self._drop(key)
            return None
        return lane[0]

    def _pop_among_equals(self) -> Run | None:
        """Several lanes share the top priority: the head queued first goes (None: all empty)."""
        top = self._order[0][0]
        best: Run | None = None
        best_key: Key | None = None
        for key in [key for key in self._order if key[0] == top]:
            head = self._live_head(key)
            if head is not None and (best is None or head.seq < best.seq):
                best, best_key = head, key
        if best is None or best_key is None:
            return None
        return self._take_head(best_key)

    def _take_head(self, key: Key) -> Run:
        """Take the lane's head, which ``_live_head`` just found queued."""
        run = self._lanes[key].popleft()
        run.queued = False
        self.size -= 1
        return run

    def _compact(self) -> None:
        for key, lane in list(self._lanes.items()):
            kept = deque(run for run in lane if run.queued)
            if kept:
                self._lanes[key] = kept
            else:
                del self._lanes[key]
                self._order.remove(key)
        self._reorder()
        self._tail, self._tail_priority, self._tail_timeout = _NO_LANE, None, math.nan
        self._dead = 0
