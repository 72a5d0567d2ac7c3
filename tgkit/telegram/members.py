"""Members of a group or channel as a DataFrame, by the strategy the chat allows.

The full chat is read first (``channels.GetFullChannel``); its
``participants_count``, ``participants_hidden`` and ``can_view_participants``
and the channel's flags choose the strategy, instead of failing into it:

==========================  ==============================================================
chat                        strategy (``source`` of the rows)
==========================  ==============================================================
basic (legacy) group        the full member list in one ``messages.GetFullChat``
                            ("full_chat")
supergroup, list visible    the paged listing, 200 a page ("participants"); when it stops
                            short of the reported count (the ~10,000 cap) a search sweep
                            ("search", see ``tgkit.telegram.sweep``), de-duplicated by id
members hidden, or not      the admins ("admins"), and with ``fallback_to_messages`` the
viewable by this account    distinct authors of the last ``message_days_back`` days
                            ("messages")
broadcast channel, admin    the listing (Telegram shows admins about 200 subscribers)
broadcast channel, not      ``AdminRequired``: only admins may list subscribers, and a
admin                       channel's posts are signed by the channel, so there are no
                            authors to fall back on
==========================  ==============================================================

``max_members`` stops as soon as that many rows are collected, asking the last
page for only the rows still needed. Progress (rows / expected) is reported to
the running operation. ``df.attrs`` holds target, reported_total, rows,
coverage, sources, strategy, the sweep's ``search_queries`` (how many) and
``refined_queries`` (those that reached the cap and were split) and, when
coverage is below 100 %, the reason (``coverage_note``).

Example::

    df = await scrape_members(ctx, parse_target("@group"), MemberOptions(max_members=500))
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from telethon.tl import functions, types

from tgkit.core import OperationKind, current_operation
from tgkit.errors import AdminRequired, InvalidTarget
from tgkit.frames import collection_attrs
from tgkit.telegram import sweep
from tgkit.telegram.catalogue import (
    COUNT,
    DAYS,
    FLAG,
    TARGET,
    Alias,
    Arguments,
    OperationSpec,
    Param,
)
from tgkit.telegram.checks import history_days, optional_count
from tgkit.telegram.collect import PageCollector, collecting
from tgkit.telegram.context import TelegramContext, utc_now
from tgkit.telegram.convert import member_columns
from tgkit.telegram.join import join_chat
from tgkit.telegram.member_gaps import (
    basic_group_members,
    hidden_note,
    unresolved_columns,
    unresolved_note,
)
from tgkit.telegram.messages import HISTORY_PAGE, history_page
from tgkit.telegram.resolve import PeerKind, ResolvedChat
from tgkit.telegram.targets import Target, TargetKind

log = logging.getLogger(__name__)

__all__ = ["MEMBERS", "PAGE_SIZE", "SEARCH_CAP", "MemberOptions", "scrape_members"]

PAGE_SIZE = 200
#: Telegram stops one listing or one search query at about this many users.
SEARCH_CAP = 10_000


@dataclass(frozen=True, slots=True)
class MemberOptions:
    """How to collect members; validated at once, before any request.

    >>> MemberOptions(max_members=0)
    Traceback (most recent call last):
    ...
    ValueError: max_members must be a positive whole number or None (no limit), got 0
    """

    max_members: int | None = None
    fallback_to_messages: bool = True
    message_days_back: float = 30
    include_phones: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "max_members", optional_count(self.max_members, "max_members"))
        if not isinstance(self.fallback_to_messages, bool):
            raise TypeError(
                f"fallback_to_messages must be True or False, got {self.fallback_to_messages!r}"
            )
        days = history_days(self.message_days_back, "message_days_back")
        object.__setattr__(self, "message_days_back", days)
        if not isinstance(self.include_phones, bool):
            raise TypeError(f"include_phones must be True or False, got {self.include_phones!r}")


async def scrape_members(
    ctx: TelegramContext,
    target: Target,
    options: MemberOptions,
    *,
    chat: ResolvedChat | None = None,
    resume: bool = True,
) -> pd.DataFrame:
    """Collect the members of ``target`` (resolved unless ``chat`` is given)."""
    if chat is None:
        chat = await ctx.resolver.resolve(target)
    if chat.kind is PeerKind.USER:
        raise InvalidTarget(
            f"{chat.target} is a user, not a group or channel; members can be "
            "listed only for groups and channels"
        )
    collector = PageCollector.open(
        "members",
        store=ctx.store,
        account=ctx.account,
        target=target.key,
        params=_params(options),
        resume=resume,
    )
    if collector.complete:
        log.info(
            "members of %s already collected (collection %s)",
            target.display,
            collector.collection_id,
        )
        return collector.stored_frame()
    scrape = _MemberScrape(ctx, chat, options, collector)
    with collecting(collector, scrape.attrs):
        await scrape.run()
    attrs = scrape.attrs()
    collector.finish("complete", attrs=attrs)
    return collector.frame(attrs)


class _MemberScrape:
    """One members collection: chooses the strategy and runs its phases in order."""

    def __init__(
        self,
        ctx: TelegramContext,
        chat: ResolvedChat,
        options: MemberOptions,
        collector: PageCollector,
    ) -> None:
        self._ctx = ctx
        self._chat = chat
        self._options = options
        self._collector = collector
        self._chat_id = chat.marked_id
        self._title = chat.title
        self.reported_total: int | None = None
        self.strategy = "unknown"
        self._notes: list[str] = []
        self._listing_cap = SEARCH_CAP
        self._queries: list[str] = []  # search queries sent by this run, in order
        self._refined: list[str] = []  # those whose results reached the cap
        self._last_count: int | None = None  # Telegram's count on the last page
        self._admins_refused = False  # hidden members: the admin list was refused too

    # -- strategy ---------------------------------------------------------

    async def run(self) -> None:
        if self._chat.kind is PeerKind.CHAT:
            self.strategy = "full_chat"
            await self._basic_group()
            return
        full = await self._rpc(functions.channels.GetFullChannelRequest(self._chat.input_channel))
        channel = next((c for c in full.chats if c.id == self._chat.chat_id), None)
        info = full.full_chat
        self._title = getattr(channel, "title", None) or self._title
        self.reported_total = getattr(info, "participants_count", None)
        is_admin = bool(
            getattr(channel, "creator", False) or getattr(channel, "admin_rights", None)
        )
        hidden = bool(getattr(info, "participants_hidden", False))
        viewable = bool(getattr(info, "can_view_participants", False))
        if getattr(channel, "broadcast", False) and not is_admin:
            raise AdminRequired(
                f"{self._chat.target} is a broadcast channel: only its admins can list "
                "subscribers, and its posts are signed by the channel, so there are no "
                "message authors to fall back on"
            )
        if (hidden or not viewable) and not is_admin:
            self.strategy = "admins+messages" if self._options.fallback_to_messages else "admins"
            await self._hidden_members()
        else:
            self.strategy = "participants+search"
            await self._listed_members()

    async def _listed_members(self) -> None:
        phase = self._collector.checkpoint.get("phase", "participants")
        if phase == "participants":
            stopped_short = await self._listing()
        else:
            stopped_short = True
            self._listing_cap = self._collector.checkpoint.get("cap", SEARCH_CAP)
        if stopped_short and not self._enough() and self._missing():
            await self._sweep()
        if self._missing() and self.reported_total is not None:
            self._notes.append(
                f"{self.reported_total - len(self._collector)} of {self.reported_total} members "
                f"were not found: Telegram lists at most about {self._listing_cap:,} members per "
                "query, and search cannot find deleted accounts or users without a name"
            )

    async def _hidden_members(self) -> None:
        phase = self._collector.checkpoint.get("phase", "admins")
        self._admins_refused = bool(self._collector.checkpoint.get("admins_refused"))
        if phase == "admins":
            try:
                await self._admins()
            except AdminRequired:
                if not self._options.fallback_to_messages:
                    raise
                self._admins_refused = True
                self._collector.advance({"phase": "messages", "admins_refused": True})
        if self._options.fallback_to_messages and not self._enough():
            await self._message_authors()
            self._notes.append(
                hidden_note(self._options.message_days_back, self._admins_refused)
            )
        else:
            self._notes.append(
                "the member list is hidden from this account: only admins are listed; "
                "fallback_to_messages=True adds the authors of recent messages"
            )

    # -- phases -----------------------------------------------------------

    async def _basic_group(self) -> None:
        group = await basic_group_members(self._ctx, self._chat)
        self._title = group.title or self._title
        self.reported_total = group.reported_total
        if group.unresolved:
            self._notes.append(unresolved_note(len(group.unresolved), len(group.records)))
        self._add_users(
            group.users, group.records, "full_chat", {"phase": "done"}, group.unresolved
        )

    async def _listing(self) -> bool:
        """The recent-members listing; True when it stopped short of Telegram's count."""
        offset, more = self._collector.checkpoint.get("offset", 0), True
        while more and not self._enough():
            offset, more = await self._page(
                types.ChannelParticipantsRecent(),
                offset,
                "participants",
                lambda after: {"phase": "participants", "offset": after},
            )
        stopped_short = self._last_count is not None and offset < self._last_count
        if stopped_short:
            self._listing_cap = offset
        return stopped_short

    async def _sweep(self) -> None:
        """Search queries as ``sweep.SweepPlan`` chooses them, one page at a time."""
        plan = sweep.SweepPlan.of_collection(
            self._collector, cap=self._listing_cap, total=self.reported_total or 0
        )
        while self._missing() and not self._enough():
            step = plan.next()
            if step is None:
                break
            query, offset = step
            page = await self._participants(types.ChannelParticipantsSearch(query), offset)
            plan.record(query, offset, page.count, len(page.participants))
            self._add_page(page, "search", self._search_checkpoint(plan))
        self._queries, self._refined = plan.sent, plan.refined

    def _search_checkpoint(self, plan: sweep.SweepPlan) -> dict[str, Any]:
        return {"phase": "search", "plan": plan.state(), "cap": self._listing_cap}

    async def _admins(self) -> None:
        offset, more = 0, True
        while more and not self._enough():
            offset, more = await self._page(
                types.ChannelParticipantsAdmins(),
                offset,
                "admins",
                lambda after: {"phase": "admins", "offset": after},
            )
        self._collector.advance({"phase": "messages"})

    async def _page(
        self,
        filter: Any,
        offset: int,
        source: str,
        checkpoint: Callable[[int], dict[str, Any]],
    ) -> tuple[int, bool]:
        """Fetch and keep one page from ``offset``; return the next offset and whether
        the listing goes on (Telegram's count not reached, the page not empty)."""
        page = await self._participants(filter, offset)
        self._last_count = page.count
        if not page.participants:
            return offset, False
        offset += len(page.participants)
        self._add_page(page, source, checkpoint(offset))
        return offset, offset < page.count

    async def _message_authors(self) -> None:
        state = self._collector.checkpoint
        since = state.get("since") or (utc_now() - timedelta(days=self._options.message_days_back))
        offset_id = state.get("offset_id", 0)
        while not self._enough():
            history = await self._rpc(
                history_page(self._chat.input_peer, offset_id, None, HISTORY_PAGE)
            )
            messages = [m for m in history.messages if getattr(m, "date", None) is not None]
            if not messages:
                break
            offset_id = messages[-1].id
            recent = [m for m in messages if m.date >= since]
            self._add_authors(recent, history.users, since, offset_id)
            if len(recent) < len(messages):
                break

    # -- rows -------------------------------------------------------------

    def _add_page(self, page: Any, source: str, checkpoint: dict[str, Any]) -> None:
        users = {user.id: user for user in page.users}
        records: dict[int, Any] = {}
        for participant in page.participants:
            user_id = getattr(participant, "user_id", None)
            if user_id is None:
                user_id = _banned_user_id(participant)
            if user_id is not None and user_id in users and user_id not in records:
                records[user_id] = participant
        new = self._collector.unseen(records)
        self._add_users([users[i] for i in new], records, source, checkpoint)

    def _add_authors(
        self, messages: list[Any], users: list[Any], since: datetime, offset_id: int
    ) -> None:
        known = {user.id: user for user in users}
        authors: dict[int, Any] = {}
        for message in messages:
            user_id = getattr(getattr(message, "from_id", None), "user_id", None)
            if user_id is not None and user_id in known and user_id not in self._collector:
                authors.setdefault(user_id, known[user_id])
        checkpoint = {"phase": "messages", "offset_id": offset_id, "since": since}
        if self._admins_refused:
            checkpoint["admins_refused"] = True
        self._add_users(list(authors.values()), None, "messages", checkpoint)

    def _add_users(
        self,
        users: list[Any],
        records: dict[int, Any] | None,
        source: str,
        checkpoint: dict[str, Any],
        unresolved: Sequence[int] = (),
    ) -> None:
        """Add ``users`` (and rows for ``unresolved`` ids: known by id only)."""
        room = self._room()
        if room is not None:
            users = users[:room]
            unresolved = unresolved[: room - len(users)]
        now = utc_now()
        columns = member_columns(
            users, participants=records, chat_id=self._chat_id, chat_title=self._title,
            source=source, collected_at=now,
        )
        columns["phone"] = _phones(users, columns["phone"], self._options.include_phones)
        if unresolved:
            extra = unresolved_columns(
                unresolved, records or {}, chat_id=self._chat_id, chat_title=self._title,
                source=source, collected_at=now,
            )
            columns = {name: values + extra[name] for name, values in columns.items()}
        self._collector.add(columns, checkpoint=checkpoint)
        op = current_operation()
        if op is not None:
            op.report_progress(len(self._collector), self._expected())

    # -- helpers ----------------------------------------------------------

    async def _participants(self, filter: Any, offset: int) -> Any:
        room = self._room()
        limit = PAGE_SIZE if room is None else min(PAGE_SIZE, room)
        request = functions.channels.GetParticipantsRequest(
            channel=self._chat.input_channel, filter=filter, offset=offset, limit=limit, hash=0
        )
        return await self._rpc(request)

    async def _rpc(self, request: Any) -> Any:
        return await self._ctx.rpc(request, target=self._chat.target)

    def _names(self) -> list[str | None]:
        c = self._collector
        return [*c.column("first_name"), *c.column("last_name"), *c.column("username")]

    def _room(self) -> int | None:
        limit = self._options.max_members
        return None if limit is None else max(limit - len(self._collector), 0)

    def _enough(self) -> bool:
        return self._room() == 0

    def _missing(self) -> bool:
        return self.reported_total is not None and len(self._collector) < self.reported_total

    def _expected(self) -> int | None:
        totals = [t for t in (self.reported_total, self._options.max_members) if t is not None]
        return min(totals) if totals else None

    def attrs(self) -> dict[str, Any]:
        """The frame's attrs as the collection stands now."""
        notes = list(self._notes)
        if self._enough():
            notes.append(f"stopped at max_members={self._options.max_members}")
        return collection_attrs(
            self._chat.target,
            self.reported_total,
            len(self._collector),
            self._collector.column("source"),
            utc_now(),
            chat_id=self._chat_id,
            chat_title=self._title,
            strategy=self.strategy,
            coverage_note="; ".join(notes) or None,
            resumed=self._collector.resumed,
            search_queries=len(self._queries),
            refined_queries=list(self._refined),
        )


