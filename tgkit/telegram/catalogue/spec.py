"""One operation, defined once: ``OperationSpec`` and its ``Param``s.

A spec says what an operation is called, what it takes (names, kinds of
value, defaults, units, checks), what it returns, how its progress counts and
the Telegram steps it runs. ``TelegramSession``, ``SessionManager``, the
notebook facade and the ``tgkit`` command read it; none of them restates it.

``spec.check(**arguments)`` binds and checks a call's arguments once,
before anything is queued or sent, and returns ``Arguments``: the checked,
normalised values (a duration in seconds, a target parsed), which the steps
and the faces use from then on. A toy operation::

    >>> from tgkit.telegram.catalogue import DAYS, TARGET
    >>> async def count(ctx, args, live):
    ...     return args["days_back"]
    >>> spec = OperationSpec(
    ...     name="count_messages", kind=OperationKind.SCRAPE, frame=None, unit="messages",
    ...     summary="Count the messages of a chat.",
    ...     params=(Param("target", TARGET, help="the chat", positional=True),
    ...             Param("days_back", DAYS, default=7, help="how far back")),
    ...     run=count, example=("@group",))
    >>> args = spec.check("@group", days_back="36h")
    >>> args["days_back"], args["target"].display
    (1.5, '@group')
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from tgkit.core import OperationKind
from tgkit.telegram.catalogue.values import ValueKind
from tgkit.telegram.targets import Target

__all__ = ["REQUIRED", "Alias", "Arguments", "OperationSpec", "Param"]


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


#: The default of a parameter that has none.
REQUIRED: Any = _Required()


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter: its name, kind of value, default and one line of help.

    ``optional``: None is accepted (and means "no limit"/"not set");
    ``positional``: callers may pass it by position (else keyword-only);
    ``cli``: the command line offers it (a callback cannot be typed);
    ``flags``: its command-line spellings (default ``--name-with-dashes``,
    ``--no-name`` for a flag that defaults to True).
    """

    name: str
    kind: ValueKind
    default: Any = REQUIRED
    help: str = ""
    optional: bool = False
    positional: bool = False
    cli: bool = True
    flags: tuple[str, ...] = ()

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def check(self, value: Any) -> Any:
        if value is None and (self.optional or self.default is None):
            return None
        return self.kind.check(value, self.name)

    def annotation(self) -> str:
        text = self.kind.annotation
        return f"{text} | None" if self.optional or self.default is None else text

    def cli_flags(self) -> tuple[str, ...]:
        if self.flags:
            return self.flags
        dashed = self.name.replace("_", "-")
        if self.kind.name == "flag" and self.default is True:
            return (f"--no-{dashed}",)
        return (f"--{dashed}",)


@dataclass(frozen=True, slots=True)
class Alias:
    """Another name for an operation on some faces, with arguments fixed or renamed.

    ``rename`` maps the spec's parameter name to the alias's (the seed
    methods say ``group_identifier`` for ``target``); ``fixed`` parameters
    are not offered and take the given value.
    """

    name: str
    faces: frozenset[str]
    fixed: Mapping[str, Any] = field(default_factory=dict)
    rename: Mapping[str, str] = field(default_factory=dict)


class Arguments(Mapping[str, Any]):
    """A call's checked arguments, by parameter name (a read-only mapping)."""

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = dict(values)

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={_shown(v)}" for k, v in self._values.items())
        return f"Arguments({shown})"

    @property
    def target(self) -> Target | None:
        """The operation's one target (or the first of its targets), if it has one."""
        value = self._values.get("target", self._values.get("targets"))
        if isinstance(value, tuple):
            return value[0] if value else None
        return value if isinstance(value, Target) else None

    def key(self) -> tuple[Any, ...]:
        """What identifies the call's result: every argument, targets by their key."""
        return tuple(
            (name, _keyed(value)) for name, value in self._values.items() if not callable(value)
        )


def _shown(value: Any) -> str:
    if isinstance(value, Target):
        return value.display
    if isinstance(value, tuple) and value and isinstance(value[0], Target):
        return "[" + ", ".join(t.display for t in value) + "]"
    return repr(value)


def _keyed(value: Any) -> Any:
    if isinstance(value, Target):
        return value.key
    if isinstance(value, tuple):
        return tuple(_keyed(each) for each in value)
    return repr(value)


