"""tgkit: collect Telegram data for research from Jupyter notebooks.

In a notebook::

    import tgkit
    tg = tgkit.connect(sandbox=True)        # or connect("me") with TG_API_ID / TG_API_HASH set
    members = tg.members("@big_public_group")
    tg.dashboard()

In async code::

    async with tgkit.TelegramSession("me", api_id, api_hash) as session:
        members = await session.scrape_group_members("@some_group")

The public surface is what this module names; everything else may change.
"""

from __future__ import annotations

import importlib
from typing import Any

from tgkit import errors
from tgkit.core import (
    OperationHandle,
    OperationKind,
    OperationState,
    Scheduler,
)
from tgkit.errors import TgkitError
from tgkit.telegram.settings import SessionConfig

__version__ = "0.1.0"

# Heavier layers load on first use, so `import tgkit` and the CLI stay quick.
_LAZY = {
    "TelegramSession": "tgkit.session",
    "SessionManager": "tgkit.manager",
    "ManagerLimits": "tgkit.manager",
    "Store": "tgkit.store",
    "connect": "tgkit.notebook",
    "doctor": "tgkit.diagnose",
    "parse_target": "tgkit.telegram.targets",
    "export": "tgkit.export",
    "privacy": "tgkit.privacy",
    "frames": "tgkit.frames",
    "sandbox": "tgkit.sandbox",
}

__all__ = [
    "OperationHandle",
    "OperationKind",
    "OperationState",
    "Scheduler",
    "SessionConfig",
    "TgkitError",
    "__version__",
    "errors",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'tgkit' has no attribute {name!r}")
    module = importlib.import_module(module_name)
    value = module if module_name.rsplit(".", 1)[-1] == name else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
