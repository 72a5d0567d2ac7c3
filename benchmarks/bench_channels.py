"""Rich message rows and chat info: what they cost, measured against baselines in the same run.

Run:  /work/venv/bin/python benchmarks/bench_channels.py [--messages 100000] [--rounds 5]
      [--chats 200]

Part 1, converting ``--messages`` rich messages (Telethon ``Message`` objects
with forwards, replies in threads, entities, reactions per emoji, signatures,
in the shares of a busy news channel) to a typed frame, alternating, medians
of ``--rounds``:

- thin: the conversion tgkit did before the rich columns (16 columns: no
  forward origin beyond the id, reactions as one number, no entities), on the
  same messages, into the same frame builder;
- bare: what a researcher writes with bare Telethon: one loop over the
  messages building the same rich columns by hand (entities cut at their
  UTF-16 offsets), then a DataFrame with the same dtypes;
- rich: ``message_columns`` + ``frame_from_columns("messages", ...)``.

Targets: rich / thin < 1.3, rich / bare < 1.15. Wall-clock and CPU
(``time.process_time``) medians are both printed: on a machine shared with
other work the CPU ratios are the steadier ones.

Part 2, ``chat_info`` for ``--chats`` channels on the sandbox: requests by
type, first with a cold entity cache (one ``contacts.ResolveUsername`` per
chat at most), then with the cache warm (none), always one
``channels.GetFullChannel`` per chat.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from telethon.tl import types

from tgkit.core import SessionConfig
from tgkit.frames import MESSAGE_COLUMNS, frame_dtypes, frame_from_columns
from tgkit.sandbox import World
from tgkit.session import TelegramSession
from tgkit.telegram.convert import _MEDIA_BY_TYPE, _attr, marked_peer_id, media_type, username_of
from tgkit.telegram.convert_messages import message_columns, reaction_emoji

NOW = datetime(2026, 5, 1, tzinfo=UTC)
CHAT = -1001234567890
THIN = ("message_id", "chat_id", "date", "sender_id", "sender_username", "text",
        "reply_to_msg_id", "fwd_from_id", "views", "forwards", "replies", "reactions",
        "media_type", "edit_date", "grouped_id", "collected_at")


def rich_messages(count: int, seed: int = 1) -> list[types.Message]:
    """Messages like a busy news channel's: 15 % forwards, 30 % links, 60 % reactions."""
    rng = random.Random(seed)
    made = []
    for number in range(1, count + 1):
        text = "🔥 Update on the story" if rng.random() < 0.2 else "Update on the story"
        entities = []
        if rng.random() < 0.3:
            start = len(text.encode("utf-16-le")) // 2 + 1
            url = f"https://example.org/{number}"
            text += " " + url
            entities.append(types.MessageEntityUrl(start, len(url)))
        if rng.random() < 0.25:
            start = len(text.encode("utf-16-le")) // 2 + 1
            text += " #news"
            entities.append(types.MessageEntityHashtag(start, 5))
        fwd = None
        if rng.random() < 0.15:
            fwd = types.MessageFwdHeader(date=NOW - timedelta(hours=2),
                                         from_id=types.PeerChannel(555), channel_post=number)
        reactions = None
        if rng.random() < 0.6:
            reactions = types.MessageReactions(results=[
                types.ReactionCount(reaction=types.ReactionEmoji("👍"), count=rng.randint(1, 90)),
                types.ReactionCount(reaction=types.ReactionEmoji("🔥"), count=rng.randint(1, 9)),
            ])
        reply = None
        if rng.random() < 0.1:
            reply = types.MessageReplyHeader(reply_to_msg_id=max(1, number - 3),
                                             reply_to_top_id=max(1, number - 9))
        made.append(types.Message(
            id=number, peer_id=types.PeerChannel(1234567890), date=NOW - timedelta(seconds=number),
            message=text, post=True, views=rng.randint(100, 9000), forwards=rng.randint(0, 50),
            entities=entities or None, fwd_from=fwd, reactions=reactions, reply_to=reply,
            replies=types.MessageReplies(replies=rng.randint(0, 30), replies_pts=1),
            post_author="Desk" if rng.random() < 0.5 else None,
        ))
    return made


