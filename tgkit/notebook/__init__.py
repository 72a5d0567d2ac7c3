"""tgkit in Jupyter: blocking-but-live calls, a dashboard, progress bars.

All Telegram work runs on one process-wide background event loop
(:mod:`tgkit.notebook.loop`); cells wait on it and the stop button cancels
the operation for real. ``loop="kernel"`` (:mod:`tgkit.notebook.kernel_loop`)
is the opt-in alternative on the kernel's own loop.
"""
