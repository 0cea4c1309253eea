"""A caller on the other end of a WebSocket: the browser dial pad or `hotline call`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from .caller import GatherResult, QueueStatus, RecordResult, collect_digits, gather_complete
from .clock import CallClock, speech_seconds
from .phones import DialLeg
from .twiml_parser import GatherSpec, RecordSpec

Send = Callable[[dict[str, Any]], Awaitable[None]]

KEYS = frozenset("0123456789*#")


class WebSocketCaller:
    """Turns a call's prompts into JSON messages and the socket's keys and speech into input.

    Keys typed while a <Gather> listens barge into its prompts; keys typed outside one are
    dropped, as on a real line.
    """

    def __init__(self, send: Send) -> None:
        self._send = send
        self._interrupt = asyncio.Event()
        self._hangup = asyncio.Event()
        self._arrived = asyncio.Event()
        self._keys = ""
        self._speech: str | None = None
        self._listening = False

    @property
    def interrupt(self) -> asyncio.Event:
        return self._interrupt

    @property
    def hangup_requested(self) -> asyncio.Event:
        return self._hangup

    # input from the socket

    def press(self, keys: str) -> None:
        keys = "".join(k for k in keys if k in KEYS)
        if not keys or not self._listening:
            return
        self._keys += keys
        self._interrupt.set()
        self._arrived.set()

    def speak(self, text: str) -> None:
        if not text.strip() or not self._listening:
            return
        self._speech = text.strip()
        self._interrupt.set()
        self._arrived.set()

    def hang_up(self) -> None:
        self._hangup.set()

    # CallerIO

    async def dialing(self, call_sid: str, to: str) -> None:
        await self._send({"type": "ringing", "call_sid": call_sid, "to": to})

    async def say(self, text: str, language: str, voice: str | None) -> None:
        await self._send({"type": "say", "text": text, "language": language, "voice": voice})

    async def play(self, url: str) -> None:
        await self._send({"type": "play", "url": url})

    async def pause(self, seconds: float) -> None:
        await self._send({"type": "pause", "seconds": seconds})

    async def beep(self) -> None:
        await self._send({"type": "beep"})

    def _open(self) -> None:
        self._keys, self._speech, self._listening = "", None, True
        self._arrived.clear()

    async def listening(self, spec: GatherSpec) -> None:
        self._open()
        await self._send(
            {
                "type": "gather",
                "input": [
                    kind for kind, on in (("dtmf", spec.dtmf), ("speech", spec.speech)) if on
                ],
                "numDigits": spec.num_digits,
                "finishOnKey": spec.finish_on_key,
                "timeout": spec.timeout,
            }
        )

    async def _await_input(self, seconds: float) -> bool:
        self._arrived.clear()
        try:
            async with asyncio.timeout(seconds):
                await self._arrived.wait()
        except TimeoutError:
            return False
        return True

    async def gather(self, spec: GatherSpec, clock: CallClock) -> GatherResult | None:
        try:
            # the timeout restarts with every key, as Twilio's does between digits
            while self._speech is None and not gather_complete(self._keys, spec):
                if not await self._await_input(clock.real_seconds(spec.timeout)):
                    break
            if self._speech is not None and spec.speech:
                return GatherResult(speech=self._speech, confidence=0.9)
            digits = collect_digits(self._keys, spec) if spec.dtmf else ""
            return GatherResult(digits=digits) if digits else None
        finally:
            self._listening = False

    async def record(self, spec: RecordSpec, clock: CallClock) -> RecordResult:
        self._open()
        await self._send(
            {"type": "record", "maxLength": spec.max_length, "finishOnKey": spec.finish_on_key}
        )
        started = clock.now()
        try:
            while self._speech is None and not any(k in spec.finish_on_key for k in self._keys):
                if not await self._await_input(clock.real_seconds(spec.max_length)):
                    break
        finally:
            self._listening = False
        key = next((k for k in self._keys if k in spec.finish_on_key), "")
        if self._speech is None:
            return RecordResult("", 0.0, finish_key=key)
        seconds = max(clock.now() - started, speech_seconds(self._speech))
        return RecordResult(self._speech, min(seconds, float(spec.max_length)), finish_key=key)

    async def queued(self, status: QueueStatus) -> None:
        await self._send(
            {
                "type": "queued",
                "queue": status.queue,
                "position": status.position,
                "size": status.size,
                "queueTime": int(status.queue_time),
            }
        )

    async def connecting(self, leg: DialLeg) -> None:
        await self._send({"type": "connecting", "to": leg.to})

    async def connected(self, leg: DialLeg) -> None:
        await self._send({"type": "connected", "to": leg.to})

    async def hung_up(self, reason: str) -> None:
        await self._send({"type": "ended", "reason": reason})
