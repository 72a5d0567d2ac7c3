"""Provenance: how a collection was made, recorded as it runs and carried with the data.

Every operation a session runs is recorded: the tool versions, the operation
and its exact (checked) parameters, a pseudonymous id of the account (a keyed
hash, never the phone or the username), the server, when it started and
ended, requests by type, time waited on budgets and flood waits, coverage and
the reasons for any shortfall, whether it resumed an earlier run, and the
pseudonymisation applied to the frame (never the key). A collection's frame
carries it in ``df.attrs["provenance"]`` and the store keeps it with the
collection's attrs, so a frame read back from the store, or from an exported
data package, still says how it was made.

``describe(frames)`` turns it into a methods paragraph and a table, stating
only what the provenance holds::

    text, table = describe({"members": members})
    print(text)

``show(df)`` renders a frame's provenance as HTML in a notebook.
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import html
import ipaddress
import os
import platform
import secrets
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["begin", "describe", "end", "note_resumed", "record", "show", "snapshot"]

_CURRENT: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "tgkit_provenance", default=None
)
#: Telegram's production data centres; 149.154.167.40 is its test DC.
_TELEGRAM_NETWORKS = tuple(
    ipaddress.ip_network(n) for n in ("149.154.160.0/20", "91.108.0.0/16", "2001:67c:4e8::/48")
)
_TEST_DCS = frozenset({"149.154.167.40", "2001:67c:4e8:f002::e"})


def begin(
    operation: str,
    parameters: Mapping[str, Any],
    *,
    account: str | None,
    server: str,
) -> contextvars.Token[dict[str, Any] | None]:
    """Start recording one operation's provenance (in this task and what it awaits)."""
    started = {
        "tool": _versions(),
        "operation": operation,
        "parameters": {name: _plain(value) for name, value in parameters.items()
                       if not callable(value)},
        "account": None if account is None else pseudonymous_account(account),
        "server": server,
        "started_at": _now(),
    }
    return _CURRENT.set(started)


def end(token: contextvars.Token[dict[str, Any] | None]) -> None:
    """Stop recording (the operation has ended)."""
    _CURRENT.reset(token)


def note_resumed(earlier: Mapping[str, Any] | None) -> None:
    """The running operation continues a stored collection; ``earlier`` is its last provenance.

    The earlier runs (when each started and ended) are kept, so a collection
    made in several sittings says so.
    """
    current = _CURRENT.get()
    if current is None:
        return
    runs: list[Any] = []
    if isinstance(earlier, Mapping):
        runs = [*earlier.get("earlier_runs", []),
                {"started_at": earlier.get("started_at"), "ended_at": earlier.get("ended_at")}]
    current["resumed"] = True
    current["earlier_runs"] = runs


def snapshot(report: Mapping[str, Any] | None = None, **facts: Any) -> dict[str, Any] | None:
    """The running operation's provenance now, with its request report and ``facts``.

    None outside a recorded operation (a frame made by hand has no provenance).
    """
    current = _CURRENT.get()
    if current is None:
        return None
    report = report or {}
    return {
        **current,
        "ended_at": _now(),
        "requests": dict(report.get("requests", {})),
        "budget_wait_s": round(float(report.get("budget_wait_s", 0.0)), 3),
        "flood_wait_s": round(float(report.get("flood_wait_s", 0.0)), 3),
        "flood_waits": dict(report.get("flood_waits", {})),
        **{key: _plain(value) for key, value in facts.items()},
    }


def record(df: pd.DataFrame) -> dict[str, Any] | None:
    """The provenance of ``df`` with what the frame itself says (coverage, pseudonymisation)."""
    recorded = df.attrs.get("provenance")
    if not isinstance(recorded, Mapping):
        return None
    attrs = df.attrs
    return {
        **recorded,
        "rows": len(df),
        "target": attrs.get("target"),
        "reported_total": attrs.get("reported_total"),
        "coverage": attrs.get("coverage"),
        "coverage_note": attrs.get("coverage_note"),
        "resumed": attrs.get("resumed", recorded.get("resumed")),
        "from_store": attrs.get("from_store"),
        "pseudonymization": _pseudonymization(attrs.get("pseudonymized")),
    }


def pseudonymous_account(account: str) -> str:
    """A stable, keyed token for an account id (the key never leaves this machine)."""
    digest = hmac.new(_installation_key(), account.encode(), hashlib.sha256).hexdigest()
    return "acct-" + digest[:16]


def server_label(client: Any) -> str:
    """Where a client talks to: "sandbox", "production", "test" or "custom host:port"."""
    if type(getattr(client, "_sender", None)).__name__ == "SandboxSender":
        return "sandbox"
    session = getattr(client, "session", None)
    address = getattr(session, "server_address", None)
    port = getattr(session, "port", None)
    if not address:
        return "unknown"
    if address in _TEST_DCS:
        return "test"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return f"custom {address}:{port}"
    if any(ip in network for network in _TELEGRAM_NETWORKS):
        return "production"
    return f"custom {address}:{port}"


def describe(
    frames: Mapping[str, pd.DataFrame] | pd.DataFrame | str | os.PathLike[str],
) -> tuple[str, pd.DataFrame]:
    """A methods paragraph and a table for the frames (or an exported data package).

    Only what the provenance holds is stated; a frame without provenance is
    said to have none.

    >>> text, table = describe({"hand-made": pd.DataFrame({"x": [1]})})
    >>> "no provenance" in text
    True
    """
    if isinstance(frames, str | os.PathLike):
        from tgkit.package import read_package

        frames = read_package(frames)
    if isinstance(frames, pd.DataFrame):
        frames = {"data": frames}
    records = {name: record(df) for name, df in frames.items()}
    sentences = [_sentence(name, frames[name], rec) for name, rec in records.items()]
    rows = [_row(name, frames[name], rec) for name, rec in records.items()]
    return " ".join(sentences), pd.DataFrame(rows)


