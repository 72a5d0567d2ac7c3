"""The DataFrame schemas of every collection, and how frames are built.

Every frame has the same columns, in the same order, with the same nullable
dtypes whether it has 0 rows or a million. Frames are built column-wise. In
every string column NA means absent: an empty string (which servers send for
an absent last name or about text) is stored as NA.

Members (``kind="members"``)

=============  =======================  ==================================================
column         dtype                    meaning
=============  =======================  ==================================================
user_id        Int64                    the user's Telegram id
username       string                   public username without ``@`` (NA if none)
first_name     string                   first name as the account sees it
last_name      string                   last name
phone          string                   phone number, only when Telegram shows it
is_bot         boolean                  the account is a bot
is_deleted     boolean                  the account was deleted
is_verified    boolean                  verified by Telegram
is_premium     boolean                  has Telegram Premium
is_scam        boolean                  flagged as scam by Telegram
is_fake        boolean                  flagged as impersonation by Telegram
status         category                 last-seen bucket, see ``STATUSES`` (NA if unknown)
last_seen      datetime64[ns, UTC]      exact last-seen time when the user shows it
role           category                 see ``ROLES``
joined_at      datetime64[ns, UTC]      when the user joined (or was invited to) the chat
source         category                 how tgkit found this member, see ``SOURCES``
chat_id        Int64                    the chat's marked id (``-100…`` for channels)
chat_title     string                   the chat's title at collection time
collected_at   datetime64[ns, UTC]      when tgkit received this row
=============  =======================  ==================================================

Messages (``kind="messages"``: history, monitor and comments)

===================  ==================================  ======================================
column               dtype                               meaning
===================  ==================================  ======================================
message_id           Int64                               id of the message within its chat
chat_id              Int64                               the chat's marked id (``-100…`` for
                                                         channels)
date                 datetime64[ns, UTC]                 when the message was sent
sender_id            Int64                               marked id of the sender (user, or the
                                                         channel itself for channel posts); NA
                                                         if hidden
sender_username      string                              the sender's username when known
text                 string                              message text (caption for media); NA
                                                         if empty and for service messages
action               category                            what a service message records, see
                                                         ``ACTIONS``; NA for written messages
reply_to_msg_id      Int64                               id of the message this one replies to
                                                         (for a pin: the pinned message)
reply_to_top_id      Int64                               the thread's root when the reply is
                                                         inside a thread (a forum topic, or a
                                                         reply to a comment); NA otherwise
fwd_from_type        category                            a forward's origin, see
                                                         ``FORWARD_TYPES``; NA if not a forward
fwd_from_id          Int64                               marked id of the original author or
                                                         channel of a forward (NA if hidden)
fwd_from_name        string                              the name shown for a sender who hides
                                                         their account in forwards
fwd_from_message_id  Int64                               id of the original post in its channel
fwd_date             datetime64[ns, UTC]                 when the original was sent
fwd_post_author      string                              the original post's signature
post_author          string                              the signature of a channel post (an
                                                         admin's name, when the channel signs)
via_bot_id           Int64                               the inline bot the message was sent via
is_pinned            boolean                             the message is pinned in its chat
views                Int64                               view count (channels)
forwards             Int64                               times forwarded
replies              Int64                               number of replies / comments
reactions            Int64                               total reactions of all kinds
reactions_by_emoji   list of ``{emoji, count}`` (below)  one ``{emoji, count}`` per reaction;
                                                         custom emoji as ``custom:<id>``, paid
                                                         stars as ``paid``; see
                                                         :func:`reaction_counts`
urls                 list<item: string>[pyarrow]         links Telegram marks in the text
                                                         (``url`` and ``text_url`` entities)
hashtags             list<item: string>[pyarrow]         hashtags as written, with ``#``
mentions             list<item: string>[pyarrow]         people mentioned: a username (no
                                                         ``@``) for ``@name``, the user id as
                                                         digits for a mention by name
media_type           category                            short media name, see
                                                         ``MEDIA_TYPES``; NA if none
edit_date            datetime64[ns, UTC]                 when last edited
grouped_id           Int64                               album id shared by the messages of
                                                         one album
post_chat_id         Int64                               comments: the channel whose post they
                                                         discuss (marked id); NA otherwise
post_id              Int64                               comments: that channel post's id
collected_at         datetime64[ns, UTC]                 when tgkit received this row
===================  ==================================  ======================================

``reactions_by_emoji`` has the dtype
``list<item: struct<emoji: string, count: int64>>[pyarrow]``. The list
columns hold ``[]`` when a message has none and explode into one row per
item for counting (``df.explode("hashtags")["hashtags"].value_counts()``);
:func:`tgkit.export.to_parquet` and ``read_parquet`` keep their types.
Service messages (joins, pins, title changes) are rows only when asked for
(``service=True``); then ``text`` is NA and ``action`` says what happened.

Chats (``kind="chat_info"``)

==================  =======================  =============================================
column              dtype                    meaning
==================  =======================  =============================================
chat_id             Int64                    the chat's marked id
username            string                   public username without ``@``
title               string                   the chat's title
type                category                 see ``CHAT_TYPES``
about               string                   the description
participants_count  Int64                    members or subscribers Telegram reports
created_at          datetime64[ns, UTC]      when the chat was created
linked_chat_id      Int64                    a channel's discussion group, or a group's
                                             channel (marked id)
is_verified         boolean                  verified by Telegram
is_scam             boolean                  flagged as scam
is_fake             boolean                  flagged as impersonation
is_restricted       boolean                  restricted (in some countries or platforms)
restriction_reason  string                   the reasons, ``platform:reason: text``, one
                                             per line
has_hidden_members  boolean                  the member list is hidden from non-admins
slowmode_seconds    Int64                    seconds between a member's messages (NA: off)
pinned_message_id   Int64                    the pinned message
target              string                   the target as the caller named it
collected_at        datetime64[ns, UTC]      when tgkit received this row
==================  =======================  =============================================

Network nodes (``kind="network_nodes"``, ``discover``'s ``nodes``)

==================  =======================  =============================================
column              dtype                    meaning
==================  =======================  =============================================
chat_id             Int64                    the chat's marked id (NA: never resolved)
username            string                   as in chat_info
title               string                   as in chat_info
type                category                 as in chat_info
about               string                   as in chat_info (chats read, ``full_info``)
participants_count  Int64                    as in chat_info
created_at          datetime64[ns, UTC]      as in chat_info (chats read, ``full_info``)
linked_chat_id      Int64                    as in chat_info (chats read, ``full_info``)
is_verified         boolean                  as in chat_info
is_scam             boolean                  as in chat_info
is_fake             boolean                  as in chat_info
is_restricted       boolean                  as in chat_info
restriction_reason  string                   as in chat_info (chats read, ``full_info``)
has_hidden_members  boolean                  as in chat_info (chats read, ``full_info``)
slowmode_seconds    Int64                    as in chat_info (chats read, ``full_info``)
pinned_message_id   Int64                    as in chat_info (chats read, ``full_info``)
depth               Int64                    citations from the seeds (0: a seed)
first_found_via     category                 "seed" or an edge kind (``EDGE_KINDS``)
status              string                   ``NODE_STATUSES``: read, private, not_found,
                                             skipped
reason              string                   why it was not read
cited_by            Int64                    posts citing it (all kinds)
citations           Int64                    its posts citing others
joined              boolean                  the crawl joined it (``join=True``)
target              string                   how the crawl first named it
collected_at        datetime64[ns, UTC]      when tgkit built this row
==================  =======================  =============================================

Network edges (``kind="network_edges"``, ``discover``'s ``edges``)

==============  ==========================  ==============================================
column          dtype                       meaning
==============  ==========================  ==============================================
source_chat_id  Int64                       the citing chat (marked id)
target_chat_id  Int64                       the cited chat (marked id; NA: never resolved)
target          string                      as the post named it: ``@name``, ``+hash``,
                                            ``id:<plain id>`` (forwards, recommendations)
kind            category                    ``EDGE_KINDS``: forward, mention, link,
                                            recommendation
weight          Int64                       citing posts
first_seen      datetime64[ns, UTC]         the first citing post's date
last_seen       datetime64[ns, UTC]         the last citing post's date
message_ids     list<item: int64>[pyarrow]  up to five example posts
edge_id         Int64                       a stable number for (target, kind): with the
                                            source, the edge's key in the store
==============  ==========================  ==============================================

Events (``kind="events"``: what a monitor saw happen, beside its messages)

============  =======================  ==================================================
column        dtype                    meaning
============  =======================  ==================================================
event_id      Int64                    the event's number in its monitor, from 1 (the same
                                       event heard twice is one row; its key in the store)
event         category                 "new", "edit" or "delete" (``EVENTS``)
event_at      datetime64[ns, UTC]      when it happened (the edit date; for deletions,
                                       when tgkit heard of it)
chat_id       Int64                    the chat's marked id (NA for a deletion outside
                                       channels: Telegram sends only message ids)
message_id    Int64                    the message
edit_date     datetime64[ns, UTC]      the edit's date (edits only)
text          string                   the text after the event (new and edit)
collected_at  datetime64[ns, UTC]      when tgkit received this row
============  =======================  ==================================================

:func:`compare` tells what changed between two stored collections of one
chat: messages added, deleted, and edited (with both texts).

Category columns have fixed categories (``CATEGORIES``), so frames from
different runs concatenate and round-trip through Parquet with identical
dtypes. A value outside a column's categories is a ``ValueError``.

``df.attrs`` describes the collection (see :func:`collection_attrs`): target,
reported_total, rows, coverage (rows / reported_total), sources, collected_at.

Example::

    >>> df = frame_from_columns("members", {"user_id": [1, 2], "role": ["admin", "member"]})
    >>> df.dtypes["user_id"], len(df.columns)
    (Int64Dtype(), 19)
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from tgkit import provenance
from tgkit.core import current_operation
from tgkit.schemas import (
    ACTIONS,
    CATEGORIES,
    CHAT_COLUMNS,
    CHAT_TYPES,
    EDGE_COLUMNS,
    EDGE_KINDS,
    EVENT_COLUMNS,
    EVENTS,
    FORWARD_TYPES,
    KINDS,
    LIST_DTYPES,
    MEDIA_TYPES,
    MEMBER_COLUMNS,
    MESSAGE_COLUMNS,
    NODE_COLUMNS,
    NODE_STATUSES,
    ROLES,
    SCHEMAS,
    SOURCES,
    STATUSES,
)
from tgkit.typed_arrays import category_codes, int64_array

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
    "MEDIA_TYPES",
    "MEMBER_COLUMNS",
    "MESSAGE_COLUMNS",
    "NODE_COLUMNS",
    "NODE_STATUSES",
    "ROLES",
    "SCHEMAS",
    "SOURCES",
    "STATUSES",
    "collection_attrs",
    "compare",
    "concat_frames",
    "empty_frame",
    "frame_dtypes",
    "frame_from_columns",
    "frame_from_records",
    "reaction_counts",
]

logger = logging.getLogger(__name__)

CATEGORY = "category"
TIME = "datetime64[ns, UTC]"
STRING = "string"


def _schema(kind: str) -> Mapping[str, str]:
    try:
        return SCHEMAS[kind]
    except KeyError:
        raise ValueError(
            f"kind must be one of {', '.join(repr(k) for k in KINDS)}, not {kind!r}"
        ) from None


def frame_dtypes(kind: str) -> dict[str, Any]:
    """The concrete pandas dtype of every column of ``kind``, in order.

    Category columns get their fixed ``CategoricalDtype``::

        >>> frame_dtypes("messages")["media_type"].categories[0]
        'photo'
    """
    return {name: _dtype(name, dtype) for name, dtype in _schema(kind).items()}


def _dtype(column: str, dtype: str) -> Any:
    if dtype == CATEGORY:
        return pd.CategoricalDtype(CATEGORIES[column], ordered=False)
    if dtype in LIST_DTYPES:
        return LIST_DTYPES[dtype]
    return pd.api.types.pandas_dtype(dtype)


def empty_frame(kind: str) -> pd.DataFrame:
    """A frame of ``kind`` with no rows and every column typed.

    Example::

        >>> list(empty_frame("messages").columns)[:3]
        ['message_id', 'chat_id', 'date']
    """
    return frame_from_columns(kind, {})


def frame_from_columns(
    kind: str,
    columns: Mapping[str, Sequence[Any]],
    attrs: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Build a typed frame of ``kind`` from one sequence per column.

    Missing columns are filled with NA; an unknown column is a ``ValueError``.
    Datetime columns accept aware ``datetime`` objects, pandas Timestamps or
    ISO-8601 strings; naive ones are taken as UTC.

    Example::

        >>> df = frame_from_columns("messages", {"message_id": [1], "text": ["hi"]})
        >>> df.loc[0, "text"], bool(df["views"].isna().all())
        ('hi', True)
    """
    schema = _schema(kind)
    unknown = [name for name in columns if name not in schema]
    if unknown:
        raise ValueError(
            f"columns {unknown} are not part of the {kind} schema; "
            f"the columns are: {', '.join(schema)}"
        )
    rows = _row_count(kind, columns)
    data = {
        name: _column(name, dtype, columns.get(name), rows) for name, dtype in schema.items()
    }
    frame = pd.DataFrame(data, index=pd.RangeIndex(rows))
    frame.attrs = dict(attrs or {})
    return frame


