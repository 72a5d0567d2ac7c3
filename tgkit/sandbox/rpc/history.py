"""Reading messages: ``messages.getHistory``, ``messages.search``, ``getMessages``.

Paging follows Telegram: messages newest first; the page starts at the first
message older than ``offset_id`` (or, without it, sent before ``offset_date``),
shifted by ``add_offset`` (negative to page towards newer messages), at most
100 messages. ``getHistory`` ignores ``min_id`` / ``max_id``, as Telegram does
in practice (see TELEGRAM-FACTS.md): clients filter those themselves.
With the ``countless_history`` fault a page is a plain ``messages.Messages``
without ``count`` (see ``tgkit.sandbox.shapes``).
``messages.search`` honours them, and matches ``q`` against the start of the
words of a message, every word of ``q``, case-insensitively.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from telethon.tl import functions, types
from telethon.tl.types import messages

from tgkit.sandbox.model import Chat, Message, User
from tgkit.sandbox.rpc.context import Call
from tgkit.sandbox.rpcerror import RpcFailure
from tgkit.sandbox.tlcompat import build

__all__ = ["HANDLERS", "HISTORY_PAGE"]

HISTORY_PAGE = 100
_WORDS = re.compile(r"\w+")


def get_history(call: Call, request: functions.messages.GetHistoryRequest) -> object:
    chat = call.readable_chat(request.peer)
    return _page(call, chat, chat.messages, request.offset_id, _date(request.offset_date),
                 request.add_offset, request.limit)


def search(call: Call, request: functions.messages.SearchRequest) -> object:
    chat = call.readable_chat(request.peer)
    if not isinstance(request.filter, types.InputMessagesFilterEmpty):
        found: list[Message] = []  # the sandbox has no media, links or mentions to filter by
    else:
        author = _author(call, request.from_id)
        found = _matching(chat.messages, request.q, author, _date(request.min_date),
                          _date(request.max_date), request.min_id, request.max_id)
    return _page(call, chat, found, request.offset_id, None, request.add_offset, request.limit)


def _date(value: datetime | None) -> datetime | None:
    """A date field, None when unset (an unset date travels as 0, the epoch)."""
    if value is None or value.timestamp() <= 0:
        return None
    return value


def _author(call: Call, from_id: object) -> int | None:
    if from_id is None:
        return None
    target = call.peer(from_id)
    if not isinstance(target, User):
        return -1  # a chat as author: no user message matches
    return target.id


def _matching(
    all_messages: Sequence[Message], query: str, author: int | None, min_date: datetime | None,
    max_date: datetime | None, min_id: int, max_id: int,
) -> list[Message]:
    terms = [term.casefold() for term in _WORDS.findall(query or "")]
    found = []
    for message in all_messages:
        if message.action is not None:
            continue
        if author is not None and message.sender_id != author:
            continue
        if (min_date and message.date <= min_date) or (max_date and message.date >= max_date):
            continue
        if (min_id and message.id <= min_id) or (max_id and message.id >= max_id):
            continue
        if terms and not _words_start_with(message.text, terms):
            continue
        found.append(message)
    return found


def _words_start_with(text: str, terms: list[str]) -> bool:
    words = [word.casefold() for word in _WORDS.findall(text)]
    return all(any(word.startswith(term) for word in words) for term in terms)


def _page(
    call: Call, chat: Chat, ordered: Sequence[Message], offset_id: int,
    offset_date: datetime | None, add_offset: int, limit: int,
) -> object:
    """One page of ``ordered`` (oldest first) the way Telegram cuts it."""
    total = len(ordered)
    if offset_id:
        position = total - _count_below(ordered, offset_id)
    elif offset_date:
        position = total - _count_before(ordered, offset_date)
    else:
        position = 0
    start = max(0, position + add_offset)
    end = min(total, position + add_offset + max(0, min(limit, HISTORY_PAGE)))
    page = [ordered[total - 1 - index] for index in range(start, end)] if start < end else []
    return _messages_result(call, chat, page, total, position)


def _count_below(ordered: Sequence[Message], message_id: int) -> int:
    low, high = 0, len(ordered)
    while low < high:
        middle = (low + high) // 2
        if ordered[middle].id < message_id:
            low = middle + 1
        else:
            high = middle
    return low


def _count_before(ordered: Sequence[Message], date: datetime) -> int:
    low, high = 0, len(ordered)
    while low < high:
        middle = (low + high) // 2
        if ordered[middle].date < date:
            low = middle + 1
        else:
            high = middle
    return low


def _messages_result(
    call: Call, chat: Chat, page: list[Message], total: int, position: int
) -> object:
    viewer = call.viewer
    rendered = call.messages(chat, page)
    users = call.users(m.sender_id for m in page if m.sender_id is not None)
    chats = [viewer.chat(chat), *_origins(call, chat, page)]
    if call.world.faults.happens(call.world.faults.rates.countless_history):
        # Some servers (and Telegram, for a history that fits one page) send no count.
        return build(messages.Messages, messages=rendered, topics=[], chats=chats, users=users)
    if chat.is_channel:
        return build(
            messages.ChannelMessages, pts=chat.pts, count=total, messages=rendered, topics=[],
            chats=chats, users=users, offset_id_offset=position or None,
        )
    return build(
        messages.MessagesSlice, count=total, messages=rendered, topics=[], chats=chats,
        users=users, offset_id_offset=position or None,
    )


def _origins(call: Call, chat: Chat, page: list[Message]) -> list[object]:
    """The channels the page's forwards come from, as Telegram sends them beside the
    messages (with the access hash that lets the reader open them); deleted ones are
    left out."""
    found = {m.fwd.from_id for m in page if m.fwd is not None and m.fwd.kind == "channel"}
    found.discard(chat.id)
    origins = [call.world.chats.get(chat_id) for chat_id in sorted(i for i in found if i)]
    return [call.viewer.chat(origin) for origin in origins if origin is not None]


def get_channel_messages(call: Call, request: functions.channels.GetMessagesRequest) -> object:
    chat = call.readable_channel(request.channel)
    return _by_ids(call, chat, request.id)


def get_messages(call: Call, request: functions.messages.GetMessagesRequest) -> object:
    """Messages by id outside channels: ids are unique across the account's chats."""
    wanted = [_input_id(item) for item in request.id]
    me = call.me.id
    found: dict[int, tuple[Chat, Message]] = {}
    for chat in call.world.chats.values():
        if chat.is_channel or me not in chat.members:
            continue
        for message_id in wanted:
            message = chat.find_message(message_id)
            if message is not None:
                found[message_id] = (chat, message)
    viewer = call.viewer
    rendered = [
        viewer.message(found[i][1], found[i][0]) if i in found
        else types.MessageEmpty(id=i, peer_id=None)
        for i in wanted
    ]
    senders = [s for s in (found[i][1].sender_id for i in wanted if i in found) if s]
    chats = {chat.id: chat for chat, _ in found.values()}
    return build(messages.Messages, messages=rendered, topics=[],
                 chats=[viewer.chat(chat) for chat in chats.values()], users=call.users(senders))


def _by_ids(call: Call, chat: Chat, ids: list[object]) -> object:
    viewer = call.viewer
    rendered: list[object] = []
    senders = []
    shown: list[Message] = []
    for item in ids:
        message_id = _input_id(item)
        message = chat.find_message(message_id)
        if message is None:
            rendered.append(types.MessageEmpty(id=message_id, peer_id=call.viewer.peer(chat)))
        else:
            rendered.append(viewer.message(message, chat))
            shown.append(message)
            if message.sender_id is not None:
                senders.append(message.sender_id)
    return build(
        messages.ChannelMessages, pts=chat.pts, count=len(rendered), messages=rendered,
        topics=[], chats=[viewer.chat(chat), *_origins(call, chat, shown)],
        users=call.users(senders),
    )


def _input_id(item: object) -> int:
    if isinstance(item, types.InputMessageID):
        return item.id
    raise RpcFailure.of("MESSAGE_IDS_EMPTY")


HANDLERS = {
    functions.messages.GetHistoryRequest: get_history,
    functions.messages.SearchRequest: search,
    functions.channels.GetMessagesRequest: get_channel_messages,
    functions.messages.GetMessagesRequest: get_messages,
}
