"""The error a request handler raises: Telegram's code and message.

The sender turns it into Telethon's own error class with
``telethon.errors.rpc_message_to_error``, exactly as for a real server.

    >>> RpcFailure.of("CHANNEL_PRIVATE").code
    400
"""

from __future__ import annotations

import re

from telethon import errors

__all__ = ["RpcFailure", "error_message"]


class RpcFailure(Exception):
    """A Telegram RPC error such as ``400 CHANNEL_PRIVATE`` or ``420 FLOOD_WAIT_30``."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message

    @classmethod
    def of(cls, message: str) -> RpcFailure:
        """The failure for a Telegram error message, with the code Telethon expects for it."""
        error_class = errors.rpc_errors_dict.get(message)
        if error_class is None:
            for pattern, candidate in errors.rpc_errors_re:
                if re.fullmatch(pattern, message):
                    error_class = candidate
                    break
        code = getattr(error_class, "code", None) or 400
        return cls(code, message)


_MESSAGE_BY_CLASS = {cls: message for message, cls in errors.rpc_errors_dict.items()}
_PATTERN_BY_CLASS = {cls: pattern for pattern, cls in errors.rpc_errors_re}


def error_message(error: type[errors.RPCError] | errors.RPCError | str) -> str:
    """Telegram's message for a Telethon error class, instance or message string.

    >>> error_message(errors.ChannelPrivateError)
    'CHANNEL_PRIVATE'
    >>> error_message(errors.FloodWaitError(None, capture=30))
    'FLOOD_WAIT_30'
    """
    if isinstance(error, str):
        return error
    cls = error if isinstance(error, type) else type(error)
    if cls in _MESSAGE_BY_CLASS:
        return _MESSAGE_BY_CLASS[cls]
    if cls in _PATTERN_BY_CLASS:
        value = getattr(error, "seconds", None) if not isinstance(error, type) else None
        if value is None and not isinstance(error, type):
            value = getattr(error, "new_dc", None)
        if value is None:
            raise ValueError(
                f"{cls.__name__} needs a value: pass an instance, "
                f"e.g. {cls.__name__}(None, capture=30)"
            )
        return re.sub(r"\(\\d\+\)", str(value), _PATTERN_BY_CLASS[cls])
    message = getattr(error, "message", None)
    if isinstance(message, str):
        return message
    raise ValueError(
        f"cannot tell which Telegram error {cls.__name__} is; "
        "pass its message, e.g. 'CHANNEL_PRIVATE'"
    )
