"""Live updates: who is connected, per-account update state, and pushing.

Channel messages carry the channel's own ``pts``; messages of basic groups
carry the ``pts`` of each receiving account, which also keeps a log so
``updates.getDifference`` can return what a client missed while away.
Each connected member gets an ``Updates`` built for its own view (its own
access hashes, ``out`` on its own messages); the sending client gets the
message as its request's result instead, as with Telegram. Updates of the
account's own sequence (basic groups) also carry the account's ``seq``,
which ``updates.getState`` and the difference report, so a client finds a
lost push by the ``seq`` gap as well as the ``pts`` one.

With faults on (``tgkit.sandbox.shapes``) a push may be lost, repeated,
late, or replaced by a "too long" notice; the log and the chats' messages
stay whole, so ``getDifference``/``getChannelDifference`` recover them.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import cast

from telethon.tl import types
from telethon.tl.tlobject import TLObject

from tgkit.sandbox.access import AccessHashes
from tgkit.sandbox.changes import Change
from tgkit.sandbox.model import Chat, Message, User
from tgkit.sandbox.sender import SandboxSender
from tgkit.sandbox.shapes import Faults, with_empty_strings
from tgkit.sandbox.views import Viewer

__all__ = ["Delivery"]


class Delivery:
    """Connected clients by account, and each account's ``pts`` and message log."""

    def __init__(self, users: dict[int, User], hashes: AccessHashes,
                 now: Callable[[], datetime], faults: Faults | None = None) -> None:
        self.faults = faults or Faults(0)
        self._users = users
        self._hashes = hashes
        self._now = now
        self._lock = threading.RLock()
        self._senders: dict[int | None, set[SandboxSender]] = defaultdict(set)
        self._account_of: dict[SandboxSender, int | None] = {}
        self._pts: dict[int, int] = {}
        self._seq: dict[int, int] = {}
        self._log: dict[int, list[tuple[int, int, Message]]] = defaultdict(list)  # (pts, chat, msg)

    # Connections

    def connected(self, sender: SandboxSender, account: int | None) -> None:
        with self._lock:
            self.moved(sender, account)

    def moved(self, sender: SandboxSender, account: int | None) -> None:
        """The sender's account changed (it logged in or out)."""
        with self._lock:
            previous = self._account_of.get(sender, account)
            self._senders[previous].discard(sender)
            self._senders[account].add(sender)
            self._account_of[sender] = account

    def disconnected(self, sender: SandboxSender) -> None:
        with self._lock:
            account = self._account_of.pop(sender, None)
            self._senders[account].discard(sender)

    def senders_of(self, account: int) -> list[SandboxSender]:
        with self._lock:
            return list(self._senders.get(account, ()))

    def connected_accounts(self) -> list[int]:
        with self._lock:
            return [account for account, senders in self._senders.items()
                    if account is not None and senders]

    # Account update state (basic groups and private chats)

    def account_pts(self, account: int) -> int:
        return self._pts.get(account, 1)

    def account_seq(self, account: int) -> int:
        return self._seq.get(account, 0)

    def log_since(self, account: int, pts: int) -> list[tuple[int, int, Message]]:
        log = self._log.get(account, [])
        low, high = 0, len(log)
        while low < high:
            middle = (low + high) // 2
            if log[middle][0] <= pts:
                low = middle + 1
            else:
                high = middle
        return log[low:]

    def _bump(self, account: int, chat: Chat, message: Message) -> tuple[int, int]:
        pts = self.account_pts(account) + 1
        self._pts[account] = pts
        self._seq[account] = seq = self.account_seq(account) + 1
        self._log[account].append((pts, chat.id, message))
        return pts, seq

    # Delivery

    def message_posted(self, chat: Chat, message: Message, origin: SandboxSender | None) -> None:
        """Tell every connected member's client about a new message."""
        with self._lock:
            if not chat.is_channel:
                state_of = {member: self._bump(member, chat, message) for member in chat.members}
            for account in self.connected_accounts():
                if account not in chat.members:
                    continue
                pts, seq = (message.pts, 0) if chat.is_channel else state_of[account]
                updates = self._updates_for(account, chat, message, pts, seq)
                for sender in self._senders[account]:
                    if sender is not origin and sender.receives_updates and sender.updates_started:
                        self._push(sender, updates, chat, pts)

    def message_changed(self, chat: Chat, message: Message | None,
                        ids: tuple[int, ...] = ()) -> None:
        """Tell every connected member about an edit (``message``) or a deletion (``ids``)."""
        with self._lock:
            count = 1 if message is not None else len(ids)
            if chat.is_channel:
                chat.pts += count
                change = Change(chat.id, chat.pts, count, message, ids)
                chat.changes.append(change)
                state_of = {member: (chat.pts, 0) for member in chat.members}
            else:
                state_of = {}
                for member in chat.members:
                    pts = self.account_pts(member) + count
                    self._pts[member] = pts
                    self._seq[member] = seq = self.account_seq(member) + 1
                    change = Change(chat.id, pts, count, message, ids)
                    self._log[member].append((pts, chat.id, change))  # type: ignore[arg-type]
                    state_of[member] = (pts, seq)
            for account in self.connected_accounts():
                if account not in chat.members:
                    continue
                pts, seq = state_of[account]
                viewer = Viewer(account, self._hashes, self._now())
                update = Change(chat.id, pts, count, message, ids).update(viewer, chat)
                users = ([viewer.user(self._users[message.sender_id])]
                         if message is not None and message.sender_id else [])
                updates = types.Updates(updates=[update], users=users, chats=[viewer.chat(chat)],
                                        date=self._now(), seq=seq)
                for sender in self._senders[account]:
                    if sender.receives_updates and sender.updates_started:
                        self._push(sender, updates, chat, pts)

    def _push(self, sender: SandboxSender, updates: types.Updates, chat: Chat, pts: int) -> None:
        plan = self.faults.push_plan()
        if plan.too_long:
            sender.push(_too_long(chat, pts, updates.date))
            return
        if self.faults.rates.empty_strings:
            updates = cast(types.Updates, with_empty_strings(updates))
        for delay in plan.delays:
            sender.push(updates, delay)

    def updates_for(self, account: int, chat: Chat, message: Message) -> types.Updates:
        """The ``Updates`` a member gets for ``message`` (its current pts and seq)."""
        if chat.is_channel:
            return self._updates_for(account, chat, message, message.pts, 0)
        pts, seq = self.account_pts(account), self.account_seq(account)
        return self._updates_for(account, chat, message, pts, seq)

    def _updates_for(
        self, account: int, chat: Chat, message: Message, pts: int, seq: int
    ) -> types.Updates:
        viewer = Viewer(account, self._hashes, self._now())
        rendered = viewer.message(message, chat)
        if chat.is_channel:
            update: types.TypeUpdate = types.UpdateNewChannelMessage(rendered, pts, 1)
        else:
            update = types.UpdateNewMessage(rendered, pts, 1)
        users = [viewer.user(self._users[message.sender_id])] if message.sender_id else []
        return types.Updates(updates=[update], users=users, chats=[viewer.chat(chat)],
                             date=message.date, seq=seq)


def _too_long(chat: Chat, pts: int, date: datetime) -> TLObject:
    """What Telegram sends instead of updates it will not push: get the difference."""
    if chat.is_channel:
        return types.UpdateShort(types.UpdateChannelTooLong(chat.id, pts=pts), date)
    return types.UpdatesTooLong()
