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
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from telethon import TelegramClient
from telethon.crypto import AuthKey

from tgkit.sandbox.access import AccessHashes
from tgkit.sandbox.accounts import SANDBOX_API_HASH, SANDBOX_API_ID, Accounts
from tgkit.sandbox.activity import Activity
from tgkit.sandbox.delivery import Delivery
from tgkit.sandbox.directory import Directory
from tgkit.sandbox.editing import ChannelActions
from tgkit.sandbox.engagement import Engagement
from tgkit.sandbox.faults import FloodLimit, FloodLimits, OneOffErrors
from tgkit.sandbox.generate import PeopleMix
from tgkit.sandbox.model import Chat, ChatKind, Message, Status, User
from tgkit.sandbox.participants import Roster
from tgkit.sandbox.posting import Timeline
from tgkit.sandbox.sender import SandboxSender
from tgkit.sandbox.server import WorldServer
from tgkit.sandbox.shapes import FaultRates, Faults
from tgkit.sandbox.stats import RequestStats
from tgkit.sandbox.universe import Universe, UniverseMix, generate_universe
from tgkit.sandbox.views import MessageCache, UserCache

__all__ = ["SANDBOX_API_HASH", "SANDBOX_API_ID", "World"]

ChatTarget = Chat | str | int


class World(ChannelActions, Engagement):
    """A simulated Telegram; ``world.client(user)`` connects a real TelegramClient to it.

    Everything generated (ids, names, usernames, texts, access hashes) is the
    same for the same ``seed``; dates are relative to when the world was built.
    ``latency`` seconds are awaited (``asyncio.sleep`` on the client's loop)
    before each request is answered. ``clock`` drives flood limits.
    ``faults="realistic"`` (or a ``FaultRates``) makes it lose, repeat and
    delay pushes and answer in the odd shapes real servers use (see
    ``tgkit.sandbox.shapes``), drawn from ``seed``. All methods are safe to
    call from any thread.
    """

    def __init__(self, seed: int = 0, latency: float = 0.0, *,
                 clock: Callable[[], float] = time.monotonic,
                 faults: FaultRates | str | None = None) -> None:
        if latency < 0:
            raise ValueError(f"latency must be >= 0 seconds, got {latency}")
        self.seed = seed
        self.latency = latency
        self.lock = threading.RLock()
        self.created = self.now()
        self.hashes = AccessHashes(seed)
        self._rng = random.Random(seed)
        self.accounts_rng = random.Random(self._rng.getrandbits(64))
        self.directory = Directory(self._rng, self.created)
        self.users = self.directory.users
        self.chats = self.directory.chats
        self.invites = self.directory.invites
        self.roster = Roster(self.users)
        self.user_cache = UserCache(self.users)
        self.message_cache = MessageCache()
        self.faults = Faults(seed, faults)
        self.delivery = Delivery(self.users, self.hashes, self.now, self.faults)
        self.accounts = Accounts(self.accounts_rng, self.delivery)
        self.logins = self.accounts.logins
        self.timeline = Timeline(self.users, self._rng, self.chats,
                                 random.Random(f"content:{seed}"))
        self.flood_limits = FloodLimits(clock)
        self.one_off_errors = OneOffErrors()
        self.request_stats = RequestStats()
        self._activities: list[Activity] = []
        self.universe: Universe | None = None
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
        phone: str | None = None, phone_public: bool = False, status: Status = Status.RECENTLY,
        last_seen: datetime | None = None, password: str | None = None, id: int | None = None,
    ) -> User:
        """A new account. ``status`` is what others see as last seen (``Status.OFFLINE``
        shows ``last_seen``). ``password`` turns on two-step verification. ``id`` is
        generated unless given. ``phone_public``: others see the
        phone number (the privacy setting "everybody"); by default only its owner does."""
        if not isinstance(status, Status):
            raise TypeError(f"status must be a tgkit.sandbox.Status, got {status!r}")
        if not deleted and not first_name:
            raise ValueError("first_name is required (only deleted accounts have no name)")
        with self.lock:
            if username is not None:
                self.directory.check_username_free(username)
            if id is not None:
                self.directory.check_id_free(id, self.users)
            return self.directory.new_user(
                user_id=id, first_name=first_name if not deleted else "", last_name=last_name,
                username=username, bot=bot, deleted=deleted, premium=premium,
                phone=_digits(phone) if phone is not None else None,
                phone_public=phone_public, status=status,
                last_seen=last_seen, password=password,
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
                if fields.get("username") is not None:
                    fields["username"] = self.directory.free_username(str(fields["username"]))
                people.append(self.directory.new_user(None, **fields))
            return people

    # Chats

    def add_supergroup(
        self, title: str, username: str | None = None, members: int | Iterable[User] = 0,
        admins: Iterable[User] = (), hidden_members: bool = False, private: bool = False,
        *, creator: User | None = None, about: str = "", id: int | None = None,
    ) -> Chat:
        """A supergroup; ``members`` is a number of people to generate or a list of users;
        ``admins`` join too (the first is the creator unless ``creator`` is given)."""
        return self._add_chat(ChatKind.SUPERGROUP, title, username, members, admins, private,
                              creator, about=about, hidden_members=hidden_members, chat_id=id)

    def add_channel(
        self, title: str, username: str | None = None, subscribers: int | Iterable[User] = 0,
        private: bool = False, *, admins: Iterable[User] = (), creator: User | None = None,
        about: str = "", id: int | None = None,
    ) -> Chat:
        """A broadcast channel; only its admins may list subscribers or post."""
        return self._add_chat(ChatKind.CHANNEL, title, username, subscribers, admins, private,
                              creator, about=about, chat_id=id)

    def add_basic_group(
        self, title: str, members: int | Iterable[User] = (), *, admins: Iterable[User] = (),
        creator: User | None = None, id: int | None = None,
    ) -> Chat:
        """A basic (legacy) group: at most 200 members, no username, members only."""
        return self._add_chat(ChatKind.BASIC_GROUP, title, None, members, admins, True,
                              creator, chat_id=id)

    def _add_chat(
        self, kind: ChatKind, title: str, username: str | None,
        members: int | Iterable[User], admins: Iterable[User], private: bool,
        creator: User | None, *, about: str = "", hidden_members: bool = False,
        chat_id: int | None = None,
    ) -> Chat:
        if not title:
            raise ValueError("title is required")
        if private and username and kind is not ChatKind.BASIC_GROUP:
            raise ValueError("a private chat has no public username: pass username=None "
                             "and share world.invite_link(chat) instead")
        staff = list(admins)
        creator = creator or (staff[0] if staff else None)
        staff = ([creator] if creator else []) + [a for a in staff if a is not creator]
        with self.lock:
            directory = self.directory
            if username is not None:
                directory.check_username_free(username)
            if chat_id is not None:
                directory.check_id_free(chat_id, self.chats)
            directory.check_users(staff)
            people = self.add_people(members) if isinstance(members, int) else list(members)
            directory.check_users(people)
            if kind is ChatKind.BASIC_GROUP and len({p.id for p in people + staff}) > 200:
                raise ValueError("a basic group holds at most 200 members; use add_supergroup")
            chat = directory.new_chat(
                kind, title, chat_id, username=username, private=private,
                hidden_members=hidden_members, about=about,
                creator_id=creator.id if creator else None,
            )
            directory.join_many(chat, staff + [p for p in people if p not in staff])
            for admin in staff:
                chat.admins[admin.id] = chat.members[admin.id]
            return chat

    # Membership

    def join(self, chat: ChatTarget, user: User, date: datetime | None = None) -> None:
        """Make ``user`` a member of ``chat`` now (or at ``date``); lifts a ban."""
        with self.lock:
            self.directory.add_member(self.resolve_chat(chat), user, date or self.now())

    def leave(self, chat: ChatTarget, user: User) -> None:
        with self.lock:
            self.directory.remove_member(self.resolve_chat(chat), user)

    def ban(self, chat: ChatTarget, user: User) -> None:
        """Remove ``user`` and keep them out: the chat becomes private to them."""
        with self.lock:
            target = self.resolve_chat(chat)
            self.directory.remove_member(target, user)
            target.banned.add(user.id)

    def promote(self, chat: ChatTarget, user: User) -> None:
        """Make a member an admin."""
        with self.lock:
            target = self.resolve_chat(chat)
            if user.id not in target.members:
                raise ValueError(f"{user!r} is not a member of {target.title!r}; join them first")
            target.admins.setdefault(user.id, self.now())

    def channel_count(self, user: User) -> int:
        """How many supergroups and channels ``user`` is in."""
        return self.directory.channel_count(user)

    # Messages

    def post(
        self, chat: ChatTarget, sender: User | None, text: str, date: datetime | None = None,
        reply_to: int | None = None, views: int | None = None, forwards: int | None = None,
    ) -> Message:
        """Post a message now (or at ``date``); connected members get it as an update.

        ``sender`` must be a member; in a broadcast channel pass None (or an admin)
        and the post appears as the channel's.
        """
        with self.lock:
            target = self.resolve_chat(chat)
            sender_id = self.timeline.poster(target, sender)
            when = date or self.now()
            if target.messages and when < target.messages[-1].date:
                raise ValueError(
                    f"date {when.isoformat()} is before the last message of {target.title!r} "
                    f"({target.messages[-1].date.isoformat()}); post in time order"
                )
            if reply_to is not None and target.find_message(reply_to) is None:
                raise ValueError(f"reply_to={reply_to}: no such message in {target.title!r}")
            message = self.timeline.append(target, sender_id, when, text, reply_to, views,
                                           forwards)
            self._deliver(target, message)
            return message

    def send(self, chat: Chat, sender: User, text: str, reply_to: int | None,
             origin: SandboxSender) -> Message:
        """A message sent by a client (``messages.sendMessage``): no update to ``origin``."""
        with self.lock:
            sender_id = self.timeline.poster(chat, sender)
            message = self.timeline.append(chat, sender_id, self.now(), text, reply_to)
            self.delivery.message_posted(chat, message, origin=origin)
            if message.discussion_id is not None and chat.linked_chat_id is not None:
                group = self.chats[chat.linked_chat_id]
                copy = group.find_message(message.discussion_id)
                if copy is not None:
                    self.delivery.message_posted(group, copy, origin=None)
            return message

    def generate_messages(self, chat: ChatTarget, count: int, days: float = 30) -> list[Message]:
        """``count`` messages by members over the last ``days`` days (after any existing ones)."""
        if count < 0 or days <= 0:
            raise ValueError(f"count must be >= 0 and days > 0, got count={count}, days={days}")
        with self.lock:
            target = self.resolve_chat(chat)
            start = self.now() - timedelta(days=days)
            if target.messages:
                start = max(start, target.messages[-1].date)
            return self.timeline.generate(target, count, start, self.now())

    def generate_universe(self, channels: int = 500, seed: int = 0,
                          mix: UniverseMix | None = None) -> Universe:
        """``channels`` channels citing each other, with their true citation graph
        (see ``tgkit.sandbox.universe``)."""
        return generate_universe(self, channels, seed, mix)

    # Live activity

    def start_activity(self, chat: ChatTarget, messages_per_second: float,
                       *, count: int | None = None) -> Activity:
        """Members of ``chat`` post ``messages_per_second`` (``count`` messages, or until
        ``stop_activity()``). Runs on its own thread: call it from anywhere."""
        with self.lock:
            target = self.resolve_chat(chat)
            rng = random.Random(self._rng.getrandbits(64))
            activity = Activity(self, target, messages_per_second, count, rng)
            self._activities.append(activity)
        activity.start()
        return activity

    def stop_activity(self, chat: ChatTarget | None = None, *, wait: bool = False) -> None:
        """Stop the activity of ``chat`` (all chats if None) and join its thread.
        With ``wait=True`` activities started with a ``count`` finish it first."""
        with self.lock:
            target = None if chat is None else self.resolve_chat(chat)
            stopping = [a for a in self._activities if target is None or a.chat is target]
            self._activities = [a for a in self._activities if a not in stopping]
        for activity in stopping:
            activity.stop(wait=wait)

    # Invites and lookup

    def invite_link(self, chat: ChatTarget, expired: bool = False, request_needed: bool = False,
                    *, link_hash: str | None = None) -> str:
        """A ``https://t.me/+HASH`` link to ``chat``; expired or needing admin approval.
        ``link_hash`` fixes the HASH part (generated otherwise)."""
        with self.lock:
            invite = self.directory.add_invite(self.resolve_chat(chat), expired, request_needed,
                                               link_hash)
            return f"https://t.me/+{invite.hash}"

    def find_username(self, username: str) -> User | Chat | None:
        """The user or public chat with this username (case-insensitive), if any."""
        return self.directory.find_username(username)

    def chat(self, key: str | int) -> Chat:
        """A chat by username or id (raises KeyError naming what was looked for)."""
        return self.directory.chat(key)

    def user(self, key: str | int) -> User:
        """A user by username or id (raises KeyError naming what was looked for)."""
        return self.directory.user(key)

    def user_by_phone(self, phone: str) -> User | None:
        return self.directory.user_by_phone(phone)

    def resolve_chat(self, chat: ChatTarget) -> Chat:
        """A chat of this world from a ``Chat``, an id (plain or marked), or a target such
        as ``"@name"``, ``"name"``, ``"https://t.me/name"`` or an invite link."""
        return self.directory.resolve_chat(chat)

    # Clients

    def client(self, user: User | None = None, **client_options: object) -> TelegramClient:
        """A real ``TelegramClient`` logged in as ``user`` (not logged in if None).

        ``client_options`` go to ``TelegramClient`` (e.g. ``flood_sleep_threshold``).
        Connect it with ``await client.connect()`` as usual.
        """
        with self.lock:
            if user is not None:
                self.directory.check_users([user])
                if user.deleted:
                    raise ValueError(f"{user!r} is deleted and cannot log in")
            return self.accounts.new_client(self._server, user, **client_options)

    def login_client(self, **client_options: object) -> TelegramClient:
        """A client that is not logged in: ``send_code_request(phone)``, then
        ``sign_in(phone, world.login_code(phone))`` (and ``sign_in(password=...)``
        for an account with two-step verification)."""
        return self.client(None, **client_options)

    def login_code(self, phone: str) -> str:
        """The code last sent to ``phone`` by ``send_code_request``."""
        with self.lock:
            return self.logins.code_for(phone)

    def scan_login_token(self, url: str | bytes, user: User) -> None:
        """``user``'s phone app scans a QR login code (``tg://login?token=…`` or the token):
        the client waiting on it (``client.qr_login().wait()``) is logged in as ``user``."""
        from tgkit.sandbox.rpc.auth import accept

        with self.lock:
            accept(self, url, user)

    def random_bytes(self, count: int) -> bytes:
        with self.lock:
            return self.accounts_rng.randbytes(count)

    def account_id(self, auth_key: AuthKey) -> int | None:
        """The user an authorization key is logged in as, if any."""
        return self.accounts.account_id(auth_key)

    def authorize(self, sender: SandboxSender, user: User | None) -> None:
        """Log a client in as ``user`` (or out, with None)."""
        with self.lock:
            self.accounts.authorize(sender, user)

    # Faults

    def flood_limit(self, method: str, calls: int, per: float, wait: int) -> FloodLimit:
        """Each account may call ``method`` (e.g. "channels.GetParticipants") ``calls``
        times per ``per`` seconds; the next call fails with ``FloodWaitError(wait)``."""
        with self.lock:
            return self.flood_limits.set(method, calls=calls, per=per, wait=wait)

    def set_faults(self, faults: FaultRates | str | None) -> FaultRates:
        """Turn misbehaving on ("realistic", or a ``FaultRates``) or off ("none", None)."""
        with self.lock:
            return self.faults.set_rates(faults)

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


def _digits(phone: str) -> str:
    digits = "".join(char for char in phone if char.isdigit())
    if len(digits) < 7:
        raise ValueError("phone must have at least 7 digits (international format, e.g. +44...)")
    return digits
