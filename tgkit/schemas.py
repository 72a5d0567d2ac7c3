"""The column lists, dtypes and fixed categories of every frame kind.

The documentation of each column is in :mod:`tgkit.frames`, which re-exports
everything here; this module only holds the definitions so ``tgkit.frames``
stays about building frames.

List columns (``urls``, ``hashtags``, ``mentions``) are Arrow lists of
strings and ``reactions_by_emoji`` an Arrow list of ``{emoji, count}``
structs: typed, explodable (``df.explode("hashtags")``) and kept by a Parquet
round trip.

    >>> MESSAGE_COLUMNS["hashtags"]
    'list<item: string>[pyarrow]'
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import pandas as pd
import pyarrow as pa

__all__ = [
    "ACTIONS",
    "CATEGORIES",
    "CHAT_COLUMNS",
    "CHAT_TYPES",
    "EDGE_COLUMNS",
    "EDGE_KINDS",
    "EVENTS",
    "EVENT_COLUMNS",
    "FORWARD_TYPES",
    "KINDS",
    "LIST_DTYPES",
    "MEDIA_TYPES",
    "MEMBER_COLUMNS",
    "MESSAGE_COLUMNS",
    "NODE_COLUMNS",
    "NODE_STATUSES",
    "ROLES",
    "SCHEMAS",
    "SOURCES",
    "STATUSES",
]

INT = "Int64"
STRING = "string"
BOOL = "boolean"
TIME = "datetime64[ns, UTC]"
CATEGORY = "category"

_STRING_LIST = pd.ArrowDtype(pa.list_(pa.string()))
_REACTION_LIST = pd.ArrowDtype(
    pa.list_(pa.struct([("emoji", pa.string()), ("count", pa.int64())]))
)
_INT_LIST = pd.ArrowDtype(pa.list_(pa.int64()))
STRING_LIST = str(_STRING_LIST)
REACTION_LIST = str(_REACTION_LIST)
INT_LIST = str(_INT_LIST)

#: The Arrow dtypes of the list columns, by their schema name.
LIST_DTYPES: Mapping[str, pd.ArrowDtype] = MappingProxyType(
    {STRING_LIST: _STRING_LIST, REACTION_LIST: _REACTION_LIST, INT_LIST: _INT_LIST}
)

MEMBER_COLUMNS: Mapping[str, str] = MappingProxyType(
    {
        "user_id": INT,
        "username": STRING,
        "first_name": STRING,
        "last_name": STRING,
        "phone": STRING,
        "is_bot": BOOL,
        "is_deleted": BOOL,
        "is_verified": BOOL,
        "is_premium": BOOL,
        "is_scam": BOOL,
        "is_fake": BOOL,
        "status": CATEGORY,
        "last_seen": TIME,
        "role": CATEGORY,
        "joined_at": TIME,
        "source": CATEGORY,
        "chat_id": INT,
        "chat_title": STRING,
        "collected_at": TIME,
    }
)

MESSAGE_COLUMNS: Mapping[str, str] = MappingProxyType(
    {
        "message_id": INT,
        "chat_id": INT,
        "date": TIME,
        "sender_id": INT,
        "sender_username": STRING,
        "text": STRING,
        "action": CATEGORY,
        "reply_to_msg_id": INT,
        "reply_to_top_id": INT,
        "fwd_from_type": CATEGORY,
        "fwd_from_id": INT,
        "fwd_from_name": STRING,
        "fwd_from_message_id": INT,
        "fwd_date": TIME,
        "fwd_post_author": STRING,
        "post_author": STRING,
        "via_bot_id": INT,
        "is_pinned": BOOL,
        "views": INT,
        "forwards": INT,
        "replies": INT,
        "reactions": INT,
        "reactions_by_emoji": REACTION_LIST,
        "urls": STRING_LIST,
        "hashtags": STRING_LIST,
        "mentions": STRING_LIST,
        "media_type": CATEGORY,
        "edit_date": TIME,
        "grouped_id": INT,
        "post_chat_id": INT,
        "post_id": INT,
        "collected_at": TIME,
    }
)

CHAT_COLUMNS: Mapping[str, str] = MappingProxyType(
    {
        "chat_id": INT,
        "username": STRING,
        "title": STRING,
        "type": CATEGORY,
        "about": STRING,
        "participants_count": INT,
        "created_at": TIME,
        "linked_chat_id": INT,
        "is_verified": BOOL,
        "is_scam": BOOL,
        "is_fake": BOOL,
        "is_restricted": BOOL,
        "restriction_reason": STRING,
        "has_hidden_members": BOOL,
        "slowmode_seconds": INT,
        "pinned_message_id": INT,
        "target": STRING,
        "collected_at": TIME,
    }
)

EVENT_COLUMNS: Mapping[str, str] = MappingProxyType(
    {
        "event_id": INT,
        "event": CATEGORY,
        "event_at": TIME,
        "chat_id": INT,
        "message_id": INT,
        "edit_date": TIME,
        "text": STRING,
        "collected_at": TIME,
    }
)

#: ``discover``'s nodes: the chat_info columns an answer's chat carries, and the crawl's.
NODE_COLUMNS: Mapping[str, str] = MappingProxyType(
    {
        **{name: dtype for name, dtype in CHAT_COLUMNS.items()
           if name not in ("target", "collected_at")},
        "depth": INT,
        "first_found_via": CATEGORY,
        "status": STRING,  # NODE_STATUSES (a string: members' status is another category)
        "reason": STRING,
        "cited_by": INT,
        "citations": INT,
        "joined": BOOL,
        "target": STRING,
        "collected_at": TIME,
    }
)

#: ``discover``'s edges: who cites whom, how, how often.
EDGE_COLUMNS: Mapping[str, str] = MappingProxyType(
    {
        "source_chat_id": INT,
        "target_chat_id": INT,
        "target": STRING,
        "kind": CATEGORY,
        "weight": INT,
        "first_seen": TIME,
        "last_seen": TIME,
        "message_ids": INT_LIST,
        "edge_id": INT,  # a stable number for (target, kind): the store's key with the source
    }
)

SCHEMAS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "members": MEMBER_COLUMNS,
        "messages": MESSAGE_COLUMNS,
        "chat_info": CHAT_COLUMNS,
        "events": EVENT_COLUMNS,
        "network_nodes": NODE_COLUMNS,
        "network_edges": EDGE_COLUMNS,
    }
)
KINDS = tuple(SCHEMAS)

#: ``status``: last-seen buckets as Telegram reports them. "hidden" is
#: ``UserStatusEmpty`` (Telegram says nothing); NA means no status was sent.
STATUSES = ("online", "offline", "recently", "last_week", "last_month", "long_ago", "hidden")

#: ``role``: from the participant record. "banned" covers kicked and
#: restricted-from-reading users; "unknown" when no participant record was seen
#: (e.g. a member found only as a message author).
ROLES = ("creator", "admin", "member", "banned", "left", "unknown")

#: ``source``: how a member was found. "participants": the paged listing;
#: "search": the search sweep past the listing cap; "admins": the admins
#: filter (all a non-admin sees of hidden member lists); "full_chat": a basic
#: group's full member list; "messages": authors of recent messages;
#: "monitor": seen live while monitoring.
#: Every frame keeps all of these categories, even those that never occur in
#: it, on purpose: frames of different groups and runs then share one dtype,
#: so ``pd.concat`` keeps the column categorical and comparisons line up.
#: ``value_counts()`` therefore lists unused sources with 0; to drop them use
#: ``df["source"].cat.remove_unused_categories().value_counts()``.
SOURCES = ("participants", "search", "admins", "full_chat", "messages", "monitor")

#: ``media_type``: documents are split by their attributes (video, voice, …);
#: "other" is a media kind newer than this list.
MEDIA_TYPES = (
    "photo",
    "video",
    "video_note",
    "gif",
    "sticker",
    "voice",
    "audio",
    "document",
    "webpage",
    "poll",
    "geo",
    "geo_live",
    "venue",
    "contact",
    "dice",
    "game",
    "invoice",
    "story",
    "giveaway",
    "giveaway_results",
    "paid_media",
    "todo",
    "unsupported",
    "other",
)

#: ``action``: what a service message records (NA for messages people wrote);
#: "other" is an action newer than this list.
ACTIONS = (
    "create",
    "join",
    "join_by_link",
    "join_by_request",
    "leave",
    "pin",
    "title",
    "photo",
    "delete_photo",
    "migrate",
    "call",
    "topic",
    "other",
)

#: ``fwd_from_type``: who a forward comes from, as Telegram says: a user, a
#: channel, a basic group, or "hidden" (the sender hides their account in
#: forwards; only ``fwd_from_name`` is given).
FORWARD_TYPES = ("user", "channel", "chat", "hidden")

#: ``type`` of a chat: "gigagroup" is a broadcast group, "forum" a supergroup
#: with topics.
CHAT_TYPES = ("channel", "supergroup", "gigagroup", "forum", "basic_group")

#: ``event``: what a monitor saw happen to a message.
EVENTS = ("new", "edit", "delete")

#: ``kind`` of a citation edge; ``first_found_via`` of a node also "seed".
EDGE_KINDS = ("forward", "mention", "link", "recommendation")
#: ``status`` of a discovered chat.
NODE_STATUSES = ("read", "private", "not_found", "skipped")

CATEGORIES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "status": STATUSES,
        "role": ROLES,
        "source": SOURCES,
        "media_type": MEDIA_TYPES,
        "action": ACTIONS,
        "fwd_from_type": FORWARD_TYPES,
        "type": CHAT_TYPES,
        "event": EVENTS,
        "first_found_via": ("seed", *EDGE_KINDS),
        "kind": EDGE_KINDS,
    }
)