def _row_count(kind: str, columns: Mapping[str, Sequence[Any]]) -> int:
    lengths = {name: len(values) for name, values in columns.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"{kind} columns have different lengths: {lengths}")
    return next(iter(lengths.values()), 0)


def _column(name: str, dtype: str, values: Sequence[Any] | None, rows: int) -> Any:
    if values is None:
        values = [None] * rows
    if rows > 1 and _is_constant(values):
        # collected_at, chat_id, source…: convert one value and repeat it.
        return _convert(name, dtype, values[:1]).take(np.zeros(rows, dtype=np.intp))
    return _convert(name, dtype, values)


def _is_constant(values: Sequence[Any]) -> bool:
    if type(values) is not list:
        return False
    first = values[0]
    try:
        # Cheap probes first; list.count matches by identity before equality.
        return (
            values[-1] is first or values[-1] == first
        ) and values.count(first) == len(values)
    except (TypeError, ValueError):  # pd.NA or arrays do not compare to a bool
        return False


def _convert(name: str, dtype: str, values: Sequence[Any]) -> Any:
    if dtype == TIME:
        return _times(name, values)
    if dtype == CATEGORY:
        return _categories(name, values)
    if dtype in LIST_DTYPES:
        return _lists(name, LIST_DTYPES[dtype], values)
    if dtype == "Int64" and (fast := int64_array(values)) is not None:
        return fast
    try:
        array = pd.array(values, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"column {name!r} cannot hold {dtype} values: {exc}") from exc
    if dtype == STRING:
        array[array == ""] = pd.NA  # servers send "" for an absent name or text: not data
    return array


