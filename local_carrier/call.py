"""A live call: its control loop (redirects, hang-ups) and the handle the carrier gives out."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

from .enqueue import leave_queue, notify
from .interpreter import Interpreter
from .session import CallEnded, CallEvent, CallSession, Fetch, Instruction

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Redirect:
    instruction: Instruction


@dataclass(frozen=True, slots=True)
class _HangUp:
    reason: str


@dataclass(frozen=True, slots=True)
class CallResult:
    """How a call ended: the final CallStatus, why, and its simulated length."""

    status: str
    reason: str
    duration: float


class CallHandle:
    """A call placed on the local carrier: await `wait()` for its end."""

    def __init__(
        self,
        session: CallSession,
        voice_url: str,
        status_url: str,
        wall_clock: Callable[[], datetime],
    ) -> None:
        self.session = session
        self._voice_url = voice_url
        self._status_url = status_url
        self._wall_clock = wall_clock
        self._control: asyncio.Queue[_Redirect | _HangUp] = asyncio.Queue()
        self.result: CallResult | None = None
        self.task: asyncio.Task[CallResult] = asyncio.create_task(
            self._run(), name=f"call {session.sid}"
        )

    @property
    def sid(self) -> str:
        return self.session.sid

    @property
    def transcript(self) -> list[str]:
        """Everything the caller was played, in order (Say texts, `[play URL]`, `[beep]`)."""
        return self.session.transcript

    @property
    def events(self) -> list[CallEvent]:
        return self.session.events

    @property
    def errors(self) -> list[CallEvent]:
        """Application errors: a server that works never causes one."""
        return [e for e in self.session.events if e.kind == "error"]

    @property
    def done(self) -> bool:
        return self.task.done()

    async def wait(self) -> CallResult:
        return await asyncio.shield(self.task)

    def hangup(self, reason: str = "caller hung up") -> None:
        """Hang up from the caller's side, whatever the call is doing."""
        self._control.put_nowait(_HangUp(reason))

    def redirect(self, instruction: Instruction) -> None:
        """Drop what the call is doing (leaving its queue as `redirected`) and follow
        `instruction` instead."""
        self._control.put_nowait(_Redirect(instruction))

    async def _watch_caller(self) -> None:
        await self.session.io.hangup_requested.wait()
        self.hangup()

    async def _run(self) -> CallResult:
        session = self.session
        watcher = asyncio.create_task(self._watch_caller())
        following: Instruction = Fetch(self._voice_url)
        inner: asyncio.Task[CallEnded] | None = None
        try:
            await session.io.dialing(session.sid, session.to)
            while True:
                inner = asyncio.create_task(Interpreter(session).run(following))
                command = asyncio.create_task(self._control.get())
                await asyncio.wait({inner, command}, return_when=asyncio.FIRST_COMPLETED)
                if inner.done():
                    command.cancel()
                    ended = inner.result()
                    break
                inner.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await inner
                order = command.result()
                if isinstance(order, _Redirect):
                    session.record("redirected", str(order.instruction))
                    await leave_queue(session, "redirected")
                    following = order.instruction
                    continue
                await leave_queue(session, "hangup")
                ended = CallEnded("completed", order.reason)
                break
        finally:
            watcher.cancel()
            if inner is not None and not inner.done():
                inner.cancel()
        return await self._finish(ended)

    async def _finish(self, ended: CallEnded) -> CallResult:
        session = self.session
        duration = session.clock.now() if ended.status == "completed" else 0.0
        self.result = CallResult(ended.status, ended.reason, duration)
        session.record("ended", f"{ended.status}: {ended.reason}")
        with contextlib.suppress(Exception):
            await session.io.hung_up(ended.reason)
        params = {
            "CallStatus": ended.status,
            "CallDuration": str(int(duration)),
            "SequenceNumber": "0",
            "Timestamp": format_datetime(self._wall_clock()),
            "CallbackSource": "call-progress-events",
        }
        await notify(session, Fetch(self._status_url, "POST", params))
        log.info(
            "call %s ended: %s (%s)",
            session.sid,
            ended.status,
            ended.reason,
            extra={"call_sid": session.sid},
        )
        return self.result
