"""Progress bars (``tqdm.auto``) for blocking calls, fed from operation progress events.

Shared by the notebook layer and the ``tgkit`` command. In a notebook,
operations report progress on tgkit's background loop while the cell that
waits for them is on the kernel's thread. A :class:`ProgressBar` takes events from
the loop (:meth:`~ProgressBar.feed`, thread-safe, cheap) and draws them from
the waiting thread (:meth:`~ProgressBar.draw`, called about ten times a
second), so the bar appears in the cell that made the call, as a widget in
Jupyter and as text in a terminal::

    bar = ProgressBar("members @big_group", unit="members")
    bar.feed(200, 25_000)      # from the loop thread, on a progress event
    bar.draw()                 # from the waiting thread
    bar.close()

No bar is drawn until the operation reports progress, so quick calls stay
quiet. The first progress seen is the bar's starting point (``initial``): a
resumed job starts at the rows it restored from the store, and the rate
counts only what this run fetched. ``close(found=...)`` ends a successful call
with a green bar that says what was found (a scrape that found 98 % of a
group's reported total succeeded: tqdm alone would colour it red).
"""

from __future__ import annotations

from typing import Any

from tqdm.auto import tqdm

__all__ = ["ProgressBar"]


class ProgressBar:
    """One operation's progress, drawn with ``tqdm.auto`` from the caller's thread."""

    def __init__(self, label: str, *, unit: str = "it", enabled: bool = True) -> None:
        self.label = label
        self.unit = unit
        self.enabled = enabled
        # One tuple, replaced whole: atomic without a lock (and a lock here could
        # be left held by a Ctrl-C landing inside it).
        self._latest: tuple[int, int | None] | None = None
        self._bar: Any = None

    def __repr__(self) -> str:
        return f"<ProgressBar {self.label!r} {self._latest}>"

    @property
    def latest(self) -> tuple[int, int | None] | None:
        """The last (done, total) fed, or None before any progress."""
        return self._latest

    def feed(self, done: int, total: int | None) -> None:
        """Record the operation's latest progress; safe from any thread."""
        self._latest = (done, total)

    def draw(self) -> None:
        """Bring the bar up to the latest progress (call from the waiting thread)."""
        latest = self.latest
        if latest is None or not self.enabled:
            return
        done, total = latest
        if self._bar is None:
            self._bar = tqdm(
                total=total, desc=self.label, unit=self.unit, leave=True, initial=done
            )
        if total is not None and self._bar.total != total:
            self._bar.total = total
            self._bar.refresh()
        if done != self._bar.n:
            self._bar.update(done - self._bar.n)  # update(), not n=, keeps the rate honest

    def close(self, found: str | None = None) -> None:
        """Draw the final state and close the bar.

        ``found`` (on success): what was found, e.g. "24,541 of 25,003 members,
        98.2 %; 462 unreachable: hidden"; the bar is then green even short of its total.
        """
        self.draw()
        bar, self._bar = self._bar, None
        if bar is None:
            return
        if found is not None:
            bar.set_postfix_str(found, refresh=False)
        bar.close()
        if found is not None:
            _mark_success(bar)


def _mark_success(bar: Any) -> None:
    """tqdm.notebook colours a bar closed below its total 'danger': make it 'success'."""
    container = getattr(bar, "container", None)
    for child in getattr(container, "children", ()):
        if hasattr(child, "bar_style"):
            child.bar_style = "success"