def _lists(name: str, dtype: pd.ArrowDtype, values: Sequence[Any]) -> Any:
    # Store rows come back as lists (or numpy arrays from Parquet): all the same to Arrow.
    try:
        return pd.array(_as_list(values), dtype=dtype)
    except (TypeError, ValueError) as exc:  # pyarrow's errors subclass these
        raise ValueError(f"column {name!r} needs lists ({dtype}): {exc}") from exc


def _times(name: str, values: Sequence[Any]) -> pd.DatetimeIndex:
    values = _as_list(values)
    try:
        parsed = pd.DatetimeIndex(values)  # fast for datetimes sharing one zone
        parsed = parsed.tz_localize("UTC") if parsed.tz is None else parsed.tz_convert("UTC")
    except (TypeError, ValueError):
        parsed = _parse_times(name, values)
    return parsed.as_unit("ns")


def _parse_times(name: str, values: Sequence[Any]) -> pd.DatetimeIndex:
    try:
        return pd.DatetimeIndex(pd.to_datetime(values, utc=True, format="ISO8601"))
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"column {name!r} needs datetimes (aware datetime or ISO-8601 strings): {exc}"
        ) from exc


def _as_list(values: Sequence[Any]) -> Any:
    # pandas reads a tuple as a single value; Series and arrays pass through.
    return list(values) if isinstance(values, tuple) else values


