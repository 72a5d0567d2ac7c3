"""A crawl's seeds: the ones that name a chat, and the malformed ones, reported per seed.

Every other operation refuses a malformed chat name before anything is sent. A
crawl takes many seeds, often pasted from a list, and one typo should not cost
the rest: a malformed seed in a list of seeds becomes a ``skipped`` node saying
why, and the crawl goes on with the others. A lone seed, or a list where no seed
names a chat, is still refused before any request.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tgkit.errors import InvalidTarget
from tgkit.telegram.catalogue import ValueKind
from tgkit.telegram.targets import Target, parse_target

__all__ = ["SEEDS", "Seeds"]


class Seeds(tuple[Target, ...]):
    """The seeds that name a chat; ``malformed`` holds ``(text, why)`` for the others.

    >>> seeds = SEEDS.check(["@seed_one", "\\u017fmall_group"], "targets")
    >>> [t.display for t in seeds], [text for text, _ in seeds.malformed]
    (['@seed_one'], ['ſmall_group'])
    """

    malformed: tuple[tuple[str, str], ...] = ()

    def __new__(cls, good: Sequence[Target], malformed: Sequence[tuple[str, str]] = ()) -> Seeds:
        seeds = super().__new__(cls, good)
        seeds.malformed = tuple(malformed)
        return seeds


def _seeds(value: Any, name: str) -> Seeds:
    if isinstance(value, str | Target) or not isinstance(value, Sequence):
        return Seeds([parse_target(value)])  # a lone seed must name a chat
    good: list[Target] = []
    malformed: list[tuple[str, str]] = []
    first: InvalidTarget | None = None
    for each in value:
        try:
            good.append(parse_target(each))
        except InvalidTarget as error:
            first = first or error
            text = each[:80] if isinstance(each, str) else repr(each)[:80]
            malformed.append((text, str(error).split(". Pass ")[0]))  # the why, not the how
    if good:
        return Seeds(good, malformed)
    if first is not None:
        raise first  # no seed names a chat: nothing to crawl
    raise ValueError(f"{name} must name at least one chat")


SEEDS = ValueKind(
    "seeds", "str | int | list", "one chat or a list of chats (malformed ones are reported)",
    _seeds, many=True, chats=True,
)
