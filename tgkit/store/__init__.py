"""The local result store: SQLite (WAL) keeping every page a collection receives.

A page is committed, with the checkpoint after it, before it counts as
collected; items are keyed (members by user id, messages by chat and message
id) so writing a page twice changes nothing. A killed process, a timeout or a
cancel loses nothing, and opening the same collection again resumes it.
The store also keeps each account's flood waits, recent requests and entity
cache across runs.

>>> from tgkit.store import Store, default_store_path
>>> store = Store(default_store_path("/tmp/tgkit-doc"))  # doctest: +SKIP
>>> store.collections()  # doctest: +SKIP
"""

from tgkit.store._paths import DEFAULT_STORE_PATH, default_store_path
from tgkit.store._records import (
    Collection,
    CollectionInUse,
    CollectionStatus,
    EntityRecord,
    StoreError,
)
from tgkit.store._session_file import (
    SessionLock,
    check_session_file_free,
    session_file_corrupt_error,
    session_in_use_error,
)
from tgkit.store._store import Store, check_store_path

__all__ = [
    "DEFAULT_STORE_PATH",
    "Collection",
    "CollectionInUse",
    "CollectionStatus",
    "EntityRecord",
    "SessionLock",
    "Store",
    "StoreError",
    "check_session_file_free",
    "check_store_path",
    "default_store_path",
    "session_file_corrupt_error",
    "session_in_use_error",
]
