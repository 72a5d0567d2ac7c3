"""A generated universe of channels that cite each other, with its true citation graph.

Snowball crawls (follow the forwards, @mentions and t.me links of a few seed
channels to the channels they cite, then theirs) need a world whose network
is known, so a crawl can be compared with the truth.
``World.generate_universe(channels=N, seed=...)`` builds one:

- channels in three language communities (Latin, Cyrillic, Arabic script
  texts); a channel cites its own community four times in five;
- popularity is heavy-tailed (Zipf): a few hubs are cited by many, most
  channels rarely or never;
- a citing post carries a forward (``fwd_from`` names the origin channel,
  and the history answer's ``chats`` carries it, as on Telegram), an
  ``@mention`` or a ``t.me/name/post`` link (entities marked by the server),
  or, for a private channel, an invite link ``t.me/+HASH``;
- some cited channels are private (forwards and invite links only), some
  deleted (their usernames resolve to nothing, their forwards name an id no
  one can read) and some renamed (older posts cite the old, now free
  username);
- ``channels.getChannelRecommendations`` suggests popular channels of the
  same community; ``contacts.Search`` finds public channels by title and
  username.

``universe.citations`` is every citation written; ``universe.true_edges(...)``
the graph a crawl of the posts in a window should find, one row per (source,
target, kind) with its weight (citing posts).

    >>> from tgkit.sandbox import World
    >>> universe = World(seed=3).generate_universe(channels=60, seed=3)
    >>> len(universe.channels), universe.true_edges(days_back=30).empty
    (60, False)
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd
from telethon import utils
from telethon.tl import types

from tgkit.sandbox.content import detect_entities
from tgkit.sandbox.model import Chat, Forward
from tgkit.sandbox.names import Script, random_text

if TYPE_CHECKING:
    from tgkit.sandbox.world import World

__all__ = ["Citation", "Universe", "UniverseMix", "generate_universe"]

_LANGS = ((Script.LATIN, "en", 0.5), (Script.CYRILLIC, "ru", 0.3), (Script.ARABIC, "ar", 0.2))
_TOPICS = ("news", "politics", "economy", "tech", "sport", "culture", "science", "world",
           "daily", "insider", "report", "voice", "watch", "digest", "live")
_KINDS = ("forward", "mention", "link")


@dataclass(frozen=True, slots=True)
class UniverseMix:
    """Shares that shape a universe (see the module docstring)."""

    posts: tuple[int, int] = (8, 30)  # posts per channel (min, max)
    days: float = 60.0  # posts spread over this many days before now
    cites: float = 0.45  # share of posts that cite another channel
    own_community: float = 0.8
    kinds: tuple[float, float, float] = (0.45, 0.30, 0.25)  # forward, mention, link
    zipf: float = 1.1  # popularity exponent: larger, fewer and bigger hubs
    private: float = 0.04
    deleted: float = 0.03
    renamed: float = 0.03
    recommendations: int = 6


@dataclass(frozen=True, slots=True)
class Citation:
    """One citation written in a post: ``kind`` forward/mention/link; ``target_id`` the
    cited channel's plain id (None when no reader can learn it: a deleted or renamed
    channel cited by username, an invite link), ``ref`` what the post names."""

    source_id: int
    message_id: int
    date: datetime
    kind: str
    target_id: int | None
    ref: str


@dataclass(slots=True, eq=False)
class Universe:
    """The generated channels and the truth about how they cite each other."""

    world: World
    channels: list[Chat]
    community: dict[int, str]
    private: set[int] = field(default_factory=set)
    deleted: dict[int, str] = field(default_factory=dict)  # plain id -> its old username
    renamed: dict[str, int] = field(default_factory=dict)  # old username -> plain id
    similar: dict[int, list[int]] = field(default_factory=dict)
    citations: list[Citation] = field(default_factory=list)
    invites: dict[int, str] = field(default_factory=dict)  # private plain id -> link
    mix: UniverseMix = field(default_factory=UniverseMix)

    def seeds(self, count: int = 10, *, rng: random.Random | None = None) -> list[str]:
        """``@usernames`` of ``count`` public channels that cite others (crawl seeds)."""
        citing = Counter(c.source_id for c in self.citations)
        public = [c for c in self.channels if c.username and not c.private and citing[c.id]]
        chooser = rng or random.Random(len(self.channels))
        return [f"@{c.username}" for c in chooser.sample(public, k=min(count, len(public)))]

    def true_edges(self, days_back: float | None = None, *,
                   since: datetime | str | None = None,
                   sources: set[int] | None = None) -> pd.DataFrame:
        """The citation edges of the posts dated after ``since`` (or ``days_back`` days
        ago), from ``sources`` (marked ids; all when None): ``source_chat_id``,
        ``target_chat_id`` (marked; NA when unknowable), ``target`` (what the post
        names), ``kind``, ``weight``. ``since`` may be ISO text (a crawl's
        ``attrs["since"]``)."""
        if isinstance(since, str):
            since = datetime.fromisoformat(since)
        if since is None and days_back is not None:
            since = self.world.now() - timedelta(days=days_back)
        weights: Counter[tuple[int, int | None, str, str]] = Counter()
        for c in self.citations:
            source = marked(c.source_id)
            if (since is not None and c.date < since) or (sources and source not in sources):
                continue
            target = marked(c.target_id) if c.target_id is not None else None
            weights[(source, target, c.ref if target is None else "", c.kind)] += 1
        rows = [{"source_chat_id": s, "target_chat_id": t, "target": r or None, "kind": k,
                 "weight": w} for (s, t, r, k), w in sorted(weights.items(), key=str)]
        frame = pd.DataFrame(rows, columns=["source_chat_id", "target_chat_id", "target",
                                            "kind", "weight"])
        return frame.astype({"source_chat_id": "Int64", "target_chat_id": "Int64",
                             "target": "string", "kind": "string", "weight": "Int64"})


def marked(plain_id: int) -> int:
    """A channel's marked id (``-100…``), as tgkit's frames carry it."""
    return int(utils.get_peer_id(types.PeerChannel(plain_id)))


def generate_universe(world: World, channels: int, seed: int,
                      mix: UniverseMix | None = None) -> Universe:
    """Build the universe into ``world`` (see the module docstring)."""
    if channels < 2:
        raise ValueError(f"channels must be at least 2, got {channels}")
    mix = mix or UniverseMix()
    rng = random.Random(f"universe:{seed}")
    with world.lock:
        universe = _channels(world, rng, channels, mix)
        _posts(universe, rng, mix)
        _recommendations(universe, rng, mix)
        _delete(universe)
        world.universe = universe
    return universe


def _channels(world: World, rng: random.Random, count: int, mix: UniverseMix) -> Universe:
    made: list[Chat] = []
    community: dict[int, str] = {}
    private: set[int] = set()
    for index in range(count):
        script, lang = _language(rng)
        topic = rng.choice(_TOPICS)
        title = f"{random_text(rng, script, words=2).title()} {topic.title()}"
        closed = rng.random() < mix.private
        username = None if closed else f"{topic}_{lang}_{index}"
        chat = world.add_channel(title, username=username, private=closed,
                                 about=random_text(rng, script, words=8))
        made.append(chat)
        community[chat.id] = lang
        if closed:
            private.add(chat.id)
    universe = Universe(world, made, community, private, mix=mix)
    for chat in made:
        if chat.id in private:
            universe.invites[chat.id] = world.invite_link(chat)
    for chat in rng.sample(made, k=int(count * mix.deleted)):
        if chat.id not in private:
            universe.deleted[chat.id] = chat.username or ""
    for chat in rng.sample(made, k=int(count * mix.renamed)):
        if chat.id not in private and chat.id not in universe.deleted:
            universe.renamed[f"old_{chat.username}"] = chat.id
    return universe


def _language(rng: random.Random) -> tuple[Script, str]:
    roll = rng.random()
    for script, lang, share in _LANGS:
        roll -= share
        if roll < 0:
            return script, lang
    return _LANGS[-1][0], _LANGS[-1][1]


def _popularity(universe: Universe, rng: random.Random, mix: UniverseMix) -> dict[str, list[Any]]:
    """Per community: the channels in a random popularity order and their Zipf weights."""
    order = list(universe.channels)
    rng.shuffle(order)
    weights = {chat.id: 1.0 / (rank + 1) ** mix.zipf for rank, chat in enumerate(order)}
    table: dict[str, list[Any]] = {}
    for lang in {lang for _, lang, _ in _LANGS} | {"*"}:
        members = [c for c in order if lang == "*" or universe.community[c.id] == lang]
        table[lang] = [members, [weights[c.id] for c in members]]
    return table


def _posts(universe: Universe, rng: random.Random, mix: UniverseMix) -> None:
    world = universe.world
    table = _popularity(universe, rng, mix)
    now = world.now()
    planned = {c.id: rng.randint(*mix.posts) for c in universe.channels}
    for chat in universe.channels:
        lang = universe.community[chat.id]
        script = next(s for s, code, _ in _LANGS if code == lang)
        start = now - timedelta(days=mix.days)
        span = int(mix.days * 86400)
        for offset in sorted(rng.randrange(span) for _ in range(planned[chat.id])):
            date = start + timedelta(seconds=offset)
            text = random_text(rng, script)
            cited = None
            if rng.random() < mix.cites:
                pool = table[lang] if rng.random() < mix.own_community else table["*"]
                cited = rng.choices(pool[0], weights=pool[1])[0]
                if cited is chat:
                    cited = None
            if cited is None:
                world.timeline.append(chat, None, date, text, views=rng.randint(10, 5000))
                continue
            _cite(universe, rng, chat, cited, date, text, planned)


def _cite(universe: Universe, rng: random.Random, chat: Chat, cited: Chat, date: datetime,
          text: str, planned: dict[int, int]) -> None:
    kind = rng.choices(_KINDS, weights=universe.mix.kinds)[0]
    target_id: int | None = cited.id
    extra: dict[str, Any] = {}
    if cited.id in universe.private and kind != "forward":
        kind, ref, target_id = "link", universe.invites[cited.id], None
        text = f"{text} {ref}"
    elif kind == "forward":
        ref = f"id:{cited.id}"
        extra["fwd"] = Forward("channel", date - timedelta(minutes=rng.randint(1, 600)),
                               from_id=cited.id, post=rng.randint(1, planned[cited.id]))
    else:
        name = cited.username or ""
        old = next((o for o, i in universe.renamed.items() if i == cited.id), None)
        if old is not None and rng.random() < 0.5:
            name = old
        if cited.id in universe.deleted or name == old:
            target_id = None
        ref = f"@{name}" if kind == "mention" else f"https://t.me/{name}/{rng.randint(1, 99)}"
        text = f"{text} {ref}"
        if target_id is None:
            ref = f"@{name}"
    message = universe.world.timeline.append(chat, None, date, text,
                                             views=rng.randint(10, 5000), **extra)
    message.entities = detect_entities(text)
    universe.citations.append(Citation(chat.id, message.id, date, kind, target_id, ref))


def _recommendations(universe: Universe, rng: random.Random, mix: UniverseMix) -> None:
    table = _popularity(universe, random.Random(rng.random()), mix)
    for chat in universe.channels:
        members, weights = table[universe.community[chat.id]]
        picks = {c.id for c in rng.choices(members, weights=weights, k=mix.recommendations * 2)
                 if c is not chat and not c.private and c.id not in universe.deleted}
        universe.similar[chat.id] = sorted(picks)[: mix.recommendations]


def _delete(universe: Universe) -> None:
    """Remove the deleted channels, once every post citing them exists."""
    for chat_id in universe.deleted:
        universe.world.directory.remove_chat(chat_id)
