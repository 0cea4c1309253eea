"""Background loops' lifetime: started with a stop event, restarted after an error they did
not survive, seen by `/healthz`, and stopped by cancellation after a short grace for the
work in flight, never by waiting out a poll timeout."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

#: Long enough for a write in flight (one SQL transaction and its XACK) to finish; a loop
#: that is only waiting for work returns at once, or is cancelled, which loses nothing.
STOP_GRACE_S = 0.5
#: The shortest wait before a cancellation is repeated to a loop that has not ended.
RECANCEL_S = 0.1
#: A loop that failed is started again after this, doubling up to `RESTART_MAX_S`, so a
#: loop that fails at once does not spin.
RESTART_FIRST_S = 0.5
RESTART_MAX_S = 10.0

Loop = Callable[[asyncio.Event], Coroutine[Any, Any, None]]
#: When the loop last did its work (time.monotonic()), None before its first round.
Beat = Callable[[], float | None]


@dataclass
class LoopStatus:
    """One loop as `/healthz` sees it: its task, its restarts and its last error."""

    name: str
    task: asyncio.Task[None] | None = None
    beat: Beat | None = None
    stale_after_s: float = 30.0
    started_at: float = field(default_factory=time.monotonic)
    restarts: int = 0
    last_error: str | None = None

    def problem(self, now: float | None = None) -> str | None:
        """What is wrong with the loop, or None when it is alive and doing its work."""
        if self.task is None or self.task.done():
            return "stopped"
        if self.beat is None:
            return None
        now = time.monotonic() if now is None else now
        last = self.beat()
        since = now - (self.started_at if last is None else last)
        if since > self.stale_after_s:
            return f"no round done for {since:.0f}s"
        return None


class LoopHealth:
    """The app's background loops by name (`/healthz` reads it)."""

    def __init__(self) -> None:
        self.loops: dict[str, LoopStatus] = {}

    def problems(self, now: float | None = None) -> dict[str, str]:
        found = {name: status.problem(now) for name, status in self.loops.items()}
        return {name: problem for name, problem in found.items() if problem is not None}


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


async def supervised(
    loop: Loop, stop: asyncio.Event, status: LoopStatus, *, restart_s: float = RESTART_FIRST_S
) -> None:
    """Run `loop(stop)` until `stop`; each error it did not survive is logged, counted in
    `status`, and the loop is started again after a back-off."""
    delay = restart_s
    while not stop.is_set():
        try:
            await loop(stop)
        except Exception as error:
            status.last_error = repr(error)
            log.exception("background loop %s failed; restarting in %.1fs", status.name, delay)
        else:
            if stop.is_set():
                return
            status.last_error = "returned before it was stopped"
            log.error("background loop %s returned; restarting in %.1fs", status.name, delay)
        status.restarts += 1
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=delay)
        delay = min(max(delay * 2, RESTART_FIRST_S), RESTART_MAX_S)


@asynccontextmanager
async def in_background(
    loop: Loop,
    *,
    name: str,
    grace_s: float = STOP_GRACE_S,
    health: LoopHealth | None = None,
    beat: Beat | None = None,
    stale_after_s: float = 30.0,
    restart_s: float = RESTART_FIRST_S,
) -> AsyncIterator[asyncio.Task[None]]:
    """Run `loop(stop)` as a supervised task for the block, listed in `health` with its
    heartbeat `beat` when given, then stop it with `stop_task`."""
    stop = asyncio.Event()
    status = LoopStatus(name, beat=beat, stale_after_s=stale_after_s)
    task = asyncio.create_task(supervised(loop, stop, status, restart_s=restart_s), name=name)
    status.task = task
    if health is not None:
        health.loops[name] = status
    try:
        yield task
    finally:
        await stop_task(task, stop, grace_s=grace_s)
