"""The search sweep's queries: which prefixes to ask for, in what order, and when to stop.

Telegram's member listing stops at about 10,000 users while the group reports
its true count. Search (``ChannelParticipantsSearch(q)``) matches the start of
any word of a user's first name, last name or username, and each query stops
at the same cap. So tgkit asks one prefix at a time, over digits and the
letters of Latin, Cyrillic and Arabic scripts plus every other letter seen
starting a word in the names already collected, and splits a query whose
results reach the cap into longer prefixes (``a`` → ``aa``, ``ab``, …) and,
when the query is itself a whole word of members, into two-word queries
(``mary`` → ``mary s``, …: search matches a word for each).

Every request spends flood budget, so ``SweepPlan`` plans them. It uses what
Telegram says for free and what is already collected:

- the ``count`` on the first page of a query is the exact number of members
  it matches, so a query is *done* as soon as that many collected members
  match it (``PrefixCounts``), and its remaining pages are never asked;
- only a query whose count exceeds the cap is refined, since the cap hides
  members only then; a refinement of a query that is done is never asked;
- the next request is always the one with the most expected new members:
  for a query being paged, its missing members (count minus those collected)
  are all in the pages not yet read; for a query not asked yet, its count is
  estimated from the letter statistics of the recent-members listing (a
  sample of the group) or of the names collected so far. Queries estimated to
  bring nothing are asked last, and only while their parent still hides
  members (one request is the only way to be sure they hide none);
- a capped query is paged only for the members no refinement reaches (their
  words all start it: "James" alone, "S. Smith" under "smith"), and up to the
  cap when it is a whole word of collected members: such members are too rare
  for the listing to show, not too rare for 10,000 results to hold.

Queries run one at a time, never in parallel: parallel letters earn ~30 s
flood waits at once (see TELEGRAM-FACTS.md).

Example::

    >>> initial_queries(["Анна Петрова", "Omar", None])[:3]
    ['а', 'п', 'o']
    >>> refinements("zo", seen_next=["e"])[:3]
    ['zoe', 'zoa', 'zob']
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from tgkit.telegram.sweep_counts import PrefixCounts, member_words

__all__ = [
    "ALPHABET",
    "SweepPlan",
    "initial_queries",
    "next_letters",
    "pairings",
    "refinements",
    "word_initials",
]

PAGE = 200
#: A share of a prefix among the listing's members is trusted from this many matches on.
_SAMPLE_MIN = 20
#: Expected new members per request closer than this count as equal (then: not capped,
#: a common first name before a prefix, longer before shorter).
_SAME = 20

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


def pairings(prefix: str, counts: PrefixCounts) -> list[str]:
    """Queries of two words for a capped ``prefix`` that is itself a whole word of
    collected members ("mary" → "mary s", "mary j", …): a member whose words are
    all capped ("Mary Smith" among 20,000 Marys and Smiths) is found by no longer
    prefix, only by both words at once. Initials seen after the word, then the rest
    of their scripts."""
    if " " in prefix or len(prefix) < counts.depth:
        return []
    seen = counts.partners(prefix)
    scripts = [letters for letters in _SCRIPTS if any(letter in letters for letter in seen)]
    letters = dict.fromkeys([*seen, *(letter for script in scripts for letter in script)])
    return _useful([f"{prefix} {letter}" for letter in letters])


def _useful(queries: list[str]) -> list[str]:
    """The queries but those of several words one of which starts another: "mary m"
    and "ivan ivano" find no one that "mary" and "ivano" do not (one word meets both),
    and more than they would if still capped."""
    return [q for q in queries if " " not in q or not _overlaps(q.split())]


def _overlaps(terms: list[str]) -> bool:
    return any(a != b and a.startswith(b) for a in terms for b in terms) or \
        len(set(terms)) < len(terms)


def first_letters(counts: PrefixCounts) -> list[str]:
    """Single-character queries: every initial seen, then the rest of each script seen."""
    seen = counts.next_letters("")
    scripts = [letters for letters in _SCRIPTS if any(letter in letters for letter in seen)]
    return list(dict.fromkeys([*seen, *(letter for script in scripts for letter in script)]))


class SweepPlan:
    """Which search query (and offset) to ask next; see the module docstring.

    ``counts`` counts every collected member's words (kept up to date by the
    caller); ``sample`` those of the recent-members listing. ``state()`` is
    what a checkpoint keeps so a resumed sweep plans from where it stopped.
    """

    def __init__(
        self,
        *,
        cap: int,
        total: int,
        counts: PrefixCounts,
        sample: PrefixCounts,
        words: Iterable[str] = (),
        state: Mapping[str, Any] | None = None,
    ) -> None:
        self.cap, self.total = cap, total
        self._counts, self._sample = counts, sample
        self._children: dict[str, list[str]] = {}
        state = state or {}
        self._asked: dict[str, list[int]] = {}
        self._asked_text: dict[str, str] = {}  # the same as state() writes it
        for query, value in state.get("asked", {}).items():
            self._set_asked(query, _asked_value(value))
        self.refined: list[str] = list(state.get("refined", ()))
        self.sent: list[str] = []  # queries this run asked, in order of first request
        self._heap: list[tuple[tuple[bool, int, int, bool, int], int, str]] = []
        self._seq = 0
        self._extra: set[str] = set(words)
        self._open: set[str] = set()
        self._whole: set[str] = set()  # capped queries paged up to the cap (_may_hide_exact)
        self._add([*state.get("open", ()), *first_letters(counts), *self._extra, *self._asked])
        for prefix in self.refined:  # a resumed plan: the refinements are open again
            self._refine(prefix)
        self._learn: Callable[[], None] = lambda: None

    @classmethod
    def of_collection(cls, collector: Any, *, cap: int, total: int) -> SweepPlan:
        """A plan over a members ``PageCollector``: its rows so far (the listing's are
        the sample), its search checkpoint if it is resuming one; ``next()`` reads the
        rows added since."""
        state = collector.checkpoint
        saved = state.get("plan") if state.get("phase") == "search" else None
        if saved is None and state.get("phase") == "search":  # a checkpoint before plans
            saved = {"open": state.get("queue", [])}
        first, last, user = (collector.column(n) for n in ("first_name", "last_name", "username"))

        def words_of_row(row: int) -> list[str]:
            return member_words(first[row], last[row], user[row])

        counts = PrefixCounts(words_of_row)
        counts.add(words_of_row(row) for row in range(len(collector)))
        listed = [row for row, source in enumerate(collector.column("source"))
                  if source == "participants"]
        sample = PrefixCounts(depth=64)
        sample.add(words_of_row(row) for row in listed)
        firsts = Counter(words[0] for row in listed
                         if (words := member_words(first[row], None, None)))
        common = [w for w, n in firsts.most_common()
                  if n >= max(2, len(listed) // 500) and len(w) > 1]
        plan = cls(cap=cap, total=total, counts=counts, sample=sample, words=common, state=saved)

        def learn() -> None:
            counts.add(words_of_row(row) for row in range(counts.members, len(collector)))

        plan._learn = learn
        return plan

    # -- the plan's state -------------------------------------------------

    def state(self) -> dict[str, Any]:
        """JSON-able: Telegram's "count,offset,first offset" per query asked, and the
        queries refined; the open queries follow from those and the names collected.

        Written with every page, so each query's numbers are one text kept up to date
        as they change: a JSON encoder writes a text several times faster than a list.
        """
        return {"asked": self._asked_text, "refined": self.refined}

    def _set_asked(self, prefix: str, value: list[int]) -> None:
        self._asked[prefix] = value
        self._asked_text[prefix] = ",".join(map(str, value))

    def next(self) -> tuple[str, int] | None:
        """The query and offset to ask next, or None when nothing can bring more members."""
        self._learn()
        while self._heap:
            *_, prefix = heapq.heappop(self._heap)
            value = self._value(prefix)
            if value is None:
                self._open.discard(prefix)
                continue
            if self._heap and self._rank(prefix, value) > self._heap[0][0]:
                self._push(prefix, value)  # its value fell since it was queued: look again
                continue
            if value == 0 and not self._needed(prefix):
                self._open.discard(prefix)
                continue
            self._push(prefix, value)  # stays queued until done; recorded pages update it
            if prefix not in self._asked:  # skip the listing's members, the first results
                return prefix, min(self._sample[prefix], self.cap)
            return prefix, self._asked[prefix][1]
        return None

    def record(self, prefix: str, offset: int, count: int, delivered: int) -> None:
        """What one page of ``prefix`` from ``offset`` brought: Telegram's count, rows."""
        if prefix not in self.sent:
            self.sent.append(prefix)
        self._open.discard(prefix)
        head = self._asked[prefix][2] if prefix in self._asked else offset
        end = offset + delivered if delivered else max(count, offset)
        self._set_asked(prefix, [count, end, head])
        if count > self.cap and prefix not in self.refined:
            self.refined.append(prefix)
            self._refine(prefix)

    def _refine(self, prefix: str) -> None:
        children = _useful(refinements(prefix, self._counts.next_letters(prefix)))
        children += pairings(prefix, self._counts)
        self._children[prefix] = children
        self._add(children)

    # -- values -----------------------------------------------------------

    def _add(self, prefixes: Iterable[str]) -> None:
        prefixes = list(prefixes)
        self._counts.track(prefixes)
        for prefix in prefixes:
            if prefix not in self._asked:
                self._open.add(prefix)
            value = self._value(prefix)
            if value is not None:
                self._push(prefix, value)

    def _push(self, prefix: str, value: float) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (self._rank(prefix, value), self._seq, prefix))

    def _rank(self, prefix: str, value: float) -> tuple[bool, int, int, bool, int]:
        """Heap order: first the counts the plan needs (a letter's, or a refinement's
        expected past the cap), then the most new members per request."""
        if prefix in self._asked:
            needs_count, capped = False, int(self._asked[prefix][0] > self.cap)
        else:
            capped = 0
            needs_count = (len(prefix) == 1 and value > 0) or self._estimate(prefix) > self.cap
        worth = -round(value / _SAME) if value > 0 else 1  # nothing expected: last of all
        return (not needs_count, worth, capped, prefix not in self._extra, -len(prefix))

    def _value(self, prefix: str) -> float | None:
        """Expected new members from the next request of ``prefix``; None: nothing left."""
        known = self._counts[prefix]
        if prefix in self._asked:
            count, offset, head = self._asked[prefix]
            reach = min(count, self.cap)
            if known >= count:
                return None
            if offset >= reach and head > 0:  # the results skipped as the listing's hide
                self._set_asked(prefix, [count, 0, 0])  # someone after all: read them too
                offset = 0
            if offset >= reach:
                return None
            missing: float = count - known
            if prefix in self._children:  # refined: only what its refinements cannot reach
                missing = min(missing, self._exact_missing(prefix))
                if missing < 1 and self._may_hide_exact(prefix):
                    missing = 1.0  # too rare to estimate, not too rare to be there
                if missing < 1:
                    return None
            return missing / (count - offset) * min(PAGE, reach - offset)
        if self._parent_done(prefix):
            return None
        estimate = self._estimate(prefix)
        head = min(self._sample[prefix], self.cap)
        if estimate <= known or head >= min(estimate, self.cap):
            return 0.0
        return min(PAGE, min(estimate, self.cap) - head) * (estimate - known) / (estimate - head)

    def _estimate(self, prefix: str) -> float:
        """Telegram's count for a query not asked yet: its nearest asked ancestor's count
        (the group's for none) times its share there, in the listing or in what is collected
        (always, for a query of several words)."""
        parent = self._ancestor(prefix)
        total = self._asked[parent][0] if parent else self.total
        base = self._sample.members if not parent else self._sample[parent]
        if base >= _SAMPLE_MIN and " " not in prefix:  # the sample counts single words
            return total * self._sample[prefix] / base
        base = self._counts.members if not parent else self._counts[parent]
        return total * self._counts[prefix] / base if base else 0.0

    def _ancestor(self, prefix: str) -> str:
        """The longest asked proper prefix of ``prefix`` ('' for none)."""
        return next((prefix[:n] for n in range(len(prefix) - 1, 0, -1)
                     if prefix[:n] in self._asked), "")

    def _parent_done(self, prefix: str) -> bool:
        parent = self._ancestor(prefix)
        return bool(parent) and self._counts[parent] >= self._asked[parent][0]

    def _needed(self, prefix: str) -> bool:
        """Whether a query expected to bring nothing must still be asked to be sure: a
        letter while members are missing, a refinement while its refined parent still
        hides members. No estimate can say that none of those is behind this one (a
        million-member group's 'mary' hides thousands out of any query's reach and a
        hundred with a username 'mary5242', which only 'mary5' finds); one request can.
        Such queries come last (see _rank), when the parent is usually done."""
        if prefix in self._asked:
            return False
        if len(prefix) == 1:
            return self._counts.members < self.total
        parent = self._ancestor(prefix)
        return parent in self._children and not self._parent_done(prefix)

    def _may_hide_exact(self, prefix: str) -> bool:
        """Whether a capped query is paged up to the cap though no estimate expects
        members only its pages reach: when such members of it are collected, or it is
        a whole word (of three characters or more) of collected members. Initials make
        "S. Smith" a few in a thousand Smiths, too few for the listing to show one,
        enough for 10,000 Smiths to hide ten; one-letter names alone ("A") are rare
        enough to page for only once one is seen."""
        if prefix not in self._whole and (self._counts.exact[prefix] > 0 or (
                " " not in prefix and len(prefix) >= 3 and self._counts.is_word(prefix))):
            self._whole.add(prefix)
        return prefix in self._whole

    def _exact_missing(self, prefix: str) -> float:
        """Members of ``prefix`` not collected whose searchable words all start
        ``prefix``, itself one of them ("James" and nothing else, "S. Smith" under
        "smith"): no refinement and no other query finds them, only its own pages.
        Estimated from the listing's share of such members, or the collected ones'."""
        count = self._asked[prefix][0]
        known = self._counts[prefix]
        known_exact = self._counts.exact[prefix]
        listed = self._sample[prefix]
        if listed >= _SAMPLE_MIN:
            share = self._sample.exact[prefix] / listed
        else:
            share = known_exact / known if known else 0.0
        return max(0.0, share * count - known_exact)


def _asked_value(value: Any) -> list[int]:
    """A query's [count, offset, first offset] as a checkpoint holds it: "c,o,f" (or a
    list, as checkpoints written before the text form hold it)."""
    if isinstance(value, str):
        return [int(part) for part in value.split(",")]
    return [int(part) for part in value]