# -- the three conversions ------------------------------------------------------------


def _sender_id(message: Any) -> int | None:
    # tgkit's sender rule before the rich columns, verbatim (the thin baseline's own).
    from_id = getattr(message, "from_id", None)
    if from_id is not None:
        return marked_peer_id(from_id)
    peer = getattr(message, "peer_id", None)
    incoming_private = not getattr(message, "out", False) and isinstance(peer, types.PeerUser)
    if getattr(message, "post", False) or incoming_private:
        return marked_peer_id(peer)
    return None


def thin(messages: list[Any]) -> pd.DataFrame:
    """tgkit's conversion before the rich columns: its message_columns, as it was."""
    kept = [message for message in messages if isinstance(message, types.Message)]
    from_ids = _attr(kept, "from_id")
    senders = [
        peer.user_id if type(peer) is types.PeerUser else _sender_id(message)
        for peer, message in zip(from_ids, kept, strict=True)
    ]
    rows = len(kept)
    columns = {
        "message_id": _attr(kept, "id"),
        "chat_id": [CHAT] * rows,
        "date": _attr(kept, "date"),
        "sender_id": senders,
        "sender_username": [None for _ in senders],
        "text": [text or None for text in _attr(kept, "message")],
        "reply_to_msg_id": [header.reply_to_msg_id
                            if isinstance(header, types.MessageReplyHeader) else None
                            for header in _attr(kept, "reply_to")],
        "fwd_from_id": [
            None if header is None else marked_peer_id(getattr(header, "from_id", None))
            for header in _attr(kept, "fwd_from")
        ],
        "views": _attr(kept, "views"),
        "forwards": _attr(kept, "forwards"),
        "replies": [None if r is None else getattr(r, "replies", None)
                    for r in _attr(kept, "replies")],
        "reactions": [None if r is None else sum(getattr(c, "count", 0)
                                                 for c in getattr(r, "results", ()))
                      for r in _attr(kept, "reactions")],
        "media_type": [None if media is None else _MEDIA_BY_TYPE.get(type(media))
                       or media_type(media) for media in _attr(kept, "media")],
        "edit_date": _attr(kept, "edit_date"),
        "grouped_id": _attr(kept, "grouped_id"),
        "collected_at": [NOW] * rows,
    }
    return frame_from_columns("messages", columns)


def rich(messages: list[Any]) -> pd.DataFrame:
    columns = message_columns(messages, chat_id=CHAT, users_by_id=None, collected_at=NOW)
    return frame_from_columns("messages", columns)


def bare(messages: list[Any]) -> pd.DataFrame:
    """A researcher's hand-made loop over Telethon messages, the same columns and dtypes."""
    rows = []
    for m in messages:
        if not isinstance(m, types.Message):
            continue
        text = m.message or ""
        utf16 = text.encode("utf-16-le")
        urls, tags, mentions = [], [], []
        for e in m.entities or ():
            piece = utf16[2 * e.offset:2 * (e.offset + e.length)].decode("utf-16-le")
            if isinstance(e, types.MessageEntityUrl):
                urls.append(piece)
            elif isinstance(e, types.MessageEntityTextUrl):
                urls.append(e.url)
            elif isinstance(e, types.MessageEntityHashtag):
                tags.append(piece)
            elif isinstance(e, types.MessageEntityMention):
                mentions.append(piece.lstrip("@"))
            elif isinstance(e, types.MessageEntityMentionName):
                mentions.append(str(e.user_id))
        fwd, reply, reactions = m.fwd_from, m.reply_to, m.reactions
        origin = getattr(fwd, "from_id", None)
        by_emoji = [{"emoji": reaction_emoji(r.reaction), "count": r.count}
                    for r in (reactions.results if reactions else ())]
        rows.append({
            "message_id": m.id, "chat_id": CHAT, "date": m.date,
            "sender_id": m.from_id.user_id if isinstance(m.from_id, types.PeerUser) else CHAT,
            "sender_username": username_of(None) if False else None,
            "text": text or None, "action": None,
            "reply_to_msg_id": getattr(reply, "reply_to_msg_id", None),
            "reply_to_top_id": getattr(reply, "reply_to_top_id", None),
            "fwd_from_type": None if fwd is None else (
                "channel" if isinstance(origin, types.PeerChannel)
                else "user" if isinstance(origin, types.PeerUser)
                else "chat" if isinstance(origin, types.PeerChat) else "hidden"),
            "fwd_from_id": marked_peer_id(origin),
            "fwd_from_name": getattr(fwd, "from_name", None),
            "fwd_from_message_id": getattr(fwd, "channel_post", None),
            "fwd_date": getattr(fwd, "date", None),
            "fwd_post_author": getattr(fwd, "post_author", None),
            "post_author": m.post_author, "via_bot_id": m.via_bot_id,
            "is_pinned": bool(m.pinned), "views": m.views, "forwards": m.forwards,
            "replies": m.replies.replies if m.replies else None,
            "reactions": sum(r["count"] for r in by_emoji) if reactions else None,
            "reactions_by_emoji": by_emoji, "urls": urls, "hashtags": tags,
            "mentions": mentions,
            "media_type": None if m.media is None else media_type(m.media),
            "edit_date": m.edit_date, "grouped_id": m.grouped_id,
            "post_chat_id": None, "post_id": None, "collected_at": NOW,
        })
    df = pd.DataFrame.from_records(rows, columns=list(MESSAGE_COLUMNS))
    return df.astype(frame_dtypes("messages"))


