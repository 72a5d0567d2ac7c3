"""A deterministic page source shaped like a member scrape, shared by the tests
and the subprocess writer. Consecutive pages overlap (as a search sweep finds
members the listing already found) and the overlapping records differ in
``source``, so "first record wins" is observable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

CHAT_ID = -1001234567890
_START = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)


def member_page(number: int, size: int = 200, overlap: int = 20) -> list[dict[str, Any]]:
    """Page ``number``: ``size`` members, the first ``overlap`` repeated from the page before."""
    first = number * (size - overlap)
    return [_member(first + i, number) for i in range(size)]


def _member(user_id: int, page: int) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "username": f"user_{user_id}" if user_id % 3 else None,
        "first_name": f"Ädä {user_id}",
        "is_bot": user_id % 17 == 0,
        "joined_at": _START + timedelta(seconds=user_id, microseconds=user_id % 999_983),
        "source": "participants" if page % 2 == 0 else "search",
        "chat_id": CHAT_ID,
        "collected_at": _START + timedelta(minutes=page),
    }


def message_page(number: int, size: int = 100) -> list[dict[str, Any]]:
    """Page ``number`` of a history scrape: ``size`` messages, newest first."""
    top = 1_000_000 - number * size
    return [
        {
            "message_id": top - i,
            "chat_id": CHAT_ID,
            "date": _START - timedelta(seconds=number * size + i),
            "sender_id": 1000 + (top - i) % 50,
            "text": f"message {top - i}",
            "views": (top - i) % 1000,
            "collected_at": _START,
        }
        for i in range(size)
    ]


def expected_members(pages: int, size: int = 200, overlap: int = 20) -> list[dict[str, Any]]:
    """What an undisturbed run of ``pages`` pages ends with: first sighting of each user."""
    seen: dict[int, dict[str, Any]] = {}
    for number in range(pages):
        for record in member_page(number, size, overlap):
            seen.setdefault(record["user_id"], record)
    return list(seen.values())
