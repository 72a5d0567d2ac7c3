"""A plain script using tgkit's blocking calls (no kernel, no event loop of its own).

With ``--interrupt`` the script sends itself SIGINT during a long scrape, as
Ctrl-C in a terminal would, and reports what state that left behind. Exits
without closing the session: tgkit must disconnect at interpreter exit
without hanging.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading

import tgkit

tg = tgkit.connect(sandbox=True)
seen: dict[str, object] = {"members": len(tg.members("@small_group", progress=False))}
if "--interrupt" in sys.argv:
    threading.Timer(0.3, os.kill, args=(os.getpid(), signal.SIGINT)).start()
    try:
        tg.members("@big_public_group", progress=False)
        seen["interrupt"] = "not raised"
    except KeyboardInterrupt:
        seen["interrupt"] = "raised"
    seen["states"] = list(tg.history["state"])
    seen["queue_empty"] = bool(tg.queue.empty)
    seen["next"] = len(tg.messages("@small_group", limit=5, progress=False))
print(json.dumps(seen), flush=True)
