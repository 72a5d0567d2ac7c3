"""The built-in operations: each defined once beside its steps, registered here.

========================  ===========================================================
spec (module)             names (session and manager / notebook and ``tgkit``)
========================  ===========================================================
``members.MEMBERS``       ``scrape_group_members``, ``join_and_scrape_members`` /
                          ``members`` (``join=``), ``join_and_members``
``messages.MESSAGES``     ``scrape_messages`` / ``messages``
``monitor.MONITOR``       ``monitor``
``send.SEND``             ``send_message`` / ``send`` (not on the command line)
``chat_info.CHAT_INFO``   ``chat_info`` (``tgkit chat-info``)
``comments.COMMENTS``     ``scrape_comments`` / ``comments``
``discovery.DISCOVER``    ``discover`` (a ``Network`` of nodes and edges)
``search.SEARCH_CHATS``   ``search_chats``, ``search_messages`` (``discovery.search``)
``tracking.WATCH``        ``watch`` (``tgkit track add``), ``unwatch`` (``track remove``),
                          ``watchlist`` (``track list``)
``tracking.TRACK``        ``track`` (``tgkit track run``), per chat ``track_chat``
========================  ===========================================================

Adding an operation: write its ``OperationSpec`` beside its steps, add it to
``BUILT_IN``, give the sandbox what it needs, and test it. The session, the
manager, the notebook and the command line show it from then on.

>>> [spec.name for spec in CATALOGUE]
['members', 'messages', 'monitor', 'send', 'chat_info', 'comments', 'watch', 'unwatch',
 'watchlist', 'track_chat', 'track', 'discover', 'search_chats', 'search_messages']
"""

from __future__ import annotations

from tgkit.telegram.catalogue import CATALOGUE, OperationSpec
from tgkit.telegram.chat_info import CHAT_INFO
from tgkit.telegram.comments import COMMENTS
from tgkit.telegram.discovery import DISCOVER
from tgkit.telegram.discovery.search import SEARCH_CHATS, SEARCH_MESSAGES
from tgkit.telegram.members import MEMBERS
from tgkit.telegram.messages import MESSAGES
from tgkit.telegram.monitor import MONITOR
from tgkit.telegram.send import SEND
from tgkit.tracking.run import TRACK, TRACK_CHAT, UNWATCH, WATCH, WATCHLIST_FRAME

__all__ = ["BUILT_IN", "CATALOGUE"]

BUILT_IN: tuple[OperationSpec, ...] = (
    MEMBERS, MESSAGES, MONITOR, SEND, CHAT_INFO, COMMENTS, WATCH, UNWATCH, WATCHLIST_FRAME,
    TRACK_CHAT, TRACK, DISCOVER, SEARCH_CHATS, SEARCH_MESSAGES,
)

for _spec in BUILT_IN:
    if _spec.name not in CATALOGUE:
        CATALOGUE.register(_spec)