def show(df: pd.DataFrame) -> Any:
    """A frame's provenance as HTML (an ``IPython.display.HTML`` in a notebook)."""
    rec = record(df)
    if rec is None:
        body = "<p>This frame has no provenance (it was not collected by tgkit).</p>"
    else:
        rows = "".join(
            f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(_shown(v))}</td></tr>"
            for k, v in rec.items()
        )
        body = f"<table>{rows}</table>"
    markup = f"<div class='tgkit-provenance'><b>Provenance</b>{body}</div>"
    try:
        from IPython.display import HTML

        return HTML(markup)
    except ImportError:  # outside IPython: the markup itself
        return markup


# -- helpers ---------------------------------------------------------------------------


def _sentence(name: str, df: pd.DataFrame, rec: Mapping[str, Any] | None) -> str:
    if rec is None:
        return (
            f"The {name} data ({len(df):,} rows) has no provenance: "
            "it was not collected by tgkit."
        )
    parts = [
        f"The {name} data ({rec['rows']:,} rows) was collected with tgkit "
        f"{rec['tool'].get('tgkit')} (Telethon {rec['tool'].get('telethon')}) by the operation "
        f"{rec['operation']!r} from {rec.get('target') or _targets(rec)} on the "
        f"{rec.get('server')} server, between {rec.get('started_at')} and {rec.get('ended_at')}"
    ]
    window = _window(rec.get("parameters", {}))
    if window:
        parts.append(f", covering {window}")
    sentence = "".join(parts) + "."
    if isinstance(rec.get("runs"), int):  # a tracking dataset, grown run after run
        sentence += f" It was collected over {rec['runs']:,} tracking runs."
    if rec.get("coverage") is not None:
        sentence += (
            f" It holds {rec['coverage']:.1%} of the {rec.get('reported_total'):,} "
            "that Telegram reported"
        )
        sentence += f" ({rec['coverage_note']})." if rec.get("coverage_note") else "."
    requests = rec.get("requests") or {}
    if requests:
        total = int(sum(requests.values()))
        sentence += (
            f" It took {total:,} requests, {rec.get('budget_wait_s', 0):g} s waiting on tgkit's "
            f"pacing budgets and {rec.get('flood_wait_s', 0):g} s on Telegram's flood waits."
        )
    if rec.get("resumed"):
        runs = rec.get("earlier_runs") or []
        when = ", ".join(str(run.get("started_at")) for run in runs) or "unrecorded times"
        sentence += (
            f" It resumed the same collection after {len(runs) or 'an'} earlier, interrupted "
            f"run{'s' if len(runs) > 1 else ''} (started {when})."
        )
    pseudo = rec.get("pseudonymization")
    if pseudo:
        sentence += f" Before sharing it was pseudonymised: {pseudo}."
    else:
        sentence += " It was not pseudonymised."
    return sentence


def _row(name: str, df: pd.DataFrame, rec: Mapping[str, Any] | None) -> dict[str, Any]:
    if rec is None:
        return {"data": name, "rows": len(df), "provenance": "none"}
    return {
        "data": name,
        "rows": rec["rows"],
        "operation": rec["operation"],
        "target": rec.get("target") or _targets(rec),
        "server": rec.get("server"),
        "started_at": rec.get("started_at"),
        "ended_at": rec.get("ended_at"),
        "coverage": rec.get("coverage"),
        "requests": int(sum((rec.get("requests") or {}).values())),
        "tgkit": rec["tool"].get("tgkit"),
        "telethon": rec["tool"].get("telethon"),
        "pseudonymised": bool(rec.get("pseudonymization")),
    }


def _targets(rec: Mapping[str, Any]) -> str:
    params = rec.get("parameters", {})
    value = params.get("target", params.get("targets"))
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value) if value is not None else "no named chat"


def _window(params: Mapping[str, Any]) -> str:
    if params.get("days_back") is not None:
        return f"the last {params['days_back']} days before the run"
    if params.get("since") or params.get("until"):
        return f"{params.get('since') or 'the beginning'} to {params.get('until') or 'the run'}"
    return ""


def _pseudonymization(recorded: Any) -> str | None:
    if not isinstance(recorded, Mapping):
        return None
    columns = [*recorded.get("id_columns", []), *recorded.get("username_columns", [])]
    dropped = recorded.get("dropped_columns") or []
    method = recorded.get("method", "HMAC-SHA256")
    said = f"{', '.join(columns) or 'no column'} replaced by keyed tokens ({method})"
    return said + (f", and {', '.join(dropped)} dropped" if dropped else "")


def _versions() -> dict[str, str]:
    import telethon

    import tgkit

    return {
        "tgkit": tgkit.__version__,
        "telethon": telethon.__version__,
        "python": platform.python_version(),
    }


def _installation_key() -> bytes:
    """A random key kept beside the session files (0600), made on first use."""
    from tgkit.credentials import default_session_dir

    path = Path(default_session_dir()).parent / "provenance.key"
    try:
        return bytes.fromhex(path.read_text().strip())
    except (OSError, ValueError):
        pass
    key = secrets.token_bytes(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(key.hex())
    except FileExistsError:
        return bytes.fromhex(path.read_text().strip())
    except OSError:  # a read-only home: a key for this process only
        pass
    return key


def _plain(value: Any) -> Any:
    """A JSON-able form of a checked argument (targets as written, times as ISO text)."""
    display = getattr(value, "display", None)
    if isinstance(display, str):
        return display
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(each) for each in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _shown(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={v}" for k, v in value.items()) or "—"
    return "—" if value is None else str(value)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
