"""Finding chats and posts: ``contacts.search``, ``messages.searchGlobal`` and
``channels.getChannelRecommendations``.

``contacts.search`` matches public chats and users whose title, name or
username has a word starting with the query (at least 3 characters, as
Telegram asks, ``QUERY_TOO_SHORT`` otherwise), biggest first.
``messages.searchGlobal`` searches the messages of the chats the account is
in, newest first, paged by ``offset_rate`` (the last date), ``offset_peer``
and ``offset_id`` as Telegram pages it. Recommendations are the similar
channels of a generated universe (``World.generate_universe``); a channel
outside one has none.
"""

from __future__ import annotations

import re
from datetime import datetime

from telethon import utils
from telethon.tl import functions, types
from telethon.tl.types import contacts, messages

from tgkit.sandbox.model import Chat, Message
from tgkit.sandbox.rpc.context import Call
from tgkit.sandbox.rpc.history import HISTORY_PAGE
from tgkit.sandbox.rpcerror import RpcFailure
from tgkit.sandbox.tlcompat import build

__all__ = ["HANDLERS"]

_WORDS = re.compile(r"\w+")
_SEARCH_CAP = 100


def _matches(terms: list[str], *texts: str | None) -> bool:
    words = [w.casefold() for text in texts if text for w in _WORDS.findall(text)]
    words += [t.casefold() for t in texts[-1:] if t]  # the username as a whole
    return all(any(word.startswith(term) for word in words) for term in terms)


def _terms(query: str) -> list[str]:
    text = (query or "").strip().lstrip("@")
    if len(text) < 3:
        raise RpcFailure.of("QUERY_TOO_SHORT")
    return [t.casefold() for t in _WORDS.findall(text)] or [text.casefold()]


def contacts_search(call: Call, request: functions.contacts.SearchRequest) -> contacts.Found:
    terms = _terms(request.q)
    world = call.world
    found_chats = [c for c in world.chats.values()
                   if c.is_channel and c.username and not c.private
                   and _matches(terms, c.title, c.username)]
    found_chats.sort(key=lambda c: (-c.member_count, c.id))
    found_users = [u for u in world.users.values()
                   if u.username and not u.deleted
                   and _matches(terms, u.first_name, u.last_name, u.username)]
    limit = max(0, min(request.limit, _SEARCH_CAP))
    found_chats, found_users = found_chats[:limit], found_users[: max(0, limit - len(found_chats))]
    viewer = call.viewer
    return contacts.Found(
        my_results=[], results=[viewer.peer(c) for c in found_chats]
        + [types.PeerUser(u.id) for u in found_users],
        chats=[viewer.chat(c) for c in found_chats], users=call.users(u.id for u in found_users),
    )


def search_global(call: Call, request: functions.messages.SearchGlobalRequest) -> object:
    terms = [t.casefold() for t in _WORDS.findall(request.q or "")]
    if not terms:
        raise RpcFailure.of("SEARCH_QUERY_EMPTY")
    me = call.me.id
    low, high = _date(request.min_date), _date(request.max_date)
    hits: list[tuple[int, int, int, Chat, Message]] = []
    for chat in call.world.chats.values():
        if me not in chat.members or me in chat.banned:
            continue
        if request.broadcasts_only and not chat.is_channel:
            continue
        for message in chat.messages:
            if message.action is not None or (low and message.date < low):
                continue
            if high and message.date > high:
                continue
            words = [w.casefold() for w in _WORDS.findall(message.text)]
            if all(any(w.startswith(t) for w in words) for t in terms):
                hits.append((int(message.date.timestamp()), _peer_id(chat), message.id, chat,
                             message))
    hits.sort(key=lambda h: (h[0], h[1], h[2]), reverse=True)
    if request.offset_rate:
        cursor = (request.offset_rate, _input_peer_id(request.offset_peer), request.offset_id)
        hits = [h for h in hits if (h[0], h[1], h[2]) < cursor]
    page = hits[: max(0, min(request.limit, HISTORY_PAGE))]
    viewer = call.viewer
    chats = {h[3].id: h[3] for h in page}
    rendered = [viewer.message(h[4], h[3]) for h in page]
    return build(
        messages.MessagesSlice, count=len(hits), messages=rendered, topics=[],
        chats=[viewer.chat(c) for c in chats.values()],
        users=call.users(h[4].sender_id for h in page if h[4].sender_id is not None),
        next_rate=page[-1][0] if len(hits) > len(page) else None,
    )


def _date(value: datetime | None) -> datetime | None:
    if value is None or value.timestamp() <= 0:
        return None
    return value


def _peer_id(chat: Chat) -> int:
    peer = types.PeerChannel(chat.id) if chat.is_channel else types.PeerChat(chat.id)
    return int(utils.get_peer_id(peer))


def _input_peer_id(peer: object) -> int:
    if isinstance(peer, types.InputPeerChannel):
        return int(utils.get_peer_id(types.PeerChannel(peer.channel_id)))
    if isinstance(peer, types.InputPeerChat):
        return int(utils.get_peer_id(types.PeerChat(peer.chat_id)))
    return 0


def channel_recommendations(
    call: Call, request: functions.channels.GetChannelRecommendationsRequest
) -> messages.Chats:
    if request.channel is None:
        return messages.Chats(chats=[])
    chat = call.readable_channel(request.channel)
    universe = call.world.universe
    similar = universe.similar.get(chat.id, []) if universe is not None else []
    chats = [call.world.chats[i] for i in similar if i in call.world.chats]
    return messages.Chats(chats=[call.viewer.chat(c) for c in chats])


HANDLERS = {
    functions.contacts.SearchRequest: contacts_search,
    functions.messages.SearchGlobalRequest: search_global,
    functions.channels.GetChannelRecommendationsRequest: channel_recommendations,
}
