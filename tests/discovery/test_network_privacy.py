"""A network's frames pseudonymised: cited @usernames (people among them) become tokens."""

from __future__ import annotations

import pandas as pd
import pytest

from tgkit.privacy import generate_key, pseudonymize
from tgkit.sandbox.content import detect_entities
from tgkit.sandbox.universe import Universe, marked
from tgkit.session import TelegramSession

pytestmark = pytest.mark.telethon_compat


async def test_edge_targets_and_node_usernames_become_matching_tokens(
    universe: Universe, session: TelegramSession
) -> None:
    person = universe.world.add_user("Grace", username="Grace_H")
    chat = next(c for c in universe.channels if c.username and c.id in universe.world.chats
                and c.messages)
    posted = universe.world.post(chat, None, "ask @Grace_H about it")
    posted.entities = posted.entities or detect_entities(posted.text)
    net = await session.discover([f"@{chat.username}"], depth=0, via=("mentions",))
    assert "@grace_h" in set(net.edges["target"])
    key = generate_key()
    edges = pseudonymize(net.edges, key)
    nodes = pseudonymize(net.nodes, key)
    people = pseudonymize(pd.DataFrame({"username": pd.array([person.username],
                                                             dtype="string")}), key)
    assert people.loc[0, "username"] in set(edges["target"])
    assert not any(str(t).startswith("@") for t in edges["target"].dropna())
    assert not any(str(t).startswith("@") for t in nodes["target"].dropna())
    seed = nodes.loc[nodes["depth"] == 0].iloc[0]
    assert seed["target"] == seed["username"]  # one chat, one token in both columns
    assert edges.attrs["pseudonymized"]["ref_columns"] == ["target"]
    assert (edges["source_chat_id"] == net.edges["source_chat_id"]).all()  # chats kept
    hidden = pseudonymize(net.edges, key, chats=True)
    assert marked(chat.id) not in set(hidden["source_chat_id"])
    text = edges.to_csv() + nodes.to_csv()
    assert "grace_h" not in text.lower()
