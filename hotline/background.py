"""Background loops' lifetime: started with a stop event, stopped by cancellation after a
short grace for the work in flight, never by waiting out a poll timeout."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

#: Long enough for a write in flight (one SQL transaction and its XACK) to finish; a loop
#: that is only waiting for work returns at once, or is cancelled, which loses nothing.
STOP_GRACE_S = 0.5
#: The shortest wait before a cancellation is repeated to a loop that has not ended.
RECANCEL_S = 0.1

Loop = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


async def stop_task(
    task: asyncio.Task[None], stop: asyncio.Event, *, grace_s: float = STOP_GRACE_S
) -> None:
    """Set `stop`, give `task` up to `grace_s` to return, then cancel it and wait for it.

    A loop that ended on an error of its own (it should have survived it) raises it here.
    """
    stop.set()
    try:
        if grace_s > 0 and not task.done():
            await asyncio.wait({task}, timeout=grace_s)
    finally:  # even when we are cancelled ourselves: no loop outlives its owner
        # A library may swallow a cancellation (blocking reads of the in-process Redis
        # stand-in were seen to): it gets another one. Waiting with `wait`, not by awaiting
        # the task, keeps a cancellation of our own.
        while not task.done():
            task.cancel()
            await asyncio.wait({task}, timeout=max(grace_s, RECANCEL_S))
    if not task.cancelled():
        task.result()


@asynccontextmanager
async def in_background(
    loop: Loop, *, name: str, grace_s: float = STOP_GRACE_S
) -> AsyncIterator[asyncio.Task[None]]:
    """Run `loop(stop)` as a task for the block, then stop it with `stop_task`."""
    stop = asyncio.Event()
    task = asyncio.create_task(loop(stop), name=name)
    try:
        yield task
    finally:
        await stop_task(task, stop, grace_s=grace_s)
