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


async def _hold_rows(ctx: Any, args: Arguments, live: None) -> Any:
    from tgkit.frames import empty_frame

    await _hold(ctx, args, live)
    return empty_frame("members")


#: The same, as a collection (a frame per target), for ``pool.many``.
HOLD_ROWS = OperationSpec(
    name="hold_rows",
    kind=OperationKind.SCRAPE,
    summary="Hold an account for a while, then return no rows (a test operation).",
    params=HOLD.params,
    run=_hold_rows,
    frame="members",
    unit="steps",
    example=("@small_group",),
    cli=False,
)
