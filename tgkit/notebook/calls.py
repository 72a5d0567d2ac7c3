"""What every notebook facade shares: catalogue methods that block but stay live.

A notebook facade (:class:`~tgkit.notebook.facade.Notebook` over one
session, :class:`~tgkit.notebook.pool.Pool` over a ``SessionManager``) is a
:class:`LiveCalls` with a *backend*: anything with ``submit(spec, args,
priority=, timeout=, queue_timeout=)`` and ``cancel(op_id)`` living on the
facade's runner loop. ``serve_notebook(cls)`` gives ``cls`` every operation of
the catalogue as a method, with the operation's own parameters followed by
``priority``, ``timeout``, ``queue_timeout``, ``background`` and
``progress``; so an operation registered later appears on every facade.

Each call hops to the loop to submit (bad input raises in the cell before
any request), then blocks with a progress bar while the loop keeps the
dashboard and monitors running; Ctrl-C (the stop button) cancels the
operation and waits until it has really ended; ``background=True`` returns
a :class:`~tgkit.notebook.jobs.Job` at once; a live operation (monitor)
returns a :class:`~tgkit.notebook.monitor.Monitor` at once::

    class Facade(LiveCalls):
        def _backend(self): return self.session
    serve_notebook(Facade)
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import TYPE_CHECKING, Any

from tgkit.core import OperationHandle
from tgkit.notebook.jobs import Job, start
from tgkit.notebook.loop import Runner
from tgkit.notebook.monitor import Monitor
from tgkit.telegram.catalogue import (
    SCHEDULING,
    Arguments,
    Extra,
    MethodFace,
    OperationSpec,
    check_flag,
)
from tgkit.telegram.operations import CATALOGUE

__all__ = ["LiveCalls", "serve_notebook"]


async def _call(fn: Callable[[], Any]) -> Any:
    return fn()


class LiveCalls:
    """The blocking-but-live call machinery of a notebook facade (see module).

    Subclasses set ``runner`` and ``_closed`` and define ``_backend()``,
    ``name``, ``dashboard()`` and ``close()``; ``_what`` names the facade in
    errors ("session", "pool").
    """

    runner: Runner
    _closed: bool = False
    #: The last operation started here (a Job or a Monitor), or None: after a stop,
    #: ``tg.last.partial`` has the rows it had gathered.
    last: Job[Any] | None = None
    _what = "session"

    if TYPE_CHECKING:  # the operation methods are generated from the catalogue

        def __getattr__(self, name: str) -> Any: ...

        @property
        def name(self) -> str: ...

        def dashboard(self) -> Any: ...

        def close(self) -> None: ...

    def _backend(self) -> Any:
        """Where operations go: a ``TelegramSession`` or a ``SessionManager``."""
        raise NotImplementedError

    @property
    def closed(self) -> bool:
        """True after ``close()``."""
        return self._closed

    def submit(self, spec: OperationSpec, args: Arguments, **options: Any) -> Any:
        """Run a checked call (``spec.check``) as the generated methods do."""
        background = options.pop("background", False)
        progress = options.pop("progress", False)
        self._check_open()
        backend = self._backend()
        if spec.live:

            async def submit_live() -> Any:
                return backend.submit(spec, args, **options)

            self.last = Monitor(self.runner.run(submit_live()), self.runner)
            return self.last
        return self._run(
            lambda: backend.submit(spec, args, **options),
            background=background,
            progress=progress,
            unit=spec.unit,
        )

    def _run(
        self,
        submit: Callable[[], OperationHandle],
        *,
        background: bool,
        progress: bool,
        unit: str,
    ) -> Any:
        __tracebackhide__ = True
        if not isinstance(background, bool):
            raise TypeError(f"background must be True or False, got {background!r}")
        self._check_open()
        job = None
        try:
            resumable = getattr(self._backend(), "store", None) is not None
            job = start(self.runner, submit, unit=unit, resumable=resumable)
            self.last = job
            return job if background else job.result(progress=progress)
        except KeyboardInterrupt:
            # Also when Ctrl-C lands between submitting and waiting: never leave it running.
            if job is not None:
                job.interrupt()
            raise

    def cancel(self, op_id: str) -> bool:
        """Cancel a queued or running operation by id (as shown in ``queue``); False if none.

        The call waiting for it raises ``tgkit.errors.Cancelled`` (``by="handle"``).

        Example::

            tg.cancel("op-7")
        """
        if not isinstance(op_id, str):
            raise TypeError(f"op_id must be an operation id such as 'op-7', got {op_id!r}")
        backend = self._backend()
        return bool(self._on_loop(lambda: backend.cancel(op_id, "handle")))

    def _on_loop(self, fn: Callable[[], Any]) -> Any:
        self._check_open()
        return self.runner.run(_call(fn))

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError(
                f"the {self._what} {self.name!r} is closed; run tgkit.connect(...) again"
            )

    def _ipython_display_(self) -> None:
        from IPython.display import display

        dashboard = None if self._closed else self.dashboard()
        if dashboard is not None and hasattr(dashboard, "_ipython_display_"):
            dashboard._ipython_display_()
        else:
            display(self._repr_mimebundle_(), raw=True)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        if self._closed:
            return {"text/plain": repr(self)}
        bundle: dict[str, Any] = self.dashboard()._repr_mimebundle_(**kwargs)
        return bundle

    def _repr_html_(self) -> str:
        if self._closed:
            return f"<p>{escape(repr(self))}</p>"
        html: str = self.dashboard().to_html()
        return html

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _returns_frame(spec: OperationSpec) -> bool:
    return spec.frame is not None and not spec.live


#: The options every notebook facade's methods take after the operation's own.
NOTEBOOK_OPTIONS = (
    *SCHEDULING,
    Extra(
        "background", False, "bool", "return a Job at once instead of waiting",
        only_for=lambda spec: not spec.live, check=check_flag,
    ),
    Extra(
        "progress", True, "bool", "show a progress bar while waiting", only_for=_returns_frame,
        check=check_flag,
    ),
)


def _invoke(facade: LiveCalls, spec: OperationSpec, args: Arguments, options: Any) -> Any:
    __tracebackhide__ = True
    return facade.submit(spec, args, **options)


def serve_notebook(cls: type[LiveCalls], *, variable: str = "tg") -> None:
    """Give ``cls`` every catalogue operation, present and future, as a notebook method."""
    CATALOGUE.serve(
        MethodFace(
            cls,
            "notebook",
            NOTEBOOK_OPTIONS,
            _invoke,
            example=lambda name, call: f"result = {variable}.{name}({call})",
        )
    )
