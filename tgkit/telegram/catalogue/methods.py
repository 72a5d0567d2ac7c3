"""Operations as methods: one generated method per face and name, with a real signature.

``MethodFace(cls, face, extras, invoke)`` installs, for every operation, a
method on ``cls`` whose ``inspect.signature`` is the operation's parameters
(renamed or fixed by an ``Alias``) followed by the face's own ``extras``
(``priority``, ``background``, ...), and whose docstring is rendered from the
spec for that face. So ``help()``, tab completion and ``?`` in a notebook show
the real parameters, and a face never restates them. Calling the method binds
the arguments (a clear ``TypeError`` for a wrong one), checks them through the
spec, and hands ``(instance, spec, arguments, extras)`` to ``invoke``.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tgkit.telegram.catalogue.spec import Alias, Arguments, OperationSpec, Param
from tgkit.telegram.catalogue.values import optional_priority, optional_seconds

__all__ = ["SCHEDULING", "Extra", "MethodFace", "face_names"]

Invoke = Callable[[Any, OperationSpec, Arguments, dict[str, Any]], Any]

#: The faces whose methods use the session's long names (``scrape_messages``).
LONG_NAMED = frozenset({"session", "manager"})


@dataclass(frozen=True, slots=True)
class Extra:
    """A face's own keyword parameter, after the operation's (``priority``, ``background``).

    ``check(value, name)`` checks (and normalises) a given value before the
    call is handed on, as the operation's own parameters are.
    """

    name: str
    default: Any
    annotation: str
    help: str
    only_for: Callable[[OperationSpec], bool] = lambda spec: True
    check: Callable[[Any, str], Any] | None = None

    def checked(self, value: Any) -> Any:
        return value if self.check is None else self.check(value, self.name)


#: The scheduling options every method-face offers after the operation's own parameters.
SCHEDULING = (
    Extra(
        "priority", None, "int | None", "queue priority (default: the kind's; higher first)",
        check=optional_priority,
    ),
    Extra(
        "timeout", None, "float | timedelta | str | None",
        "longest run (default: SessionConfig's for the kind)", check=optional_seconds,
    ),
    Extra(
        "queue_timeout", None, "float | timedelta | str | None",
        "longest wait in the queue (default: SessionConfig's)", check=optional_seconds,
    ),
)


def face_names(spec: OperationSpec, face: str) -> list[tuple[str, Alias | None]]:
    """The method names ``spec`` has on ``face``: its own name, then its aliases."""
    own = spec.method if face in LONG_NAMED else spec.name
    names: dict[str, Alias | None] = {own: None}
    for alias in spec.aliases:
        if face in alias.faces:
            names[alias.name] = alias  # an alias may refine the operation's own name
    return list(names.items())


class MethodFace:
    """Installs every operation of the catalogue as methods of ``cls`` (see module)."""

    def __init__(
        self,
        cls: type,
        face: str,
        extras: Sequence[Extra],
        invoke: Invoke,
        *,
        example: Callable[[str, str], str],
    ) -> None:
        self.cls = cls
        self.face = face
        self.extras = tuple(extras)
        self.invoke = invoke
        self.example = example

    def install(self, spec: OperationSpec) -> None:
        for name, alias in face_names(spec, self.face):
            setattr(self.cls, name, self._method(spec, name, alias))

    def uninstall(self, spec: OperationSpec) -> None:
        for name, _ in face_names(spec, self.face):
            if name in self.cls.__dict__:
                delattr(self.cls, name)

    def extras_for(self, spec: OperationSpec) -> tuple[Extra, ...]:
        return tuple(extra for extra in self.extras if extra.only_for(spec))

    def _method(self, spec: OperationSpec, name: str, alias: Alias | None) -> Callable[..., Any]:
        fixed = dict(alias.fixed) if alias else {}
        rename = dict(alias.rename) if alias else {}
        params = [p for p in spec.params if p.name not in fixed]
        extras = self.extras_for(spec)
        signature = _signature(params, rename, extras)
        invoke = self.invoke

        def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            __tracebackhide__ = True
            try:
                bound = signature.bind(self, *args, **kwargs)
            except TypeError as error:
                raise TypeError(f"{name}(): {error}") from None
            bound.apply_defaults()
            given = dict(bound.arguments)
            given.pop("self")
            values = {p.name: given[rename.get(p.name, p.name)] for p in params}
            checked = spec.check(**values, **fixed)
            options = {extra.name: extra.checked(given.pop(extra.name)) for extra in extras}
            return invoke(self, spec, checked, options)

        method.__name__ = name
        method.__qualname__ = f"{self.cls.__name__}.{name}"
        method.__module__ = self.cls.__module__
        method.__signature__ = signature  # type: ignore[attr-defined]
        method.__doc__ = self._doc(spec, name, params, rename, extras, alias)
        return method

    def _doc(
        self,
        spec: OperationSpec,
        name: str,
        params: list[Param],
        rename: dict[str, str],
        extras: tuple[Extra, ...],
        alias: Alias | None,
    ) -> str:
        lines = [spec.summary, ""]
        others = [n for n, _ in face_names(spec, self.face) if n != name]
        if alias is not None and alias.fixed:
            fixed = ", ".join(f"{k}={v!r}" for k, v in alias.fixed.items())
            lines += [f"The operation ``{spec.name}`` with {fixed}."]
        if others:
            lines += ["The same operation: " + ", ".join(f"``{n}``" for n in others) + "."]
        if lines[-1]:
            lines.append("")
        if spec.details:
            lines += [*textwrap.wrap(spec.details, 88), ""]
        lines.append("Parameters:")
        for param in params:
            lines.append(_param_line(rename.get(param.name, param.name), param))
        for extra in extras:
            lines.append(f"    {extra.name} (default {extra.default!r}): {extra.help}")
        call = _example_call(spec, rename, alias)
        lines += ["", "Example::", "", "    " + self.example(name, call), ""]
        return "\n".join(lines)


def _signature(
    params: list[Param], rename: dict[str, str], extras: tuple[Extra, ...]
) -> inspect.Signature:
    own = [
        inspect.Parameter(
            rename.get(p.name, p.name),
            inspect.Parameter.POSITIONAL_OR_KEYWORD
            if p.positional
            else inspect.Parameter.KEYWORD_ONLY,
            default=inspect.Parameter.empty if p.required else p.default,
            annotation=p.annotation(),
        )
        for p in params
    ]
    more = [
        inspect.Parameter(
            e.name, inspect.Parameter.KEYWORD_ONLY, default=e.default, annotation=e.annotation
        )
        for e in extras
    ]
    this = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return inspect.Signature([this, *own, *more])


def _param_line(name: str, param: Param) -> str:
    default = "required" if param.required else f"default {param.default!r}"
    return f"    {name} ({param.annotation()}, {default}): {param.help} [{param.kind.describe}]"


def _example_call(spec: OperationSpec, rename: dict[str, str], alias: Alias | None) -> str:
    fixed = alias.fixed if alias else {}
    args = [repr(value) for value in spec.example]
    args += [
        f"{rename.get(k, k)}={v!r}" for k, v in spec.example_options.items() if k not in fixed
    ]
    return ", ".join(args)
