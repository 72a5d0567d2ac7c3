"""The chats a page of posts cites: forwards, @mentions and t.me links.

A forward's header names its origin channel by id, and the answer's
``chats`` list carries that channel with its access hash: such a citation
costs no ``contacts.ResolveUsername`` later. Mentions and links name a
username (or an invite hash), which is resolved only if the crawl reaches it.

    >>> from telethon.tl import types
    >>> cited_refs("see t.me/other_chan/5 and @someone", [
    ...     types.MessageEntityUrl(4, 17), types.MessageEntityMention(26, 8)])
    [('link', '@other_chan'), ('mention', '@someone')]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telethon import utils
from telethon.tl import types

from tgkit.telegram.convert_messages import entity_lists

__all__ = ["Cited", "cited_refs", "page_citations"]

_TME = re.compile(
    r"^(?:https?://)?(?:t|telegram)\.me/(?:s/)?(?:(?:joinchat/|\+)(?P<hash>[\w-]+)|"
    r"(?P<name>[A-Za-z][A-Za-z0-9_]{3,31}))(?:[/?#].*)?$"
)
_NOT_CHATS = frozenset({"c", "addstickers", "share", "proxy", "socks", "joinchat", "iv"})


@dataclass(frozen=True, slots=True)
class Cited:
    """One citation: ``ref`` is ``id:<plain channel id>``, ``@username`` or ``+hash``."""

    kind: str
    ref: str
    message_id: int
    date: datetime


def cited_refs(text: str, entities: Sequence[Any]) -> list[tuple[str, str]]:
    """(kind, ref) of each mention and t.me link marked in ``text``."""
    urls, _, mentions = entity_lists(text, entities)
    found = [("mention", f"@{name.lower()}") for name in mentions if not name.isdigit()]
    for url in urls:
        match = _TME.match(url)
        if match is None:
            continue
        if match["hash"]:
            found.append(("link", f"+{match['hash']}"))
        elif match["name"].lower() not in _NOT_CHATS:
            found.append(("link", f"@{match['name'].lower()}"))
    return sorted(found, key=lambda item: text.find(item[1].lstrip("@+")))


def page_citations(messages: Sequence[Any], own_id: int, via: frozenset[str]) -> list[Cited]:
    """The citations of a page's messages (not of the chat itself)."""
    found: list[Cited] = []
    for message in messages:
        if not isinstance(message, types.Message):
            continue
        header = message.fwd_from
        origin = getattr(header, "from_id", None)
        if "forwards" in via and isinstance(origin, types.PeerChannel):
            if origin.channel_id != own_id:
                found.append(Cited("forward", f"id:{origin.channel_id}", message.id,
                                   message.date))
        if not message.entities or not ({"mentions", "links"} & via):
            continue
        for kind, ref in cited_refs(message.message or "", message.entities):
            if f"{kind}s" in via:
                found.append(Cited(kind, ref, message.id, message.date))
    return found


def marked_channel(plain_id: int) -> int:
    """A channel's marked id (``-100…``)."""
    return int(utils.get_peer_id(types.PeerChannel(plain_id)))
