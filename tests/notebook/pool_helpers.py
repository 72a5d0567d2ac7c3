"""A toy operation for the pool tests: it holds its account until cancelled (or for ``seconds``)."""

from __future__ import annotations

import asyncio
from typing import Any

from tgkit.core import OperationKind, current_operation
from tgkit.telegram.catalogue import DURATION, TARGET, Arguments, OperationSpec, Param


async def _hold(ctx: Any, args: Arguments, live: None) -> int:
    operation = current_operation()
    if operation is not None:
        operation.report_progress(1, 10)
    await asyncio.sleep(float(args["seconds"]))
    return 1


HOLD = OperationSpec(
    name="hold_account",
    kind=OperationKind.SCRAPE,
    summary="Hold an account for a while (a test operation).",
    params=(
        Param("target", TARGET, positional=True, help="what it is about"),
        Param("seconds", DURATION, 3600, "how long it holds the account"),
    ),
    run=_hold,
    frame=None,
    unit="steps",
    example=("@small_group",),
    cli=False,
)
