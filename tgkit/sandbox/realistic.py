"""People whose names look like a real group's, for honest benchmarks of the search sweep.

``PeopleMix`` (the default generator) draws from a few dozen names per script,
evenly: every name is common, so a search sweep looks better or worse than it
would on a real group. ``RealisticMix`` draws the way real member lists look:

- first names and surnames by a Zipf law over long lists (a few names are
  common, the most common a few per cent of the group, most are rare), plus a
  long tail of rare names built from syllables;
- Russian surnames in their feminine form for women; Arabic family names with
  and without the article; some Russian speakers writing in Latin letters;
- usernames for about half of the accounts, made from the name, a nickname
  or a random handle, with digits;
- emoji beside or instead of a name, single-letter first names (with a surname
  or username), accounts whose name is only a symbol and that have a username;
- deleted accounts (about 6 %), which search never finds.

``RealisticMix.english()``, ``.russian()`` and ``.mixed()`` are the benchmark
groups' mixes. Everything is drawn from the caller's ``random.Random``, so a
world built from one seed is the same every time.

    >>> import random
    >>> fields = RealisticMix.mixed().person_fields(random.Random(1), None)
    >>> sorted(fields)[:3]
    ['bot', 'first_name', 'last_name']
"""

from __future__ import annotations

import itertools
import random
from datetime import datetime
from typing import Any

from tgkit.sandbox.generate import PeopleMix, random_status
from tgkit.sandbox.model import Status
from tgkit.sandbox.names import transliterate

__all__ = ["RealisticMix"]

_EN_FIRST = (
    "James Mary John Patricia Robert Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Chris Karen Daniel Lisa Matthew Nancy Anthony "
    "Betty Mark Sandra Paul Ashley Steven Emily Andrew Kimberly Josh Donna Kevin Michelle Brian "
    "Carol George Amanda Tim Melissa Ryan Deborah Jacob Stephanie Gary Rebecca Nick Laura Eric "
    "Sharon Jonathan Cynthia Stephen Kathleen Larry Amy Justin Angela Scott Anna Brandon Emma "
    "Ben Olivia Sam Sophia Alex Grace Jack Chloe Tyler Zoe Aaron Hannah Adam Megan Nathan Lily "
    "Zach Ella Kyle Ruby Noah Isla Liam Ava Leo Mia Oscar Evie Harry Alice Max Freya Ethan Jade"
).split()
_EN_LAST = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Evans Turner "
    "Phillips Parker Collins Edwards Stewart Morris Murphy Cook Rogers Morgan Cooper Peterson "
    "Reed Bailey Bell Kelly Howard Ward Cox Richardson Wood Watson Brooks Bennett Gray Hughes "
    "Price Sanders Patel Myers Long Ross Foster Powell Jenkins Perry Russell Sullivan Fisher"
).split()
_RU_FIRST_M = (
    "Александр Сергей Дмитрий Андрей Алексей Максим Евгений Иван Михаил Артём Никита Владимир "
    "Денис Павел Роман Николай Игорь Олег Кирилл Илья Антон Виктор Юрий Егор Вадим Константин "
    "Тимур Руслан Григорий Борис Фёдор Леонид Ярослав Станислав Глеб Матвей Даниил Степан"
).split()
_RU_FIRST_F = (
    "Анна Елена Ольга Наталья Екатерина Татьяна Мария Ирина Светлана Юлия Анастасия Дарья "
    "Марина Ксения Алина Виктория Полина Людмила Галина Надежда Вера Любовь Софья Алиса Ева "
    "Валерия Кристина Яна Диана Вероника Маргарита Лариса Жанна Зоя Ульяна Василиса"
).split()
_RU_LAST = (
    "Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов "
    "Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев "
    "Макаров Никитин Захаров Зайцев Соловьёв Борисов Яковлев Григорьев Романов Воробьёв "
    "Сергеев Кузьмин Фролов Александров Дмитриев Королёв Гусев Киселёв Ильин Максимов Поляков "
    "Сорокин Виноградов Ковалёв Белов Медведев Антонов Тарасов Жуков Баранов Филиппов Комаров "
    "Давыдов Беляев Герасимов Богданов Осипов Сидоров Матвеев Титов Марков Миронов Крылов"
).split()
_AR_FIRST = (
    "محمد أحمد علي عمر يوسف خالد حسن إبراهيم عبدالله مصطفى محمود سعيد طارق كريم سامي ماجد وليد "
    "نبيل بلال فيصل حمزة زياد رامي عادل هشام ياسر فاطمة عائشة مريم نور سارة ليلى زينب هدى رنا "
    "دينا سلمى ياسمين جميلة هالة رشا منى أمل سمر لينا ريم"
).split()
_AR_LAST = (
    "الحسن العلي الخطيب النجار الحداد السيد المصري الشامي العمري القاسم الزين البكري الرفاعي "
    "التميمي الهاشمي الكردي الأنصاري حداد خوري صالح منصور عثمان يوسف حمدان سليمان ناصر جابر "
    "عباس قاسم سعد حسين مراد"
).split()
_EMOJI = "🔥 🌸 ✨ 💙 🌙 ⭐ 🎧 🇺🇦 🇷🇺 🇪🇬 😎 🦋 ☀️ 🍀 💫 👑".split()
_SYLLABLES = "ka ri mo lu sa ne ti va zo el an or is um ya de bo gi fe ru xo qui".split()
_CYR_SYLLABLES = "ка ри мо лу са не ти ва зо ел ан ор ис ум я де бо ги фе ру".split()
_HANDLES = "dark sun cat wolf pixel neo mr miss the real just only true happy crypto".split()


