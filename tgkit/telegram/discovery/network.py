"""The result of a crawl: ``nodes`` and ``edges`` frames, and a networkx graph on demand.

``Network.frames()`` names both frames, which the command line writes as
``nodes.parquet`` and ``edges.parquet`` into an ``-o`` folder (any result with
``frames()`` is written that way).

    >>> net = Network(empty_frame("network_nodes"), empty_frame("network_edges"))
    >>> sorted(net.frames()), len(net)
    (['edges', 'nodes'], 0)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from tgkit.frames import empty_frame, frame_from_columns
from tgkit.telegram.context import utc_now
from tgkit.telegram.discovery.extract import marked_channel

__all__ = ["Network", "network_from_state"]


class Network:
    """A discovered network: ``nodes`` (one row per chat) and ``edges`` (who cites whom)."""

    def __init__(self, nodes: pd.DataFrame, edges: pd.DataFrame,
                 attrs: Mapping[str, Any] | None = None) -> None:
        self.nodes = nodes
        self.edges = edges
        self.attrs: dict[str, Any] = dict(attrs or {})

    def __repr__(self) -> str:
        read = int((self.nodes["status"] == "read").sum()) if len(self.nodes) else 0
        return f"<Network nodes={len(self.nodes)} read={read} edges={len(self.edges)}>"

    def __len__(self) -> int:
        return len(self.nodes)

    def frames(self) -> dict[str, pd.DataFrame]:
        """The frames by name, for writing each to its own file."""
        return {"nodes": self.nodes, "edges": self.edges}

    def to_networkx(self) -> Any:
        """A ``networkx.MultiDiGraph``: nodes by chat id (or target when unresolved) with
        their columns, one edge per (source, target, kind) with its weight. Needs the
        ``network`` extra (``pip install tgkit[network]``)."""
        try:
            import networkx as nx
        except ImportError:  # pragma: no cover - depends on the environment
            raise ImportError("to_networkx needs networkx: pip install 'tgkit[network]'") from None
        graph = nx.MultiDiGraph()
        for row in self.nodes.to_dict(orient="records"):
            graph.add_node(_node_id(row.get("chat_id"), row.get("target")), **row)
        for row in self.edges.to_dict(orient="records"):
            graph.add_edge(row["source_chat_id"], _node_id(row["target_chat_id"], row["target"]),
                           key=row["kind"], kind=row["kind"], weight=row["weight"])
        return graph


def _node_id(chat_id: Any, target: Any) -> Any:
    return target if chat_id is None or pd.isna(chat_id) else int(chat_id)


def network_from_state(nodes: Mapping[str, dict[str, Any]], aliases: Mapping[str, str],
                       edge_columns: Mapping[str, list[Any]],
                       attrs: Mapping[str, Any]) -> Network:
    """The frames from a crawl's state and its stored edge columns."""
    now = utc_now()
    rows = [_node_row(key, node, now) for key, node in nodes.items()
            if node.get("status") != "alias"]
    node_frame = (frame_from_columns("network_nodes", _columns("network_nodes", rows))
                  if rows else empty_frame("network_nodes"))
    edges = dict(edge_columns)
    if edges.get("target"):
        edges["target_chat_id"] = [_target_id(ref, aliases, nodes) for ref in edges["target"]]
        edge_frame = frame_from_columns("network_edges", edges)
    else:
        edge_frame = empty_frame("network_edges")
    node_frame.attrs.update(attrs)
    edge_frame.attrs.update(attrs)
    return Network(node_frame, edge_frame, attrs)


def _target_id(ref: str, aliases: Mapping[str, str], nodes: Mapping[str, dict[str, Any]]
               ) -> int | None:
    key = aliases.get(ref, ref)
    node = nodes.get(key, {})
    plain = node.get("id")
    if plain is None and key.startswith("id:"):
        plain = int(key[3:])
    return marked_channel(plain) if plain is not None else None


def _node_row(key: str, node: dict[str, Any], now: Any) -> dict[str, Any]:
    status = node.get("status")
    reason = node.get("reason")
    if not status:
        status = "skipped"
        reason = reason or ("beyond depth or below min_weight" if not node.get("queued")
                            else "not reached")
    linked = node.get("linked_chat_id")
    return {
        "chat_id": marked_channel(node["id"]) if node.get("id") is not None else None,
        "username": node.get("username"),
        "title": node.get("title"),
        "type": node.get("type"),
        "about": node.get("about"),
        "participants_count": node.get("participants"),
        "created_at": node.get("created_at"),
        "linked_chat_id": linked,
        "is_verified": node.get("verified"),
        "is_scam": node.get("scam"),
        "is_fake": node.get("fake"),
        "is_restricted": node.get("restricted"),
        "restriction_reason": node.get("restriction_reason"),
        "has_hidden_members": node.get("has_hidden_members"),
        "slowmode_seconds": node.get("slowmode_seconds"),
        "pinned_message_id": node.get("pinned_message_id"),
        "depth": node["depth"],
        "first_found_via": node["via"],
        "status": status,
        "reason": reason,
        "cited_by": node.get("cited_by", 0),
        "citations": node.get("citations"),
        "joined": bool(node.get("joined", False)),
        "target": node.get("target", key),
        "collected_at": now,
    }


def _columns(kind: str, rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    return {name: [row[name] for row in rows] for name in rows[0]}
