"""Per-account access hashes, as Telegram issues them.

Telegram gives each account its own ``access_hash`` for every user and
channel it can see; a hash seen by one account does not work for another.
The sandbox derives them from the world's seed, the viewing account and the
peer, so they are stable for a seed and cost nothing to store.

    >>> hashes = AccessHashes(seed=0)
    >>> hashes.of(viewer_id=1, peer_id=2) == hashes.of(1, 2) != hashes.of(3, 2)
    True
"""

from __future__ import annotations

__all__ = ["AccessHashes"]

_MASK = (1 << 64) - 1


def _mix(value: int) -> int:
    """splitmix64's finaliser: a cheap, well-spread 64-bit hash."""
    value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9 & _MASK
    value = (value ^ (value >> 27)) * 0x94D049BB133111EB & _MASK
    return value ^ (value >> 31)


class AccessHashes:
    """The access hash a viewing account holds for a peer."""

    __slots__ = ("_salt",)

    def __init__(self, seed: int) -> None:
        self._salt = _mix((seed * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) & _MASK)

    def of(self, viewer_id: int, peer_id: int) -> int:
        """A signed 64-bit hash, never 0 (0 means "no hash" to Telegram)."""
        value = _mix((viewer_id * 0x9E3779B97F4A7C15 ^ peer_id ^ self._salt) & _MASK) or 1
        return value - (1 << 64) if value >= 1 << 63 else value
