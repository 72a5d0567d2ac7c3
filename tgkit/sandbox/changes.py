"""Edits and deletions as Telegram announces them: updates with ``pts``, kept for differences.

In a supergroup or channel an edit is ``updateEditChannelMessage`` (the whole
new message) and a deletion ``updateDeleteChannelMessages`` (the channel and
message ids only, nothing else), each advancing the channel's ``pts`` by one
per message. Elsewhere they are ``updateEditMessage`` and
``updateDeleteMessages`` (ids only, not even the chat) on each member's own
``pts``. Both are logged so ``getChannelDifference`` / ``getDifference``
hand over a change a client missed, in ``other_updates``.
"""

from __future__ import annotations

from dataclasses import dataclass

from telethon.tl import types

from tgkit.sandbox.model import Chat, Message
from tgkit.sandbox.views import Viewer

__all__ = ["Change", "channel_changes_since"]


@dataclass(frozen=True, slots=True)
class Change:
    """One edit (``message`` set) or deletion (``ids`` set) of a chat, at ``pts``."""

    chat_id: int
    pts: int
    count: int
    message: Message | None = None
    ids: tuple[int, ...] = ()

    @property
    def sender_id(self) -> int | None:  # read like a message by the account log's users
        return self.message.sender_id if self.message is not None else None

    def update(self, viewer: Viewer, chat: Chat, pts: int | None = None) -> types.TypeUpdate:
        """The update announcing this change, as ``viewer`` sees it."""
        at = self.pts if pts is None else pts
        if self.message is not None:
            rendered = viewer.message(self.message, chat)
            if chat.is_channel:
                return types.UpdateEditChannelMessage(rendered, at, self.count)
            return types.UpdateEditMessage(rendered, at, self.count)
        if chat.is_channel:
            return types.UpdateDeleteChannelMessages(chat.id, list(self.ids), at, self.count)
        return types.UpdateDeleteMessages(list(self.ids), at, self.count)


def channel_changes_since(chat: Chat, pts: int) -> list[Change]:
    """The channel's edits and deletions after ``pts``, oldest first."""
    changes: list[Change] = chat.changes  # type: ignore[assignment]
    return [change for change in changes if change.pts > pts]
