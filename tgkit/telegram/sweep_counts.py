"""How many collected members have a word starting with a prefix, kept up to date.

The search sweep (``tgkit.telegram.sweep``) decides with these counts whether a
search query still hides members: Telegram's ``count`` for a query is exact, so
a query whose count equals the number of collected members matching it is done.
Words are split the way Telegram's participant search matches them: the words
of the first and last name (split at spaces, hyphens, dots, commas,
apostrophes and brackets) and the username as one word, case-folded.

Prefixes of one to three characters are counted for every member; longer ones
only once the sweep tracks them (the refinements of a query that reached the
cap), so memory stays small on million-member groups. A tracked query of
several words (``"mary s"``) counts the members with a word starting with each
of them, as Telegram's search matches such a query; its first word is at least
three characters long.

    >>> counts = PrefixCounts()
    >>> counts.add([["anna", "schmidt"], ["anton"]])
    >>> counts["an"], counts["a"], counts["s"]
    (2, 2, 1)
"""

from __future__ import annotations

import re
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

__all__ = ["SHALLOW", "PrefixCounts", "member_words"]

#: Prefixes up to this length are counted for every member.
SHALLOW = 3

_WORD_SPLIT = re.compile(r"[\s\-.,'()]+")


def member_words(first: str | None, last: str | None, username: str | None) -> list[str]:
    """The case-folded words participant search matches the start of.

    >>> member_words("Anna-Lena", "van Dijk", "anna_vd")
    ['anna', 'lena', 'van', 'dijk', 'anna_vd']
    """
    words: list[str] = []
    for name in (first, last):
        if name:
            words.extend(word for word in _WORD_SPLIT.split(name.casefold()) if word)
    if username:
        words.append(username.casefold())
    return words


