"""Message history of a chat, within a date window, as a DataFrame.

History is paged newest first with ``messages.GetHistory`` (100 a page),
starting just before ``until`` (``offset_date``) and stopping at the first
message older than ``since``, at ``limit`` rows, or at an empty page (the
chat's first message is behind). A page's shape (``messages.Messages``
without a count, or a shape that changes between pages) never ends paging:
the last count seen stands. Telegram ignores ``min_id``/``max_id`` on
getHistory, so the window is applied here, by date. Service messages (joins, pins) are not rows.

Each page is stored with the id to continue from, so a re-run with the same
window resumes. A relative window (``days_back``) resumes an unfinished
collection but never returns an old completed one: its days have moved on.

Example::

    window = MessageWindow.of(days_back=7)
    df = await scrape_messages(ctx, parse_target("@group"), window)
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from telethon import utils
from telethon.tl import functions

from tgkit.core import OperationKind, current_operation
from tgkit.errors import InvalidTarget
from tgkit.frames import collection_attrs
from tgkit.telegram.catalogue import (
    COUNT,
    DATETIME,
    DAYS,
    FLAG,
    SINCE,
    TARGET,
    Arguments,
    OperationSpec,
    Param,
)
from tgkit.telegram.checks import history_days, optional_count
from tgkit.telegram.collect import PageCollector, collecting
from tgkit.telegram.context import TelegramContext, utc_now
from tgkit.telegram.convert_messages import message_columns
from tgkit.telegram.resolve import PeerKind, ResolvedChat
from tgkit.telegram.targets import Target

log = logging.getLogger(__name__)

__all__ = [
    "HISTORY_PAGE",
    "MESSAGES",
    "MessageWindow",
    "as_utc",
    "entities_by_id",
    "history_page",
    "reported_count",
    "scrape_messages",
]

HISTORY_PAGE = 100


def as_utc(value: Any, argument: str) -> datetime:
    """``value`` (datetime, date, pandas Timestamp or ISO-8601 text) as an aware UTC datetime.

    Naive values are taken as UTC.

    >>> as_utc("2024-05-01", "since").isoformat()
    '2024-05-01T00:00:00+00:00'
    """
    if isinstance(value, date | str | pd.Timestamp):
        try:
            stamp = pd.Timestamp(value)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{argument} must be a date or time, got {value!r}") from exc
        if not pd.isna(stamp):
            stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
            moment: datetime = stamp.to_pydatetime()
            return moment
    raise ValueError(
        f"{argument} must be a datetime, date or ISO-8601 text such as '2024-05-01', got {value!r}"
    )


@dataclass(frozen=True, slots=True)
class MessageWindow:
    """Which messages to collect: ``since`` ≤ date < ``until``, at most ``limit``.

    Build it with :meth:`of`, which validates before any request::

        >>> MessageWindow.of(days_back=7, since="2024-05-01")
        Traceback (most recent call last):
        ...
        ValueError: pass either days_back or since, not both
    """

    since: datetime | None
    until: datetime | None
    limit: int | None
    days_back: float | None = None

    @classmethod
    def of(
        cls,
        *,
        days_back: float | None = None,
        since: Any = None,
        until: Any = None,
        limit: int | None = None,
    ) -> MessageWindow:
        """Validate the arguments of ``scrape_messages`` into a window."""
        if days_back is not None and since is not None:
            raise ValueError("pass either days_back or since, not both")
        if days_back is not None:
            days_back = history_days(days_back, "days_back")
        limit = optional_count(limit, "limit")
        start = as_utc(since, "since") if since is not None else None
        end = as_utc(until, "until") if until is not None else None
        if start is not None and end is not None and start >= end:
            raise ValueError(
                f"since ({start:%Y-%m-%d %H:%M}) must be before until ({end:%Y-%m-%d %H:%M})"
            )
        return cls(start, end, limit, days_back)

    def params(self) -> dict[str, Any]:
        """The collection key: the window as the caller gave it."""
        return {
            "days_back": self.days_back,
            "since": self.since,
            "until": self.until,
            "limit": self.limit,
        }

    def start(self, now: datetime) -> datetime | None:
        """The earliest date collected, for a run starting at ``now``."""
        if self.days_back is not None:
            return now - timedelta(days=self.days_back)
        return self.since


def history_page(peer: Any, offset_id: int, offset_date: datetime | None, limit: int) -> Any:
    """A ``messages.GetHistory`` request for one page, newest first."""
    return functions.messages.GetHistoryRequest(
        peer=peer,
        offset_id=offset_id,
        offset_date=offset_date,
        add_offset=0,
        limit=limit,
        max_id=0,
        min_id=0,
        hash=0,
    )


def reported_count(result: Any, last_known: int | None) -> int | None:
    """The chat's message count a history page reports, else ``last_known``.

    Telegram answers a page that holds the whole history with a plain
    ``messages.Messages`` (no ``count``), and other servers do so on any page
    or change the shape between pages: such a page says nothing about the
    total, so the count seen last stands. Paging never stops on the shape,
    only on an empty page or the window's end.

    >>> class Messages:  # a page of the plain shape: no count at all
    ...     messages, chats, users = [], [], []
    >>> reported_count(Messages(), 250)
    250
    """
    count = getattr(result, "count", None)
    return last_known if count is None else count


def entities_by_id(result: Any) -> dict[int, Any]:
    """The users and chats of a messages result, by marked id."""
    return {utils.get_peer_id(x): x for x in itertools.chain(result.users, result.chats)}


async def scrape_messages(
    ctx: TelegramContext,
    target: Target,
    window: MessageWindow,
    *,
    resume: bool = True,
    service: bool = False,
) -> pd.DataFrame:
    """Collect the messages of ``target`` in ``window`` (service messages too if ``service``)."""
    chat = await ctx.resolver.resolve(target)
    if chat.kind is PeerKind.USER:
        raise InvalidTarget(
            f"{chat.target} is a user, not a group or channel; tgkit collects the messages "
            "of groups and channels, not of private chats"
        )
    collector = _open(ctx, target, window, resume, service)
    if collector.complete and window.days_back is not None:
        collector = _open(ctx, target, window, False, service)
    if collector.complete:
        return collector.stored_frame()
    history = _History(ctx, chat, window, collector)
    history.service = service
    with collecting(collector, history.attrs):
        await history.run()
    attrs = history.attrs()
    collector.finish("complete", attrs=attrs)
    return collector.frame(attrs)


def _open(ctx: TelegramContext, target: Target, window: MessageWindow, resume: bool,
          service: bool = False) -> Any:
    return PageCollector.open(
        "messages",
        store=ctx.store,
        account=ctx.account,
        target=target.key,
        params={**window.params(), **({"service": True} if service else {})},
        resume=resume,
    )


class _History:
    """Pages one chat's history into a collector, newest first."""

    def __init__(
        self,
        ctx: TelegramContext,
        chat: ResolvedChat,
        window: MessageWindow,
        collector: PageCollector,
    ) -> None:
        self._ctx = ctx
        self._chat = chat
        self._window = window
        self._collector = collector
        self._chat_id = chat.marked_id
        self._since = collector.checkpoint.get("since") or window.start(utc_now())
        self.reported_total: int | None = None
        self.service = False

    async def run(self) -> None:
        offset_id = self._collector.checkpoint.get("offset_id", 0)
        until = self._window.until
        while (room := self._room()) != 0:
            limit = HISTORY_PAGE if room is None else min(HISTORY_PAGE, room)
            offset_date = until if offset_id == 0 else None
            result = await self._ctx.rpc(
                history_page(self._chat.input_peer, offset_id, offset_date, limit),
                target=self._chat.target,
            )
            self.reported_total = reported_count(result, self.reported_total)
            page = [m for m in result.messages if getattr(m, "date", None) is not None]
            if not page:
                break
            offset_id = page[-1].id
            wanted = [m for m in page if self._in_window(m)]
            self._add(wanted, result, offset_id)
            if self._reached_start(page):
                break

    def _in_window(self, message: Any) -> bool:
        until = self._window.until
        return (self._since is None or message.date >= self._since) and (
            until is None or message.date < until
        )

    def _reached_start(self, page: list[Any]) -> bool:
        return self._since is not None and page[-1].date < self._since

    def _add(self, messages: list[Any], result: Any, offset_id: int) -> None:
        columns = message_columns(
            messages,
            chat_id=self._chat_id,
            users_by_id=entities_by_id(result),
            collected_at=utc_now(),
            service=self.service,
        )
        room = self._room()
        if room is not None and len(columns["message_id"]) > room:
            columns = {name: values[:room] for name, values in columns.items()}
        checkpoint = {"offset_id": offset_id, "since": self._since}
        self._collector.add(columns, checkpoint=checkpoint)
        op = current_operation()
        if op is not None:
            op.report_progress(len(self._collector), self._window.limit)

    def _room(self) -> int | None:
        limit = self._window.limit
        return None if limit is None else max(limit - len(self._collector), 0)

    def attrs(self) -> dict[str, Any]:
        """The frame's attrs as the collection stands now."""
        return collection_attrs(
            self._chat.target,
            None,
            len(self._collector),
            ["history"] if len(self._collector) else [],
            utc_now(),
            chat_id=self._chat_id,
            chat_title=self._chat.title,
            since=self._since.isoformat() if self._since else None,
            until=self._window.until.isoformat() if self._window.until else None,
            limit=self._window.limit,
            messages_in_chat=self.reported_total,
            resumed=self._collector.resumed,
        )


