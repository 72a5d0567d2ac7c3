"""Pages of plain values as pickle bytes, read back without running any code.

Writing a page as JSON costs about three times what ``pickle`` costs for the
same lists of numbers, texts, booleans and None, and reading it back costs
more still. So a page whose columns hold only such plain values (UTC dates
already turned into numbers by :mod:`_pages`) is stored as pickle bytes. Only
plain values go in, and :func:`loads` refuses every class a pickle may name,
so a store file from elsewhere can make reading fail but can never run code.

>>> loads(dumps({"rows": 1, "columns": {"user_id": [7]}}))
{'rows': 1, 'columns': {'user_id': [7]}}
"""

from __future__ import annotations

import io
import pickle
from typing import Any

from tgkit.store._records import StoreError

#: The types whose values (and lists and dicts of them) a plain page holds.
PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})


def dumps(value: Any) -> bytes:
    """``value`` (plain values in lists and dicts only) as pickle bytes."""
    return pickle.dumps(value, protocol=5)


class _PlainUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"it names {module}.{name}, and a page holds plain values")


def loads(data: bytes) -> Any:
    """The value :func:`dumps` wrote; raises ``StoreError`` for anything that names a class
    or function (nothing is imported or called) or is not a whole pickle."""
    try:
        return _PlainUnpickler(io.BytesIO(data)).load()
    except Exception as exc:
        raise StoreError(
            f"A stored page cannot be read ({exc}): the store is damaged or was not "
            "written by tgkit. Collect again into a new store."
        ) from None
