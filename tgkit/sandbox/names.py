"""People's names and message texts in Latin, Cyrillic and Arabic scripts.

Everything is drawn from a caller's ``random.Random`` so a world built from
the same seed gets the same people and texts.

    >>> import random
    >>> person = random_person(random.Random(0), Script.CYRILLIC)
    >>> person.first_name != ""
    True
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass

__all__ = ["Person", "Script", "random_person", "random_text", "transliterate"]


class Script(enum.Enum):
    """The writing system of a generated name."""

    LATIN = "latin"
    CYRILLIC = "cyrillic"
    ARABIC = "arabic"


_FIRST = {
    Script.LATIN: (
        "Anna", "Ben", "Carla", "David", "Elena", "Felix", "Greta", "Hugo", "Ines", "Jonas",
        "Karin", "Lukas", "Maria", "Noah", "Olga", "Paul", "Quentin", "Rosa", "Sven", "Tina",
        "Ugo", "Vera", "Walter", "Xenia", "Yusuf", "Zoe", "Amelie", "Bruno", "Chloe", "Dario",
        "Emma", "Finn", "Gabriel", "Hannah", "Ivan", "Julia", "Kevin", "Laura", "Marco", "Nina",
        "Oscar", "Pia", "Rafael", "Sofia", "Tom", "Ulla", "Victor", "Wanda", "Yara", "Zeno",
    ),
    Script.CYRILLIC: (
        "Александр", "Анна", "Борис", "Вера", "Галина", "Дмитрий", "Екатерина", "Жанна",
        "Иван", "Ксения", "Леонид", "Мария", "Никита", "Ольга", "Павел", "Роман", "Светлана",
        "Тимур", "Ульяна", "Фёдор", "Юлия", "Яков", "Артём", "Дарья", "Егор", "Зоя", "Кирилл",
        "Людмила", "Максим", "Наталья", "Олег", "Полина", "Сергей", "Татьяна", "Виктор", "Алиса",
    ),
    Script.ARABIC: (
        "محمد", "أحمد", "فاطمة", "علي", "عائشة", "يوسف", "مريم", "خالد", "ليلى", "عمر",
        "سارة", "حسن", "نور", "إبراهيم", "زينب", "سلمى", "طارق", "هدى", "كريم", "رنا",
        "سامي", "دينا", "ماجد", "ياسمين", "بلال", "جميلة", "وليد", "هالة", "نبيل", "رشا",
    ),
}

_LAST = {
    Script.LATIN: (
        "Schmidt", "Rossi", "Martin", "Garcia", "Novak", "Jansen", "Dubois", "Silva", "Berg",
        "Keller", "Moreau", "Costa", "Weber", "Lopez", "Fischer", "Romano", "Meyer", "Bauer",
        "Horvat", "Nielsen", "Laurent", "Ferrari", "Wagner", "Kowalski", "Santos", "Petit",
    ),
    Script.CYRILLIC: (
        "Иванов", "Смирнова", "Кузнецов", "Попова", "Соколов", "Лебедева", "Козлов", "Новикова",
        "Морозов", "Петрова", "Волков", "Соловьёва", "Васильев", "Зайцева", "Павлов", "Семёнова",
        "Голубев", "Виноградова", "Богданов", "Воробьёва", "Фёдоров", "Михайлова",
    ),
    Script.ARABIC: (
        "الحسن", "العلي", "الخطيب", "النجار", "الحداد", "السيد", "المصري", "الشامي", "العمري",
        "القاسم", "الزين", "البكري", "الرفاعي", "التميمي", "الهاشمي", "الكردي", "الأنصاري",
    ),
}

_WORDS = {
    Script.LATIN: (
        "hello", "today", "meeting", "news", "thanks", "please", "question", "agree", "link",
        "report", "update", "price", "city", "event", "photo", "tomorrow", "morning", "group",
        "read", "article", "vote", "important", "share", "idea", "problem", "solution", "data",
    ),
    Script.CYRILLIC: (
        "привет", "сегодня", "встреча", "новости", "спасибо", "пожалуйста", "вопрос", "согласен",
        "ссылка", "отчёт", "город", "событие", "завтра", "утром", "группа", "статья", "важно",
        "идея", "проблема", "решение", "данные", "цена", "фото",
    ),
    Script.ARABIC: (
        "مرحبا", "اليوم", "اجتماع", "أخبار", "شكرا", "من فضلك", "سؤال", "موافق", "رابط", "تقرير",
        "مدينة", "حدث", "غدا", "صباحا", "مجموعة", "مقال", "مهم", "فكرة", "مشكلة", "حل", "بيانات",
    ),
}

_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        (
            "a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p",
            "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "sch", "", "y", "", "e", "yu", "ya",
        ),
        strict=True,
    )
)


@dataclass(frozen=True, slots=True)
class Person:
    """A generated name: ``last_name`` and ``username`` may be None."""

    first_name: str
    last_name: str | None
    username_stem: str


def transliterate(text: str) -> str:
    """Latin letters for a Cyrillic name (Arabic names give an empty string).

    >>> transliterate("Фёдор")
    'fedor'
    """
    out = []
    for char in text.lower():
        if char.isascii():
            out.append(char if char.isalnum() else "")
        else:
            out.append(_TRANSLIT.get(char, ""))
    return "".join(out)


def random_person(rng: random.Random, script: Script) -> Person:
    """A first name, maybe a last name, and a stem a username can be built from."""
    first = rng.choice(_FIRST[script])
    last = rng.choice(_LAST[script]) if rng.random() < 0.75 else None
    stem = transliterate(first) or rng.choice(("user", "anon", "member", "reader"))
    if last and rng.random() < 0.5:
        stem += "_" + (transliterate(last) or "x")
    return Person(first, last, stem)


def random_text(rng: random.Random, script: Script, words: int | None = None) -> str:
    """A short message made of everyday words of one script."""
    count = words if words is not None else rng.randint(2, 12)
    return " ".join(rng.choice(_WORDS[script]) for _ in range(count)).capitalize()