def _banned_user_id(participant: Any) -> int | None:
    """The user of a participant record without ``user_id``: banned ones have ``peer``."""
    if isinstance(participant, types.ChannelParticipantBanned):
        return getattr(participant.peer, "user_id", None)
    return None  # ChannelParticipantLeft: not a member any more (Telethon skips it too)


# -- the operation ----------------------------------------------------------------------

_JOIN_REQUESTS = {
    TargetKind.INVITE: frozenset({"messages.CheckChatInvite", "messages.ImportChatInvite"}),
    TargetKind.USERNAME: frozenset({"channels.JoinChannel"}),
}


def _params(options: MemberOptions) -> dict[str, Any]:
    """The collection key; ``include_phones`` only when set, so older keys still match."""
    params = asdict(options)
    if not options.include_phones:
        del params["include_phones"]
    return params


def _phones(users: list[Any], phones: list[Any], include: bool) -> list[Any]:
    """Phone numbers are personal data: kept only when asked for, never the account's own."""
    if not include:
        return [None] * len(phones)
    return [None if getattr(user, "is_self", False) else phone
            for user, phone in zip(users, phones, strict=True)]


async def _members_steps(ctx: TelegramContext, args: Arguments, live: None) -> pd.DataFrame:
    target: Target = args["target"]
    options = MemberOptions(
        args["max_members"], args["fallback_to_messages"], args["message_days_back"],
        args["include_phones"],
    )
    chat = await join_chat(ctx, target) if args["join"] else None
    resume = args["resume"] and not args["refresh"]
    return await scrape_members(ctx, target, options, chat=chat, resume=resume)