def timed(fn: Any, messages: list[Any]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one call (CPU time is steadier on a shared machine)."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    fn(messages)
    return time.perf_counter() - wall, time.process_time() - cpu


def conversion(count: int, rounds: int) -> None:
    messages = rich_messages(count)
    assert rich(messages[:2000]).equals(bare(messages[:2000])), "rich and bare must agree"
    walls: dict[str, list[float]] = {"thin": [], "bare": [], "rich": []}
    cpus: dict[str, list[float]] = {"thin": [], "bare": [], "rich": []}
    for _ in range(rounds):
        for name, fn in (("thin", thin), ("bare", bare), ("rich", rich)):
            wall, cpu = timed(fn, messages)
            walls[name].append(wall)
            cpus[name].append(cpu)
    wall_median = {name: statistics.median(values) for name, values in walls.items()}
    cpu_median = {name: statistics.median(values) for name, values in cpus.items()}
    print(f"converting {count:,} rich messages, median of {rounds} rounds (wall / CPU):")
    for name in ("thin", "bare", "rich"):
        print(f"  {name:5s} {wall_median[name]:7.3f} s / {cpu_median[name]:7.3f} s")
    for base, target in (("thin", 1.30), ("bare", 1.15)):
        print(f"  rich / {base} = {wall_median['rich'] / wall_median[base]:.2f} wall, "
              f"{cpu_median['rich'] / cpu_median[base]:.2f} CPU   (target < {target:.2f})")


# -- chat info requests ----------------------------------------------------------------


async def chat_info_requests(chats: int) -> None:
    world = World(seed=3)
    me = world.add_user("Ada", username="ada_bench")
    targets = []
    for number in range(chats):
        channel = world.add_channel(f"Channel {number}", username=f"bench_channel_{number}",
                                    subscribers=5)
        targets.append(f"@{channel.username}")
    config = SessionConfig(pacing=False)
    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder) / "bench.db"
        async with TelegramSession.sandbox(world, me, config=config, store=store) as session:
            for label, resume in (("cold entity cache", True), ("warm entity cache", False)):
                world.reset_stats()
                started = time.perf_counter()
                df = await session.chat_info(targets, resume=resume)
                took = time.perf_counter() - started
                stats = world.stats()
                print(f"chat_info for {chats} channels, {label}: {len(df)} rows in {took:.2f} s; "
                      f"channels.GetFullChannel={stats.count('channels.GetFullChannel')}, "
                      f"contacts.ResolveUsername={stats.count('contacts.ResolveUsername')}, "
                      f"all requests={stats.count()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--chats", type=int, default=200)
    args = parser.parse_args()
    conversion(args.messages, args.rounds)
    asyncio.run(chat_info_requests(args.chats))


if __name__ == "__main__":
    main()
