"""Who a participants listing shows: recent order, word-prefix search, caps.

Telegram lists at most ``LISTING_CAP`` (about 10,000) users for one query of
a supergroup, 200 a page, while ``getFullChannel`` reports the true count.
Search matches the start of any word of the first name, last name or
username, case-insensitively; deleted accounts have no name and are never
found. Indexes are built lazily per chat and rebuilt only when its
membership changed.

    >>> words_of("Anna-Lena", "van Dijk", "anna_vd")
    ['anna', 'lena', 'van', 'dijk', 'anna_vd']
"""

from __future__ import annotations

import bisect
import re
from collections import OrderedDict

from tgkit.sandbox.model import Chat, User

__all__ = ["BROADCAST_CAP", "LISTING_CAP", "PAGE_SIZE", "Roster", "words_of"]

PAGE_SIZE = 200
LISTING_CAP = 10_000
BROADCAST_CAP = 200  # even admins see only about this many subscribers of a broadcast channel

_WORD_SPLIT = re.compile(r"[\s\-.,'()]+")
_CACHED_QUERIES = 256


def words_of(first_name: str | None, last_name: str | None, username: str | None) -> list[str]:
    """The lower-cased words search can match the start of."""
    words: list[str] = []
    for name in (first_name, last_name):
        if name:
            words.extend(word for word in _WORD_SPLIT.split(name.casefold()) if word)
    if username:
        words.append(username.casefold())
    return words


class _ChatIndex:
    """One chat's members in recent order plus a sorted (word, position) index."""

    __slots__ = ("positions", "queries", "recent", "version", "words")

    def __init__(self, chat: Chat, users: dict[int, User]) -> None:
        self.version = chat.version
        self.recent: list[int] = list(reversed(chat.members))
        self.positions = {user_id: position for position, user_id in enumerate(self.recent)}
        pairs: list[tuple[str, int]] = []
        for position, user_id in enumerate(self.recent):
            user = users[user_id]
            if not user.deleted:
                pairs.extend((word, position) for word in words_of(
                    user.first_name, user.last_name, user.username))
        pairs.sort()
        self.words = pairs
        self.queries: OrderedDict[str, list[int]] = OrderedDict()

    def search(self, query: str) -> list[int]:
        """Member ids (recent order) with a word starting with every word of ``query``."""
        cached = self.queries.get(query)
        if cached is not None:
            self.queries.move_to_end(query)
            return cached
        terms = [term for term in _WORD_SPLIT.split(query.casefold()) if term]
        if not terms:
            found = self.recent
        else:
            matched = set.intersection(*(self._prefix(term) for term in terms))
            found = [self.recent[position] for position in sorted(matched)]
        self.queries[query] = found
        if len(self.queries) > _CACHED_QUERIES:
            self.queries.popitem(last=False)
        return found

    def _prefix(self, term: str) -> set[int]:
        start = bisect.bisect_left(self.words, (term,))
        end = bisect.bisect_left(self.words, (term + "\U0010ffff",))
        return {position for _, position in self.words[start:end]}


class Roster:
    """Lazily built participant indexes for every chat of a world."""

    def __init__(self, users: dict[int, User]) -> None:
        self._users = users
        self._indexes: dict[int, _ChatIndex] = {}

    def _index(self, chat: Chat) -> _ChatIndex:
        index = self._indexes.get(chat.id)
        if index is None or index.version != chat.version:
            index = _ChatIndex(chat, self._users)
            self._indexes[chat.id] = index
        return index

    def recent(self, chat: Chat) -> list[int]:
        """All members, most recently joined first."""
        return self._index(chat).recent

    def search(self, chat: Chat, query: str) -> list[int]:
        """Members matching ``query`` by word prefix, most recently joined first."""
        return self._index(chat).search(query)

    def admins(self, chat: Chat) -> list[int]:
        """The creator first, then admins in the order they were promoted."""
        ordered = [chat.creator_id] if chat.creator_id in chat.admins else []
        ordered.extend(user_id for user_id in chat.admins if user_id != chat.creator_id)
        return ordered

    def bots(self, chat: Chat) -> list[int]:
        return [user_id for user_id in self.recent(chat) if self._users[user_id].bot]