# -- the operation ----------------------------------------------------------------------


async def _messages_steps(ctx: TelegramContext, args: Arguments, live: None) -> pd.DataFrame:
    resume = args["resume"] and not args["refresh"]
    return await scrape_messages(ctx, args["target"], _window(args), resume=resume,
                                 service=args["service"])


def _window(args: Arguments) -> MessageWindow:
    """The window of a call; raises (before any request) when it makes no sense."""
    return MessageWindow.of(
        days_back=args["days_back"], since=args["since"], until=args["until"], limit=args["limit"]
    )


MESSAGES = OperationSpec(
    name="messages",
    method="scrape_messages",
    kind=OperationKind.SCRAPE,
    summary="Messages of a chat with since ≤ date < until (or the last days_back days).",
    details="Naive datetimes are taken as UTC. Without a window, the whole history.",
    params=(
        Param("target", TARGET, positional=True, help="the chat"),
        Param("days_back", DAYS, None, "the last N days", flags=("--days-back", "--days")),
        Param("since", SINCE, None, "from this moment"),
        Param("until", DATETIME, None, "up to (not including) this moment"),
        Param("limit", COUNT, None, "at most this many messages, newest first"),
        Param("resume", FLAG, True, "continue an unfinished stored collection"),
        Param(
            "refresh", FLAG, False,
            "collect afresh even when the store holds a complete collection (no resume)",
        ),
        Param("service", FLAG, False,
              "also service messages (joins, pins, title changes) as rows with action"),
    ),
    validate=_window,
    run=_messages_steps,
    frame="messages",
    unit="messages",
    requests=frozenset({"messages.GetHistory"}),
    example=("@small_group",),
    example_options={"days_back": 7},
)
