"""A simulated Telegram behind the real Telethon client: learn, teach and test offline.

Build a world with a group, messages and a flood limit, and talk to it with
Telethon's own API (inside ``async`` code, e.g. a notebook cell)::

    from tgkit.sandbox import World
    world = World(seed=0)
    me = world.add_user("Ada", username="ada_research")
    group = world.add_supergroup("Readers", username="readers", members=500)
    world.generate_messages(group, 1000, days=7)
    world.flood_limit("messages.GetHistory", calls=30, per=30, wait=3)

    client = world.client(me)          # a real telethon.TelegramClient, logged in as Ada
    await client.connect()
    members = await client.get_participants("readers")
    messages = await client.get_messages("readers", limit=300)

``demo_world()`` returns a ready world (a 25,000-member group past the
10,000 listing cap, a hidden-members group, a broadcast channel, a basic
group, a private group with invite links) and the researcher account.

What it simulates, as Telegram does (see ``TELEGRAM-FACTS.md``): 200
participants a page and at most 10,000 per query while the full count is
reported; word-prefix search over names and usernames; hidden members;
admin-only subscriber lists; private chats; invite links that join, expire
or wait for approval; history pages of 100; live updates to members; flood
limits per account and method; dropped connections, one-off errors and
latency on demand; with ``World(faults="realistic")`` lost, repeated and late
pushes, "too long" differences, count-less history pages and ``""`` for
absent strings (``tgkit.sandbox.shapes``); ``world.stats()`` counting requests per account and
method. Requests and answers cross Telethon's own TL serialisation.

Threads and loops: every ``World`` method may be called from any thread;
updates reach each client on its own event loop (``call_soon_threadsafe``),
latency is awaited there, and ``start_activity`` posts from its own thread.

What it does not simulate: messages between two users (``send_message`` to a
user fails with ``SANDBOX_PRIVATE_MESSAGES_UNSUPPORTED``), media, edits and
deletions, forum topics; basic groups number their messages world-wide
rather than per account. After ``world.disconnect(user)`` the client must
``connect()`` again; what was posted meanwhile arrives through
``getDifference`` once the next update shows the gap (Telethon's own update
loop may drop an update it took in the very instant the connection fails;
tgkit's monitor back-fills history after a reconnect).
"""

from tgkit.sandbox.activity import Activity
from tgkit.sandbox.demo import DEMO_TARGETS, demo_world
from tgkit.sandbox.faults import FloodLimit
from tgkit.sandbox.generate import PeopleMix
from tgkit.sandbox.model import Chat, ChatKind, Invite, Message, Status, User
from tgkit.sandbox.shapes import REALISTIC, FaultRates
from tgkit.sandbox.stats import RequestStats
from tgkit.sandbox.world import World

__all__ = [
    "DEMO_TARGETS",
    "REALISTIC",
    "Activity",
    "Chat",
    "ChatKind",
    "FaultRates",
    "FloodLimit",
    "Invite",
    "Message",
    "PeopleMix",
    "RequestStats",
    "Status",
    "User",
    "World",
    "demo_world",
]