def _member_requests(args: Arguments) -> frozenset[str]:
    needed = frozenset({"channels.GetFullChannel", "channels.GetParticipants"})
    if args["join"]:
        needed |= _JOIN_REQUESTS.get(args["target"].kind, frozenset())
    return needed


def _members_label(args: Arguments) -> str:
    return f"{'join+members' if args['join'] else 'members'} {args['target'].display}"


MEMBERS = OperationSpec(
    name="members",
    method="scrape_group_members",
    kind=OperationKind.SCRAPE,
    summary="Members of a group or channel as a DataFrame.",
    details=(
        "Past Telegram's 10,000 listing cap a search sweep fills the gap; hidden member "
        "lists fall back to the authors of recent messages. ``df.attrs['coverage']`` says "
        "how much of the reported total was found, ``coverage_note`` why not all."
    ),
    params=(
        Param("target", TARGET, positional=True, help="the group or channel"),
        Param("max_members", COUNT, None, "stop after this many members", positional=True),
        Param(
            "fallback_to_messages", FLAG, True,
            "when the list is hidden, take the authors of recent messages", positional=True,
            flags=("--no-fallback",),
        ),
        Param(
            "message_days_back", DAYS, 30, "how many days of messages that fallback reads",
            positional=True, flags=("--message-days-back", "--fallback-days"),
        ),
        Param(
            "include_phones", FLAG, False,
            "also collect the phone numbers users share (personal data; never this "
            "account's own number)",
        ),
        Param("join", FLAG, False, "join first (username or invite link; a member is fine)"),
        Param("resume", FLAG, True, "continue an unfinished stored collection"),
        Param(
            "refresh", FLAG, False,
            "collect afresh even when the store holds a complete collection (no resume)",
        ),
    ),
    aliases=(
        Alias(
            "scrape_group_members", frozenset({"session", "manager"}),
            fixed={"join": False}, rename={"target": "group_identifier"},
        ),
        Alias(
            "join_and_scrape_members", frozenset({"session", "manager"}),
            fixed={"join": True}, rename={"target": "group_identifier"},
        ),
        Alias("join_and_members", frozenset({"notebook"}), fixed={"join": True}),
    ),
    run=_members_steps,
    frame="members",
    unit="members",
    requests=_member_requests,
    describe=_members_label,
    example=("@big_public_group",),
    example_options={"max_members": 5000},
)
