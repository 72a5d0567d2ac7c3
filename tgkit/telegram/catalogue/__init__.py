"""The catalogue of operations: each operation defined once, every face derived from it.

- ``values``: the kinds of parameter value (target, count, days, duration, ...),
  how each is checked, typed, documented and read from a command line;
- ``spec``: ``OperationSpec`` and ``Param``, one operation's definition;
- ``registry``: ``CATALOGUE``, the registered operations and the faces serving them;
- ``methods``: operations as generated methods with real signatures and docstrings.

The built-in operations register in ``tgkit.telegram.operations``; each is
defined beside its steps (``tgkit.telegram.members.MEMBERS``, ...).
"""

from tgkit.telegram.catalogue.methods import SCHEDULING, Extra, MethodFace, face_names
from tgkit.telegram.catalogue.registry import CATALOGUE, Catalogue, Face
from tgkit.telegram.catalogue.spec import REQUIRED, Alias, Arguments, OperationSpec, Param
from tgkit.telegram.catalogue.values import (
    CALLBACK,
    COUNT,
    DATETIME,
    DAYS,
    DURATION,
    FLAG,
    IDS,
    POSITIVE,
    SINCE,
    TARGET,
    TARGETS,
    TEXT,
    ValueKind,
    check_flag,
    optional_priority,
    optional_seconds,
    whole_range,
)

__all__ = [
    "CALLBACK",
    "CATALOGUE",
    "COUNT",
    "DATETIME",
    "DAYS",
    "DURATION",
    "FLAG",
    "IDS",
    "POSITIVE",
    "REQUIRED",
    "SCHEDULING",
    "SINCE",
    "TARGET",
    "TARGETS",
    "TEXT",
    "Alias",
    "Arguments",
    "Catalogue",
    "Extra",
    "Face",
    "MethodFace",
    "OperationSpec",
    "Param",
    "ValueKind",
    "check_flag",
    "face_names",
    "optional_priority",
    "optional_seconds",
    "whole_range",
]
