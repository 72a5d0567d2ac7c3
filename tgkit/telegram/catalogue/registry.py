"""The catalogue: every operation's spec, and the faces that serve them.

A face (``TelegramSession``, ``SessionManager``, the notebook facade) joins
with ``CATALOGUE.serve(face)`` and is given every operation registered
before or after it joined; the ``tgkit`` command reads the catalogue when it
builds its parser. So adding an operation is registering its spec::

    CATALOGUE.register(COUNT_MESSAGES)        # now on every face
    with CATALOGUE.adding(COUNT_MESSAGES):    # or only inside a block (tests)
        ...
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from tgkit.telegram.catalogue.spec import OperationSpec

__all__ = ["CATALOGUE", "Catalogue", "Face"]


class Face(Protocol):
    """Something that shows operations (as methods, commands, ...)."""

    def install(self, spec: OperationSpec) -> None: ...

    def uninstall(self, spec: OperationSpec) -> None: ...


class Catalogue:
    """The registered operations, by name, in the order registered."""

    def __init__(self) -> None:
        self._specs: dict[str, OperationSpec] = {}
        self._faces: list[Face] = []

    def __iter__(self) -> Iterator[OperationSpec]:
        return iter(list(self._specs.values()))

    def __len__(self) -> int:
        return len(self._specs)

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def get(self, name: str) -> OperationSpec:
        """The operation called ``name`` (its notebook/command-line name)."""
        try:
            return self._specs[name]
        except KeyError:
            known = ", ".join(self._specs)
            raise ValueError(f"no operation named {name!r} (operations: {known})") from None

    def register(self, spec: OperationSpec) -> OperationSpec:
        """Add ``spec``; every face shows it from now on. Names must be new."""
        taken = {name for each in self._specs.values() for name in _names(each)}
        clash = taken & set(_names(spec))
        if clash:
            raise ValueError(f"operation {spec.name!r}: the name(s) {sorted(clash)} are taken")
        self._specs[spec.name] = spec
        for face in self._faces:
            face.install(spec)
        return spec

    def unregister(self, name: str) -> None:
        """Remove an operation from the catalogue and every face."""
        spec = self._specs.pop(name)
        for face in self._faces:
            face.uninstall(spec)

    @contextmanager
    def adding(self, spec: OperationSpec) -> Iterator[OperationSpec]:
        """Register ``spec`` for the length of a ``with`` block."""
        self.register(spec)
        try:
            yield spec
        finally:
            self.unregister(spec.name)

    def serve(self, face: Face) -> None:
        """Show every operation, present and future, on ``face``."""
        self._faces.append(face)
        for spec in self._specs.values():
            face.install(spec)


def _names(spec: OperationSpec) -> tuple[str, ...]:
    return (spec.name, spec.method, *(alias.name for alias in spec.aliases))


#: The one catalogue tgkit's faces serve.
CATALOGUE = Catalogue()
