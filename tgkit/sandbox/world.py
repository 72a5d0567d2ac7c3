"""The World: a deterministic, in-process Telegram of users, chats and messages.

    >>> world = World(seed=1)
    >>> me = world.add_user("Ada", username="ada_lovelace")
    >>> group = world.add_supergroup("Readers", username="readers", members=50)
    >>> len(world.generate_messages(group, 20))
    20
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta

from telethon import TelegramClient
from telethon.crypto import AuthKey
from telethon.sessions import StringSession

from tgkit.sandbox.access import AccessHashes
from tgkit.sandbox.activity import Activity
from tgkit.sandbox.delivery import Delivery
from tgkit.sandbox.faults import FloodLimit, FloodLimits, OneOffErrors
from tgkit.sandbox.generate import PeopleMix, message_text, random_dates
from tgkit.sandbox.login import Logins
from tgkit.sandbox.model import Chat, ChatKind, Invite, Message, Status, User
from tgkit.sandbox.participants import Roster
from tgkit.sandbox.rpc.users import USERNAME
from tgkit.sandbox.sender import SandboxSender
from tgkit.sandbox.server import WorldServer
from tgkit.sandbox.stats import RequestStats
from tgkit.sandbox.views import MessageCache, UserCache

__all__ = ["SANDBOX_API_HASH", "SANDBOX_API_ID", "World"]

SANDBOX_API_ID = 2040
SANDBOX_API_HASH = "b18441a1ff607e10a989891a5462e627"  # Telegram's public desktop sample pair

_INVITE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"


class World:
    """A simulated Telegram; ``world.client(user)`` connects a real TelegramClient to it.

    Everything generated (ids, names, usernames, texts, access hashes) is the
    same for the same ``seed``; dates are relative to when the world was built.
    ``latency`` seconds are awaited (``asyncio.sleep`` on the client's loop)
    before each request is answered. ``clock`` drives flood limits.
    """

    def __init__(self, seed: int = 0, latency: float = 0.0, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if latency < 0:
            raise ValueError(f"latency must be >= 0 seconds, got {latency}")
        self.seed = seed
        self.latency = latency
        self.lock = threading.RLock()
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.invites: dict[str, Invite] = {}
        self.hashes = AccessHashes(seed)
        self.roster = Roster(self.users)
        self.user_cache = UserCache(self.users)
        self.message_cache = MessageCache()
        self.delivery = Delivery(self.users, self.hashes, self.now)
        self.flood_limits = FloodLimits(clock)
        self.one_off_errors = OneOffErrors()
        self.request_stats = RequestStats()
        self.created = self.now()
        self._rng = random.Random(seed)
        self.logins = Logins(random.Random(self._rng.getrandbits(64)))
        self._usernames: dict[str, User | Chat] = {}
        self._channels_of: dict[int, set[int]] = {}
        self._authorizations: dict[int, int] = {}
        self._next_user_id = 5_000_000_000 + self._rng.randrange(1_000_000)
        self._next_channel_id = 1_700_000_000 + self._rng.randrange(1_000_000)
        self._next_chat_id = 900_000_000 + self._rng.randrange(1_000_000)
        self._next_message_id = 1  # basic groups share one id sequence
        self._activities: list[Activity] = []
        self._server = WorldServer(self)

    def __repr__(self) -> str:
        return f"<World seed={self.seed} users={len(self.users)} chats={len(self.chats)}>"

    @staticmethod
    def now() -> datetime:
        """The current time, whole seconds, UTC (TL dates travel as whole seconds)."""
        return datetime.fromtimestamp(int(time.time()), tz=UTC)

    # People

    def add_user(
        self, first_name: str = "", last_name: str | None = None, username: str | None = None,
        *, bot: bool = False, deleted: bool = False, premium: bool = False,
        phone: str | None = None, status: Status = Status.RECENTLY,
        last_seen: datetime | None = None, password: str | None = None, id: int | None = None,
    ) -> User:
        """A new account. ``status`` is what others see as last seen (``Status.OFFLINE``
        shows ``last_seen``). ``password`` turns on two-step verification. ``id`` is
        generated unless given."""
        if not isinstance(status, Status):
            raise TypeError(f"status must be a tgkit.sandbox.Status, got {status!r}")
        if not deleted and not first_name:
            raise ValueError("first_name is required (only deleted accounts have no name)")
        with self.lock:
            if username is not None:
                self._check_username_free(username)
            if phone is not None:
                phone = _digits(phone)
            if id is not None:
                self._check_id_free(id, self.users)
            return self._new_user(
                first_name=first_name if not deleted else "", last_name=last_name,
                username=username, bot=bot, deleted=deleted, premium=premium, phone=phone,
                status=status, last_seen=last_seen, password=password, user_id=id,
            )

    def add_people(self, count: int, mix: PeopleMix | None = None) -> list[User]:
        """``count`` generated people in Latin, Cyrillic and Arabic scripts (see ``PeopleMix``)."""
        if count < 0:
            raise ValueError(f"count must be >= 0, got {count}")
        mix = mix or PeopleMix()
        now = self.now()
        with self.lock:
            people = []
            for _ in range(count):
                fields = mix.person_fields(self._rng, now)
                name = fields.get("username")
                if name is not None and name.casefold() in self._usernames:  # type: ignore[union-attr]
                    fields["username"] = self._free_username(str(name))
                people.append(self._new_user(**fields))  # type: ignore[arg-type]
            return people

    def _new_user(self, user_id: int | None = None, **fields: object) -> User:
        if user_id is None:
            self._next_user_id += self._rng.randint(1, 997)
            user_id = self._next_user_id
        user = User(id=user_id, **fields)  # type: ignore[arg-type]
        self.users[user.id] = user
        if user.username:
            self._usernames[user.username.casefold()] = user
        return user

    def _free_username(self, wanted: str) -> str:
        stem = wanted[:24]
        while True:
            candidate = f"{stem}{self._rng.randint(10, 99999)}"
            if candidate.casefold() not in self._usernames:
                return candidate

    @staticmethod
    def _check_id_free(wanted: int, taken: dict[int, object]) -> None:
        if not isinstance(wanted, int) or wanted <= 0:
            raise ValueError(f"id must be a positive integer, got {wanted!r}")
        if wanted in taken:
            raise ValueError(f"id {wanted} is taken in this world")

    def _check_username_free(self, username: str) -> None:
        if not USERNAME.fullmatch(username):
            raise ValueError(
                f"username {username!r} is not valid: 5-32 letters, digits or underscores, "
                "starting with a letter"
            )
        if username.casefold() in self._usernames:
            raise ValueError(f"username {username!r} is taken in this world")

    # Chats

    def add_supergroup(
        self, title: str, username: str | None = None, members: int | Iterable[User] = 0,
        admins: Iterable[User] = (), hidden_members: bool = False, private: bool = False,
        *, creator: User | None = None, about: str = "", id: int | None = None,
    ) -> Chat:
        """A supergroup; ``members`` is a number of people to generate or a list of users."""
        return self._add_chat(ChatKind.SUPERGROUP, title, username, members, admins,
                              private, creator, about, hidden_members=hidden_members,
                              chat_id=id)

    def add_channel(
        self, title: str, username: str | None = None, subscribers: int | Iterable[User] = 0,
        private: bool = False, *, admins: Iterable[User] = (), creator: User | None = None,
        about: str = "", id: int | None = None,
    ) -> Chat:
        """A broadcast channel; only its admins may list subscribers or post."""
        return self._add_chat(ChatKind.CHANNEL, title, None if private else username,
                              subscribers, admins, private, creator, about,
                              username_given=username, chat_id=id)

    def add_basic_group(
        self, title: str, members: int | Iterable[User] = (), *, admins: Iterable[User] = (),
        creator: User | None = None, id: int | None = None,
    ) -> Chat:
        """A basic (legacy) group: at most 200 members, always private, no username."""
        return self._add_chat(ChatKind.BASIC_GROUP, title, None, members, admins, True,
                              creator, "", chat_id=id)

    def _add_chat(
        self, kind: ChatKind, title: str, username: str | None,
        members: int | Iterable[User], admins: Iterable[User], private: bool,
        creator: User | None, about: str, *, hidden_members: bool = False,
        username_given: str | None = None, chat_id: int | None = None,
    ) -> Chat:
        if not title:
            raise ValueError("title is required")
        if private and (username or username_given):
            raise ValueError(
                "a private chat has no public username: pass username=None and share "
                "world.invite_link(chat) instead"
            )
        admins = list(admins)
        with self.lock:
            if username is not None:
                self._check_username_free(username)
            if chat_id is not None:
                self._check_id_free(chat_id, self.chats)
            people = self._people(members)
            if kind is ChatKind.BASIC_GROUP and len(people) + len(admins) > 200:
                raise ValueError("a basic group holds at most 200 members; use add_supergroup")
            creator = creator or (admins[0] if admins else None)
            chat = Chat(
                id=chat_id or self._new_chat_id(kind), kind=kind, title=title,
                created=self._chat_birth(),
                username=username, private=private, hidden_members=hidden_members,
                about=about, creator_id=creator.id if creator else None,
            )
            self.chats[chat.id] = chat
            if username:
                self._usernames[username.casefold()] = chat
            staff = ([creator] if creator else []) + [a for a in admins if a is not creator]
            self._join_many(chat, staff + [p for p in people if p not in staff])
            for admin in staff:
                chat.admins[admin.id] = chat.members[admin.id]
            return chat

    def _people(self, members: int | Iterable[User]) -> list[User]:
        if isinstance(members, int):
            return self.add_people(members)
        people = list(members)
        for person in people:
            if not isinstance(person, User) or self.users.get(person.id) is not person:
                raise ValueError(f"members must be users of this world, got {person!r}")
        return people

    def _new_chat_id(self, kind: ChatKind) -> int:
        if kind is ChatKind.BASIC_GROUP:
            self._next_chat_id += self._rng.randint(1, 9973)
            return self._next_chat_id
        self._next_channel_id += self._rng.randint(1, 99991)
        return self._next_channel_id

    def _chat_birth(self) -> datetime:
        return self.created - timedelta(days=self._rng.randint(60, 2000))

    def _join_many(self, chat: Chat, people: Sequence[User]) -> None:
        dates = random_dates(self._rng, chat.created, self.created, len(people))
        for person, date in zip(people, dates, strict=True):
            chat.members[person.id] = date
            if chat.is_channel:
                self._channels_of.setdefault(person.id, set()).add(chat.id)
        chat.version += 1

    # Membership

    def join(self, chat: Chat, user: User, date: datetime | None = None) -> None:
        """Make ``user`` a member of ``chat`` now (or at ``date``)."""
        with self.lock:
            self._check_chat(chat)
            chat.banned.discard(user.id)
            if user.id in chat.members:
                return
            chat.members[user.id] = date or self.now()
            chat.version += 1
            if chat.is_channel:
                self._channels_of.setdefault(user.id, set()).add(chat.id)

    def leave(self, chat: Chat, user: User) -> None:
        with self.lock:
            self._check_chat(chat)
            if chat.members.pop(user.id, None) is not None:
                chat.admins.pop(user.id, None)
                chat.version += 1
                self._channels_of.get(user.id, set()).discard(chat.id)

    def ban(self, chat: Chat, user: User) -> None:
        """Remove ``user`` and keep them out: the chat becomes private to them."""
        with self.lock:
            self.leave(chat, user)
            chat.banned.add(user.id)

    def promote(self, chat: Chat, user: User) -> None:
        """Make a member an admin."""
        with self.lock:
            if user.id not in chat.members:
                raise ValueError(f"{user!r} is not a member of {chat.title!r}; join them first")
            chat.admins.setdefault(user.id, self.now())

    def channel_count(self, user: User) -> int:
        """How many supergroups and channels ``user`` is in."""
        return len(self._channels_of.get(user.id, ()))

    # Messages

    def post(
        self, chat: Chat, sender: User | None, text: str, date: datetime | None = None,
        reply_to: int | None = None, views: int | None = None, forwards: int | None = None,
    ) -> Message:
        """Post a message now (or at ``date``); connected members get it as an update.

        ``sender`` must be a member; in a broadcast channel pass None (or an admin)
        and the post appears as the channel's. Safe to call from any thread.
        """
        with self.lock:
            self._check_chat(chat)
            sender_id = self._poster(chat, sender)
            when = date or self.now()
            if chat.messages and when < chat.messages[-1].date:
                raise ValueError(
                    f"date {when.isoformat()} is before the last message of {chat.title!r} "
                    f"({chat.messages[-1].date.isoformat()}); post in time order"
                )
            if reply_to is not None and chat.find_message(reply_to) is None:
                raise ValueError(f"reply_to={reply_to}: no such message in {chat.title!r}")
            message = self._append(chat, sender_id, when, text, reply_to, views, forwards)
            self.delivery.message_posted(chat, message, origin=None)
            return message

    def _poster(self, chat: Chat, sender: User | None) -> int | None:
        if chat.kind is ChatKind.CHANNEL:
            if sender is not None and sender.id not in chat.admins:
                raise ValueError(f"only admins post in channel {chat.title!r}; pass sender=None")
            return None
        if sender is None or sender.id not in chat.members:
            raise ValueError(
                f"sender must be a member of {chat.title!r}; call world.join(chat, user) first"
            )
        return sender.id

    def _append(
        self, chat: Chat, sender_id: int | None, date: datetime, text: str,
        reply_to: int | None = None, views: int | None = None, forwards: int | None = None,
        action: str | None = None,
    ) -> Message:
        if chat.is_channel:
            message_id = chat.last_message_id() + 1
            chat.pts += 1
            pts = chat.pts
        else:
            message_id = self._next_message_id
            self._next_message_id += 1
            pts = 0
        if chat.kind is ChatKind.CHANNEL and views is None:
            views = 0
        message = Message(message_id, chat.id, sender_id, date, text, reply_to, views,
                          forwards, pts, action)
        chat.messages.append(message)
        return message

    def send(self, chat: Chat, sender: User, text: str, reply_to: int | None,
             origin: SandboxSender) -> Message:
        """A message sent by a client (``messages.sendMessage``): no update to ``origin``."""
        with self.lock:
            message = self._append(chat, self._poster(chat, sender), self.now(), text, reply_to)
            self.delivery.message_posted(chat, message, origin=origin)
            return message

    def generate_messages(self, chat: Chat, count: int, days: float = 30) -> list[Message]:
        """``count`` messages by members over the last ``days`` days (after any existing ones)."""
        if count < 0 or days <= 0:
            raise ValueError(f"count must be >= 0 and days > 0, got count={count}, days={days}")
        with self.lock:
            self._check_chat(chat)
            start = self.now() - timedelta(days=days)
            if chat.messages:
                start = max(start, chat.messages[-1].date)
            dates = random_dates(self._rng, start, self.now(), count)
            authors = self._authors(chat, count)
            rng = self._rng
            first_new = len(chat.messages)
            made = []
            for date, author in zip(dates, authors, strict=True):
                reply_to = None
                if len(chat.messages) > first_new + 1 and rng.random() < 0.08:
                    reply_to = chat.messages[rng.randrange(first_new, len(chat.messages))].id
                views = rng.randint(chat.member_count // 10, chat.member_count + 1) \
                    if chat.kind is ChatKind.CHANNEL else None
                made.append(self._append(
                    chat, author.id if author else None, date, message_text(rng, author),
                    reply_to, views, rng.randint(0, 20) if views is not None else None,
                ))
            return made

    def _authors(self, chat: Chat, count: int) -> list[User | None]:
        if chat.kind is ChatKind.CHANNEL:
            return [None] * count
        living = [self.users[uid] for uid in chat.members if not self.users[uid].deleted]
        if not living:
            raise ValueError(f"{chat.title!r} has no members who could write messages")
        pool = self._rng.sample(living, k=min(len(living), max(10, len(living) // 20)))
        return [self._rng.choice(pool) for _ in range(count)]

    # Live activity

    def start_activity(self, chat: Chat | str | int, messages_per_second: float,
                       *, count: int | None = None) -> Activity:
        """Members of ``chat`` post ``messages_per_second`` (``count`` messages, or until
        ``stop_activity()``). Runs on its own thread: call it from anywhere."""
        target = self.resolve_chat(chat)
        with self.lock:
            rng = random.Random(self._rng.getrandbits(64))
            activity = Activity(self, target, messages_per_second, count, rng)
            self._activities.append(activity)
        activity.start()
        return activity

    def stop_activity(self, chat: Chat | str | int | None = None, *, wait: bool = False) -> None:
        """Stop the activity of ``chat`` (all chats if None) and join its thread.
        With ``wait=True`` activities started with a ``count`` finish it first."""
        target = None if chat is None else self.resolve_chat(chat)
        with self.lock:
            stopping = [a for a in self._activities if target is None or a.chat is target]
            self._activities = [a for a in self._activities if a not in stopping]
        for activity in stopping:
            activity.stop(wait=wait)

    # Invites

    def invite_link(self, chat: Chat, expired: bool = False, request_needed: bool = False,
                    *, link_hash: str | None = None) -> str:
        """A ``https://t.me/+HASH`` link to ``chat``; expired or needing admin approval.
        ``link_hash`` fixes the HASH part (generated otherwise)."""
        with self.lock:
            self._check_chat(chat)
            invite_hash = link_hash or "".join(
                self._rng.choice(_INVITE_ALPHABET) for _ in range(16))
            if invite_hash in self.invites or not all(c in _INVITE_ALPHABET for c in invite_hash):
                raise ValueError(f"link_hash {invite_hash!r} is taken or has characters "
                                 "other than letters, digits, '_' and '-'")
            self.invites[invite_hash] = Invite(invite_hash, chat.id, expired, request_needed)
            return f"https://t.me/+{invite_hash}"

    # Lookup

    def find_username(self, username: str) -> User | Chat | None:
        """The user or public chat with this username (case-insensitive), if any."""
        return self._usernames.get(username.lstrip("@").casefold())

    def chat(self, key: str | int) -> Chat:
        """A chat by username or id (raises KeyError naming what was looked for)."""
        found = self.chats.get(key) if isinstance(key, int) else self.find_username(key)
        if not isinstance(found, Chat):
            raise KeyError(f"no chat {key!r} in this world")
        return found

    def user(self, key: str | int) -> User:
        """A user by username or id (raises KeyError naming what was looked for)."""
        found = self.users.get(key) if isinstance(key, int) else self.find_username(key)
        if not isinstance(found, User):
            raise KeyError(f"no user {key!r} in this world")
        return found

    def resolve_chat(self, chat: Chat | str | int) -> Chat:
        """A chat of this world from a ``Chat``, an id, or a target such as
        ``"@name"``, ``"name"``, ``"https://t.me/name"`` or an invite link."""
        if isinstance(chat, Chat):
            self._check_chat(chat)
            return chat
        if isinstance(chat, int):  # plain, or marked as Telethon marks them (-id, -100id)
            plain = -chat if chat < 0 else chat
            if chat < 0 and plain > 1_000_000_000_000:
                plain -= 1_000_000_000_000
            return self.chat(plain)
        text = chat.strip()
        for prefix in ("https://", "http://", "t.me/", "telegram.me/", "@", "s/"):
            text = text.removeprefix(prefix)
        for prefix in ("t.me/", "telegram.me/", "s/", "joinchat/", "+"):
            text = text.removeprefix(prefix)
        invite = self.invites.get(text)
        if invite is not None:
            return self.chats[invite.chat_id]
        return self.chat(text)

    def _check_chat(self, chat: Chat) -> None:
        if not isinstance(chat, Chat) or self.chats.get(chat.id) is not chat:
            raise ValueError(f"chat must be a chat of this world, got {chat!r}")

    # Clients

    def client(self, user: User | None = None, **client_options: object) -> TelegramClient:
        """A real ``TelegramClient`` logged in as ``user`` (not logged in if None).

        ``client_options`` go to ``TelegramClient`` (e.g. ``flood_sleep_threshold``).
        Connect it with ``await client.connect()`` as usual.
        """
        with self.lock:
            if user is not None and self.users.get(user.id) is not user:
                raise ValueError(f"user must be a user of this world, got {user!r}")
            if user is not None and user.deleted:
                raise ValueError(f"{user!r} is deleted and cannot log in")
            auth_key = AuthKey(self._rng.randbytes(256))
            if user is not None:
                self._authorizations[auth_key.key_id] = user.id
        client = TelegramClient(StringSession(), SANDBOX_API_ID, SANDBOX_API_HASH, **client_options)
        client._sender = SandboxSender(self._server, auth_key, client._updates_queue,
                                       on_lost=lambda: _stop_background_loops(client))
        return client

    def login_client(self, **client_options: object) -> TelegramClient:
        """A client that is not logged in: ``send_code_request(phone)``, then
        ``sign_in(phone, world.login_code(phone))`` (and ``sign_in(password=...)``
        for an account with two-step verification)."""
        return self.client(None, **client_options)

    def login_code(self, phone: str) -> str:
        """The code last sent to ``phone`` by ``send_code_request``."""
        with self.lock:
            return self.logins.code_for(phone)

    def user_by_phone(self, phone: str) -> User | None:
        digits = "".join(char for char in phone if char.isdigit())
        return next((u for u in self.users.values() if u.phone == digits), None)

    def random_bytes(self, count: int) -> bytes:
        with self.lock:
            return self._rng.randbytes(count)

    def account_id(self, auth_key: AuthKey) -> int | None:
        """The user an authorization key is logged in as, if any."""
        return self._authorizations.get(auth_key.key_id)

    def authorize(self, sender: SandboxSender, user: User | None) -> None:
        """Log a client in as ``user`` (or out, with None)."""
        with self.lock:
            if user is None:
                self._authorizations.pop(sender.auth_key.key_id, None)
            else:
                self._authorizations[sender.auth_key.key_id] = user.id
            self.delivery.moved(sender, user.id if user else None)

    # Faults

    def flood_limit(self, method: str, calls: int, per: float, wait: int) -> FloodLimit:
        """Each account may call ``method`` (e.g. "channels.GetParticipants") ``calls``
        times per ``per`` seconds; the next call fails with ``FloodWaitError(wait)``."""
        with self.lock:
            return self.flood_limits.set(method, calls=calls, per=per, wait=wait)

    def clear_flood_limits(self, method: str | None = None) -> None:
        with self.lock:
            self.flood_limits.remove(method)

    def fail_next(self, method: str, error: object, user: User | None = None) -> None:
        """The next call of ``method`` (by ``user``, or anyone) fails with ``error``:
        a Telethon error class or instance, a Telegram message such as
        "CHANNEL_PRIVATE", or ``ConnectionError``."""
        with self.lock:
            self.one_off_errors.add(method, error, user.id if user else None)  # type: ignore[arg-type]

    def disconnect(self, user: User) -> None:
        """Drop every connection of ``user``: pending and new requests fail with
        ``ConnectionError`` until the client calls ``connect()`` again."""
        for sender in self.delivery.senders_of(user.id):
            sender.drop()

    # Stats

    def stats(self) -> RequestStats:
        """A copy of the request counts by (account user id, method)."""
        with self.lock:
            return RequestStats(self.request_stats)

    def reset_stats(self) -> None:
        with self.lock:
            self.request_stats.clear()


def _stop_background_loops(client: TelegramClient) -> None:
    """After a lost connection, stop the client's update and keepalive loops, as
    ``client.disconnect()`` would; ``client.connect()`` starts fresh ones. Without
    this a reconnect would leave two update loops sharing one update state."""
    for handle in (client._updates_handle, client._keepalive_handle):
        if handle is not None and not handle.done():
            handle.cancel()


def _digits(phone: str) -> str:
    digits = "".join(char for char in phone if char.isdigit())
    if len(digits) < 7:
        raise ValueError("phone must have at least 7 digits (international format, e.g. +44...)")
    return digits