def _zipf(names: list[str], exponent: float = 1.0) -> tuple[list[str], list[float]]:
    weights = [1.0 / (rank + 1) ** exponent for rank in range(len(names))]
    return names, list(itertools.accumulate(weights))


# Exponents so the most common name is a few per cent of a group, as in real ones
# (e.g. about 3 % of US men are James), not a tenth of it.
_POOLS = {
    "en_first": _zipf(_EN_FIRST, 0.6),
    "en_last": _zipf(_EN_LAST, 0.5),
    "ru_first_m": _zipf(_RU_FIRST_M, 0.6),
    "ru_first_f": _zipf(_RU_FIRST_F, 0.6),
    "ru_last": _zipf(_RU_LAST, 0.5),
    "ar_first": _zipf(_AR_FIRST, 0.7),
    "ar_last": _zipf(_AR_LAST, 0.5),
}


def _draw(rng: random.Random, pool: str) -> str:
    names, cumulative = _POOLS[pool]
    return rng.choices(names, cum_weights=cumulative)[0]


class RealisticMix(PeopleMix):
    """A group's people by language shares (``english``, ``russian``, ``arabic``)."""

    __slots__ = ("languages",)

    def __init__(self, languages: dict[str, float], *, deleted: float = 0.06) -> None:
        super().__init__(deleted=deleted, bots=0.005, premium=0.06, no_username=0.45)
        total = sum(languages.values())
        self.languages = {name: share / total for name, share in languages.items()}

    @classmethod
    def english(cls) -> RealisticMix:
        return cls({"english": 0.92, "russian": 0.04, "arabic": 0.04})

    @classmethod
    def russian(cls) -> RealisticMix:
        return cls({"russian": 0.9, "english": 0.08, "arabic": 0.02})

    @classmethod
    def mixed(cls) -> RealisticMix:
        return cls({"english": 0.4, "russian": 0.35, "arabic": 0.25})

    def person_fields(self, rng: random.Random, now: datetime | None) -> dict[str, Any]:
        """Keyword arguments for ``World.add_user`` describing one person."""
        if rng.random() < self.deleted:
            return {"first_name": "", "deleted": True, "status": Status.LONG_AGO, "bot": False}
        language = rng.choices(list(self.languages), list(self.languages.values()))[0]
        first, last, stem = _NAMERS[language](rng)
        first, last, username = _decorate(rng, first, last, stem, self.no_username)
        bot = rng.random() < self.bots
        if bot:
            username = f"{stem or 'helper'}_{rng.randint(1, 999)}_bot"
        status, last_seen = random_status(rng, now) if now is not None else (Status.RECENTLY, None)
        return {
            "first_name": first, "last_name": last, "username": username, "bot": bot,
            "premium": (not bot) and rng.random() < self.premium,
            "status": status, "last_seen": last_seen,
        }


def _rare(rng: random.Random, syllables: list[str]) -> str:
    return "".join(rng.choice(syllables) for _ in range(rng.randint(2, 3))).capitalize()


def _english(rng: random.Random) -> tuple[str, str | None, str]:
    first = _draw(rng, "en_first") if rng.random() > 0.2 else _rare(rng, _SYLLABLES)
    last = (_draw(rng, "en_last") if rng.random() > 0.25 else _rare(rng, _SYLLABLES)) \
        if rng.random() < 0.7 else None
    return first, last, first.lower() + (("_" + last.lower()) if last and rng.random() < 0.4
                                         else "")


def _russian(rng: random.Random) -> tuple[str, str | None, str]:
    female = rng.random() < 0.5
    first = _draw(rng, "ru_first_f" if female else "ru_first_m")
    if rng.random() < 0.1:
        first = _rare(rng, _CYR_SYLLABLES)
    last = None
    if rng.random() < 0.65:
        last = _draw(rng, "ru_last") if rng.random() > 0.2 else _rare(rng, _CYR_SYLLABLES) + "ов"
        if female:
            last += "а"
    stem = transliterate(first)
    if rng.random() < 0.12:  # written in Latin letters
        first = stem.capitalize()
        last = transliterate(last).capitalize() if last else None
    return first, last, stem


def _arabic(rng: random.Random) -> tuple[str, str | None, str]:
    first = _draw(rng, "ar_first")
    last = _draw(rng, "ar_last") if rng.random() < 0.6 else None
    if rng.random() < 0.15:  # written in Latin letters
        first = rng.choice(("Mohamed", "Ahmed", "Omar", "Youssef", "Fatima", "Sara", "Nour",
                            "Ali", "Hassan", "Mariam", "Khaled", "Layla"))
        last = None
    return first, last, ""


_NAMERS = {"english": _english, "russian": _russian, "arabic": _arabic}


def _decorate(
    rng: random.Random, first: str, last: str | None, stem: str, no_username: float
) -> tuple[str, str | None, str | None]:
    """Emoji, single letters, symbol-only names, and a username (or none)."""
    username = None
    if rng.random() >= no_username:
        roll = rng.random()
        base = stem or _rare(rng, _SYLLABLES).lower()
        if roll < 0.5:
            username = f"{base}{rng.randint(1, 9999)}"
        elif roll < 0.75:
            username = f"{rng.choice(_HANDLES)}_{base}"
        else:
            username = _rare(rng, _SYLLABLES).lower() + str(rng.randint(10, 999))
        username = username.replace("-", "_")[:32]
        if not username[0].isalpha():
            username = "u" + username
    roll = rng.random()
    if roll < 0.05:
        first = f"{first} {rng.choice(_EMOJI)}"
    elif roll < 0.07:
        first = f"{rng.choice(_EMOJI)} {first}"
    elif roll < 0.09 and (last or username):
        first = first[0] + "."
    elif roll < 0.11 and username:
        first, last = rng.choice([*_EMOJI, "."]), None  # only the username says who
    return first, last, username
