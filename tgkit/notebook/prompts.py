"""Asking for login secrets in the cell's thread while the login runs on tgkit's loop.

Telethon's login runs on tgkit's background loop, but ``getpass`` must run in
the thread of the cell that is waiting (that is where Jupyter can show its
password box). A :class:`CellPrompts` hands each question from the loop to
the waiting cell: the login awaits :meth:`prompt` callbacks, and the cell's
wait loop calls :meth:`answer_pending` every tick::

    prompts = CellPrompts(runner.loop)
    call = runner.spawn(session.login(phone, prompts.prompt("Login code: ")))
    runner.wait(call, tick=prompts.answer_pending)

Answers are read with ``getpass`` (never echoed, never kept in the
notebook's output) and passed straight to the login.
"""

from __future__ import annotations

import asyncio
import getpass
import queue
from collections.abc import Awaitable, Callable

__all__ = ["CellPrompts"]


class CellPrompts:
    """Questions asked on the loop, answered with ``getpass`` in the waiting thread."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, ask: Callable[[str], str] | None = None
    ) -> None:
        self._loop = loop
        self._ask = ask if ask is not None else getpass.getpass
        self._pending: queue.SimpleQueue[tuple[str, asyncio.Future[str]]] = queue.SimpleQueue()

    def prompt(self, question: str) -> Callable[[], Awaitable[str]]:
        """An async callback for ``login()`` that asks ``question`` in the waiting cell."""

        async def ask_in_cell() -> str:
            answer: asyncio.Future[str] = asyncio.get_running_loop().create_future()
            self._pending.put((question, answer))
            return await answer

        return ask_in_cell

    def answer_pending(self) -> None:
        """Ask every pending question now (call from the waiting thread)."""
        while True:
            try:
                question, answer = self._pending.get_nowait()
            except queue.Empty:
                return
            try:
                text = self._ask(question)
            except BaseException as error:  # e.g. Ctrl-C at the prompt
                self._loop.call_soon_threadsafe(_fail, answer, error)
                raise
            self._loop.call_soon_threadsafe(_settle, answer, text)


def _settle(answer: asyncio.Future[str], text: str) -> None:
    if not answer.done():
        answer.set_result(text)


def _fail(answer: asyncio.Future[str], error: BaseException) -> None:
    if not answer.done():
        answer.set_exception(
            error if isinstance(error, Exception) else asyncio.CancelledError("prompt interrupted")
        )