Steps = Callable[[Any, Arguments, Any], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class OperationSpec:
    """The one definition of an operation (see the module docstring).

    ``name``: the notebook's and the command line's name; ``method``: the
    session's and the manager's (default ``name``). ``run(ctx, args, live)``
    is the steps, given the session's ``TelegramContext``, the checked
    arguments and the live state (``live_state(args)``, None for most
    operations). ``live_handle(live, handle)`` wraps the scheduler's handle
    for operations whose result grows while they run (a monitor): they return
    at once on every face. ``validate(args)`` checks what spans parameters.
    ``requests``: the Telegram request types it needs (the manager avoids a
    session in a flood wait on one). ``exclusive``: one at a time per target
    across a manager's sessions, and identical calls join. ``least_timeout``:
    the run timeout it needs at least when the caller gave none.
    ``example``/``example_options``: the positional and keyword arguments of
    a typical call, rendered for each face's docstring. ``describe(args)``:
    the queue label when ``name target`` is not the right one.
    ``spread(manager, args, options, handle)``: for an operation made of
    per-chat units, how a ``SessionManager`` runs it (the units over its
    sessions, reporting each ended unit to ``handle``, a
    ``tgkit.manager.spread.SpreadHandle``); a coroutine of the result.
    Without it a manager runs the operation on one session.
    """

    name: str
    kind: OperationKind
    summary: str
    params: tuple[Param, ...]
    run: Steps
    frame: str | None
    unit: str
    details: str = ""
    method: str = ""
    aliases: tuple[Alias, ...] = ()
    validate: Callable[[Arguments], object] | None = None
    live_state: Callable[[Arguments], Any] | None = None
    live_handle: Callable[[Any, Any], Any] | None = None
    requests: frozenset[str] | Callable[[Arguments], frozenset[str]] = frozenset()
    exclusive: bool = True
    least_timeout: Callable[[Arguments], float | None] | None = None
    cli: bool = True
    example: tuple[Any, ...] = ()
    example_options: Mapping[str, Any] = field(default_factory=dict)
    #: The named frames of a result that is not one frame (it has ``frames()``,
    #: e.g. discover's nodes and edges): the command line writes each into ``-o DIR``.
    frames: tuple[str, ...] = ()
    describe: Callable[[Arguments], str] | None = None
    spread: Callable[[Any, Arguments, dict[str, Any], Any], Coroutine[Any, Any, Any]] | None = None

    def __post_init__(self) -> None:
        if not self.method:
            object.__setattr__(self, "method", self.name)
        names = [p.name for p in self.params]
        if len(set(names)) != len(names):
            raise ValueError(f"operation {self.name!r} names a parameter twice: {names}")

    def __repr__(self) -> str:
        return f"<OperationSpec {self.name} ({self.kind.name})>"

    @property
    def live(self) -> bool:
        """True when the operation returns at once with a handle whose rows grow."""
        return self.live_handle is not None

    def param(self, name: str) -> Param:
        for param in self.params:
            if param.name == name:
                return param
        raise KeyError(f"operation {self.name!r} has no parameter {name!r}")

    def signature(self) -> inspect.Signature:
        """The operation's own parameters as a Python signature."""
        return inspect.Signature([_parameter(p) for p in self.params])

    def check(self, *args: Any, **kwargs: Any) -> Arguments:
        """Bind a call's arguments and check each, before anything is queued or sent."""
        try:
            bound = self.signature().bind(*args, **kwargs)
        except TypeError as error:
            raise TypeError(f"{self.name}(): {error}") from None
        bound.apply_defaults()
        values = {p.name: p.check(bound.arguments[p.name]) for p in self.params}
        checked = Arguments(values)
        if self.validate is not None:
            self.validate(checked)
        return checked

    def request_types(self, args: Arguments) -> frozenset[str]:
        """The Telegram request types a call needs."""
        return self.requests(args) if callable(self.requests) else self.requests

    def label(self, args: Arguments) -> str:
        """What the queue shows for a call: the name and its target(s)."""
        if self.describe is not None:
            return self.describe(args)
        value = args.get("target", args.get("targets"))
        if isinstance(value, Target):
            return f"{self.name} {value.display}"
        if isinstance(value, tuple):
            return f"{self.name} " + ", ".join(t.display for t in value)
        return self.name


def _parameter(param: Param) -> inspect.Parameter:
    kind = (
        inspect.Parameter.POSITIONAL_OR_KEYWORD
        if param.positional
        else inspect.Parameter.KEYWORD_ONLY
    )
    default = inspect.Parameter.empty if param.required else param.default
    return inspect.Parameter(param.name, kind, default=default, annotation=param.annotation())