class PrefixCounts:
    """Members per prefix (each member counted once per prefix), shallow and tracked."""

    def __init__(
        self, words_of_row: Callable[[int], Sequence[str]] | None = None, *, depth: int = SHALLOW
    ) -> None:
        self.depth = depth  # prefixes up to this length are counted for every member
        self._counts: Counter[str] = Counter()
        self._deep: dict[str, int] = {}  # tracked prefixes longer than SHALLOW
        self._multi: dict[str, list[tuple[str, list[str]]]] = {}  # stem -> (query, terms)
        self._rows: dict[str, array[int]] = {}  # a SHALLOW prefix -> rows whose words start so
        self._words_of_row = words_of_row  # re-reads a member's words (None: no tracking)
        self.members = 0
        #: Members whose searchable words all start this word, which is one of them ("James";
        #: "S. Smith" under "smith"; "Иван Иванов" under "иванов"): no longer query and no
        #: query of two words reaches them, only this word's own pages (or a prefix's).
        self.exact: Counter[str] = Counter()

    def __getitem__(self, prefix: str) -> int:
        if len(prefix) <= self.depth:
            return self._counts[prefix]
        return self._deep.get(prefix, 0)

    def add(self, members: Iterable[Sequence[str]]) -> None:
        """Count the words of more members (one sequence of words each)."""
        counts, deep, rows, depth = self._counts, self._deep, self._rows, self.depth
        exact = self.exact
        for words in members:
            row = self.members
            self.members += 1
            prefixes = {word[:n] for word in words for n in range(1, min(len(word), depth) + 1)}
            counts.update(prefixes)
            searchable = [word for word in words if word[0].isalnum()]
            if searchable:
                longest = max(searchable, key=len)
                if all(longest.startswith(word) for word in searchable):
                    exact[longest] += 1
            if self._words_of_row is not None:
                for prefix in prefixes:
                    if len(prefix) == depth:
                        rows.setdefault(prefix, array("q")).append(row)
            if self._multi:
                self._count_multi(words)
            if deep:
                seen: set[str] = set()
                for word in words:
                    seen.update(word[:n] for n in range(depth + 1, len(word) + 1)
                                if word[:n] in deep)
                for prefix in seen:
                    deep[prefix] += 1

    def _count_multi(self, words: Sequence[str]) -> None:
        for stem in {word[:self.depth] for word in words}:
            for query, terms in self._multi.get(stem, ()):
                if _matches(words, terms):
                    self._deep[query] += 1

    def track(self, prefixes: Iterable[str]) -> None:
        """Start counting these prefixes (longer than SHALLOW, or queries of several
        words) from the members so far."""
        new = [p for p in prefixes if len(p) > self.depth and p not in self._deep]
        words_of = self._require_rows()
        for prefix in new:
            self._deep[prefix] = 0
        several = [p for p in new if " " in p]
        if several:
            self._track_multi(several)
            new = [p for p in new if " " not in p]
        by_stem: dict[str, list[str]] = {}
        for prefix in new:
            by_stem.setdefault(prefix[:self.depth], []).append(prefix)
        for stem, group in by_stem.items():
            wanted = set(group)
            for row in self._rows.get(stem, ()):
                hits = {w[:n] for w in words_of(row) for n in range(self.depth + 1, len(w) + 1)}
                for prefix in hits & wanted:
                    self._deep[prefix] += 1

    def _track_multi(self, queries: list[str]) -> None:
        words_of = self._require_rows()
        for query in queries:
            terms = query.split()
            if len(terms[0]) < self.depth:
                raise ValueError(f"a query of several words needs a first word of at least "
                                 f"{self.depth} characters, not {query!r}")
            stem = terms[0][:self.depth]
            self._multi.setdefault(stem, []).append((query, terms))
            self._deep[query] = sum(1 for row in self._rows.get(stem, ())
                                    if _matches(words_of(row), terms))

    def partners(self, word: str) -> list[str]:
        """Initials of the other words of members who have ``word`` itself as a word
        (at least SHALLOW characters long), most common first."""
        found: Counter[str] = Counter()
        words_of = self._require_rows()
        for row in self._rows.get(word[:self.depth], ()) if len(word) >= self.depth else ():
            words = words_of(row)
            if word in words:
                found.update({w[0] for w in words if w != word and w[0].isalnum()})
        return [letter for letter, _ in found.most_common()]

    def is_word(self, word: str) -> bool:
        """Whether a collected member has ``word`` itself as a word (at least SHALLOW
        characters long)."""
        words_of = self._require_rows()
        rows = self._rows.get(word[:self.depth], ()) if len(word) >= self.depth else ()
        return any(word in words_of(row) for row in rows)

    def next_letters(self, prefix: str) -> list[str]:
        """Characters seen after ``prefix`` at the start of words, most common first
        (after its last word, for a query of several words)."""
        if " " in prefix:
            return self._next_after_terms(prefix.split())
        n = len(prefix) + 1
        if n <= self.depth:
            found = Counter({p[-1]: c for p, c in self._counts.items() if len(p) == n
                             and p.startswith(prefix)})
        else:
            found = Counter()
            words_of = self._require_rows()
            for row in self._rows.get(prefix[:self.depth], ()):
                found.update({w[n - 1] for w in words_of(row)
                              if len(w) >= n and w.startswith(prefix)})
        return [letter for letter, _ in found.most_common()]

    def _next_after_terms(self, terms: list[str]) -> list[str]:
        found: Counter[str] = Counter()
        words_of, last = self._require_rows(), terms[-1]
        for row in self._rows.get(terms[0][:self.depth], ()):
            words = words_of(row)
            if _matches(words, terms):
                found.update({w[len(last)] for w in words
                              if len(w) > len(last) and w.startswith(last)})
        return [letter for letter, _ in found.most_common()]

    def _require_rows(self) -> Callable[[int], Sequence[str]]:
        if self._words_of_row is None:
            raise RuntimeError("these counts were made without words_of_row: only short prefixes")
        return self._words_of_row


def _matches(words: Sequence[str], terms: Sequence[str]) -> bool:
    """Whether every term starts one of ``words`` (Telegram's search of several words)."""
    return all(any(word.startswith(term) for word in words) for term in terms)
