"""The search sweep's queries: which prefixes to ask for, and how to refine one.

Telegram's member listing stops at about 10,000 users while the group reports
its true count. Search (``ChannelParticipantsSearch(q)``) matches the start of
any word of a user's first name, last name or username, and each query stops
at the same cap. So tgkit asks one prefix at a time, over digits and the
letters of Latin, Cyrillic and Arabic scripts plus every other letter seen
starting a word in the names already collected, and splits a query whose
results reach the cap into longer prefixes (``a`` → ``aa``, ``ab``, …).

Queries run one at a time, never in parallel: parallel letters earn ~30 s
flood waits at once (see TELEGRAM-FACTS.md).

Example::

    >>> initial_queries(["Анна Петрова", "Omar", None])[:3]
    ['а', 'п', 'o']
    >>> refinements("zo", seen_next=["e"])[:3]
    ['zoe', 'zoa', 'zob']
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

__all__ = ["ALPHABET", "initial_queries", "next_letters", "refinements", "word_initials"]

DIGITS = "0123456789"
LATIN = "abcdefghijklmnopqrstuvwxyz"
CYRILLIC = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя" + "іїєґў"
ARABIC = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي" + "ءآأإةىئؤ" + "پچژگکی"

#: Every single-letter query the sweep starts from (before letters seen in names).
ALPHABET = DIGITS + LATIN + CYRILLIC + ARABIC

_SCRIPTS = (LATIN, CYRILLIC, ARABIC, DIGITS)


def _words(names: Iterable[str | None]) -> Iterable[str]:
    for name in names:
        if name:
            yield from name.casefold().split()


def word_initials(names: Iterable[str | None]) -> Counter[str]:
    """How often each letter or digit starts a word in ``names`` (case-folded)."""
    return Counter(word[0] for word in _words(names) if word[0].isalnum())


def initial_queries(names: Iterable[str | None]) -> list[str]:
    """Single-letter queries: letters seen starting words (most common first), then the rest."""
    seen = [letter for letter, _ in word_initials(names).most_common()]
    return list(dict.fromkeys([*seen, *ALPHABET]))


def next_letters(prefix: str, names: Iterable[str | None]) -> list[str]:
    """Letters that follow ``prefix`` at the start of words in ``names``, most common first."""
    after = Counter(
        word[len(prefix)]
        for word in _words(names)
        if len(word) > len(prefix) and word.startswith(prefix) and word[len(prefix)].isalnum()
    )
    return [letter for letter, _ in after.most_common()]


def refinements(prefix: str, seen_next: Iterable[str] = ()) -> list[str]:
    """Longer queries covering what ``prefix`` matched: seen next letters, then its script's."""
    script = next((letters for letters in _SCRIPTS if prefix[-1] in letters), "")
    letters = dict.fromkeys([*seen_next, *script, *DIGITS])
    return [prefix + letter for letter in letters]
