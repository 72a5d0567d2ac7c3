"""Comment and reply threads: ``messages.getReplies``.

For a broadcast channel's post, the thread is the comments under the post's
copy in the channel's discussion group; for a message of a supergroup, the
replies in its thread. Pages are cut like history (newest first, offsets,
``add_offset``, at most 100) and ``min_id`` / ``max_id`` are honoured. A post
without comments (no discussion group, or posted before the group was
linked) or a message that does not exist is ``MSG_ID_INVALID``, as on
Telegram.
"""

from __future__ import annotations

from telethon.tl import functions
from telethon.tl.types import messages

from tgkit.sandbox.model import Chat, ChatKind, Message
from tgkit.sandbox.rpc.context import Call
from tgkit.sandbox.rpc.history import HISTORY_PAGE, _count_before, _count_below, _date
from tgkit.sandbox.rpcerror import RpcFailure
from tgkit.sandbox.tlcompat import build

__all__ = ["HANDLERS"]


def get_replies(call: Call, request: functions.messages.GetRepliesRequest) -> object:
    chat = call.readable_chat(request.peer)
    group, root = _thread(call, chat, request.msg_id)
    thread = [m for m in group.messages if m.thread_root == root and m.id != root]
    if request.min_id:
        thread = [m for m in thread if m.id > request.min_id]
    if request.max_id:
        thread = [m for m in thread if m.id < request.max_id]
    total = len(thread)
    if request.offset_id:
        position = total - _count_below(thread, request.offset_id)
    elif _date(request.offset_date):
        position = total - _count_before(thread, request.offset_date)
    else:
        position = 0
    start = max(0, position + request.add_offset)
    end = min(total, start + max(0, min(request.limit, HISTORY_PAGE)))
    page = [thread[total - 1 - index] for index in range(start, end)] if start < end else []
    viewer = call.viewer
    chats = [viewer.chat(group)] + ([viewer.chat(chat)] if chat is not group else [])
    return build(
        messages.ChannelMessages, pts=group.pts, count=total,
        messages=call.messages(group, page), topics=[], chats=chats,
        users=call.users(m.sender_id for m in page if m.sender_id is not None),
        offset_id_offset=position or None,
    )


def _thread(call: Call, chat: Chat, msg_id: int) -> tuple[Chat, int]:
    """The chat holding the thread and the id of its root message there."""
    message: Message | None = chat.find_message(msg_id)
    if message is None or message.action is not None:
        raise RpcFailure.of("MSG_ID_INVALID")
    if chat.kind is ChatKind.CHANNEL:
        if chat.linked_chat_id is None or message.discussion_id is None:
            raise RpcFailure.of("MSG_ID_INVALID")
        return call.world.chats[chat.linked_chat_id], message.discussion_id
    if chat.kind is ChatKind.BASIC_GROUP:
        raise RpcFailure.of("PEER_ID_INVALID")  # basic groups have no threads
    return chat, message.thread_root or message.id


HANDLERS = {
    functions.messages.GetRepliesRequest: get_replies,
}