def _categories(name: str, values: Sequence[Any]) -> pd.Categorical:
    allowed = CATEGORIES[name]
    codes = category_codes(values, allowed)
    if codes is not None:
        return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(allowed))
    strings = pd.array(_as_list(values), dtype=STRING)
    codes = pd.Index(allowed).get_indexer(strings.fillna(""))
    bad = (codes == -1) & ~strings.isna()
    if bad.any():
        found = sorted(set(strings[bad].tolist()))
        raise ValueError(f"column {name!r} got {found}; its categories are {list(allowed)}")
    return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(allowed))


def frame_from_records(
    kind: str,
    records: Iterable[Mapping[str, Any]],
    attrs: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Build a typed frame of ``kind`` from dict-like rows (e.g. read back from JSON).

    Keys missing from a record become NA; datetimes may be aware ``datetime``
    objects or ISO-8601 strings. An unknown key is a ``ValueError``.

    Example::

        >>> rows = [{"message_id": 7, "date": "2024-05-01T12:00:00+00:00"}]
        >>> str(frame_from_records("messages", rows)["date"].dtype)
        'datetime64[ns, UTC]'
    """
    schema = _schema(kind)
    rows = list(records)
    keys = set().union(*(row.keys() for row in rows)) if rows else set()
    unknown = sorted(keys - schema.keys())
    if unknown:
        raise ValueError(
            f"records carry keys {unknown} that are not part of the {kind} schema; "
            f"the columns are: {', '.join(schema)}"
        )
    columns = {name: [row.get(name) for row in rows] for name in schema if name in keys}
    return frame_from_columns(kind, columns, attrs)


def concat_frames(
    kind: str,
    frames: Iterable[pd.DataFrame],
    attrs: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Stack frames of ``kind`` into one with a fresh 0..n-1 index and the schema's dtypes.

    ``attrs`` become the result's attrs; without them the result keeps the
    inputs' attrs when they all agree, and has none otherwise.

    Example::

        >>> a = frame_from_columns("members", {"user_id": [1]})
        >>> b = frame_from_columns("members", {"user_id": [2]})
        >>> concat_frames("members", [a, b])["user_id"].tolist()
        [1, 2]
    """
    schema = _schema(kind)
    frames = list(frames)
    for position, frame in enumerate(frames):
        if list(frame.columns) != list(schema):
            raise ValueError(
                f"frame {position} does not have the {kind} columns; build it with "
                "frame_from_columns or frame_from_records"
            )
    non_empty = [frame for frame in frames if len(frame)]
    if not non_empty:
        result = empty_frame(kind)
    else:
        result = pd.concat(non_empty, ignore_index=True)
        result = result.astype(frame_dtypes(kind))
    result.attrs = dict(attrs) if attrs is not None else _shared_attrs(frames)
    return result


def _shared_attrs(frames: Sequence[pd.DataFrame]) -> dict[str, Any]:
    if not frames:
        return {}
    first = frames[0].attrs
    same = all(frame.attrs == first for frame in frames[1:])
    return dict(first) if same else {}


def collection_attrs(
    target: str,
    reported_total: int | None,
    rows: int,
    sources: Iterable[str],
    collected_at: datetime,
    **extra: Any,
) -> dict[str, Any]:
    """The ``df.attrs`` describing one collection; JSON-safe so exports keep them.

    ``coverage`` is ``rows / reported_total``, or ``None`` when Telegram
    reported no total (or zero). ``collected_at`` is stored as an ISO-8601
    UTC string; ``sources`` keep their first-seen order without repeats.

    Example::

        >>> from datetime import datetime, timezone
        >>> now = datetime(2024, 5, 1, tzinfo=timezone.utc)
        >>> collection_attrs("@research_group", 200, 150, ["participants"], now)["coverage"]
        0.75
    """
    if rows < 0:
        raise ValueError(f"rows must be 0 or more, not {rows}")
    coverage = rows / reported_total if reported_total else None
    attrs = {
        "target": target,
        "reported_total": reported_total,
        "rows": rows,
        "coverage": coverage,
        "sources": list(dict.fromkeys(sources)),
        "collected_at": _iso_utc(collected_at),
        **extra,
    }
    operation = current_operation()
    recorded = provenance.snapshot(None if operation is None else operation.report)
    if recorded is not None:  # inside a session's operation: how it was collected
        attrs["provenance"] = recorded
    return attrs


def _iso_utc(moment: datetime) -> str:
    if not isinstance(moment, datetime):
        raise TypeError(f"collected_at must be a datetime, not {type(moment).__name__}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


from tgkit.compare import compare, reaction_counts  # noqa: E402  (they build on this module)
