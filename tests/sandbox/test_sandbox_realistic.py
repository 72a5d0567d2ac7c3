"""RealisticMix: benchmark groups whose names look like real ones, the same from one seed."""

from __future__ import annotations

from collections import Counter

from tgkit.sandbox import World
from tgkit.sandbox.participants import words_of
from tgkit.sandbox.realistic import RealisticMix


def people(mix: RealisticMix, count: int = 4000, seed: int = 3) -> list:
    return World(seed=seed).add_people(count, mix)


def test_the_same_seed_gives_the_same_people() -> None:
    first = [(p.first_name, p.last_name, p.username) for p in people(RealisticMix.mixed(), 300)]
    again = [(p.first_name, p.last_name, p.username) for p in people(RealisticMix.mixed(), 300)]
    assert first == again


def test_a_mixed_group_looks_like_a_real_one() -> None:
    group = people(RealisticMix.mixed())
    alive = [p for p in group if not p.deleted]
    assert 0.04 < 1 - len(alive) / len(group) < 0.08  # deleted accounts
    assert 0.45 < sum(p.username is not None for p in alive) / len(alive) < 0.65
    firsts = [p.first_name for p in alive]
    assert any("\u0400" <= name[0] <= "\u04ff" for name in firsts)  # Cyrillic
    assert any("\u0600" <= name[0] <= "\u06ff" for name in firsts)  # Arabic
    assert any(name[0].isascii() and name[0].isalpha() for name in firsts)  # Latin
    assert any(len(name) == 2 and name.endswith(".") for name in firsts)  # single letters
    symbol_only = [p for p in alive if not any(w[0].isalnum() for w in
                                               words_of(p.first_name, p.last_name, None))]
    assert symbol_only and all(p.username for p in symbol_only)  # only the username says who
    assert any(not ch.isascii() and not ch.isalpha() for name in firsts for ch in name)  # emoji
    counts = Counter(firsts).most_common()
    assert counts[0][1] > 10 * counts[len(counts) // 2][1]  # a few names common, most rare


def test_language_mixes_lean_their_way() -> None:
    def cyrillic_share(mix: RealisticMix) -> float:
        alive = [p for p in people(mix, 1500) if not p.deleted]
        return sum("\u0400" <= p.first_name[0] <= "\u04ff" for p in alive) / len(alive)

    assert cyrillic_share(RealisticMix.russian()) > 0.6 > 0.1 > cyrillic_share(
        RealisticMix.english()
    )
