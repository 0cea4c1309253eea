"""A scripted caller for tests: key presses, speech, messages and a hang-up, in order."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from local_carrier.caller import GatherResult, QueueStatus, RecordResult, collect_digits
from local_carrier.clock import CallClock
from local_carrier.phones import DialLeg
from local_carrier.twiml_parser import GatherSpec, RecordSpec


@dataclass(frozen=True, slots=True)
class Press:
    """Type `keys` at the next <Gather>; with `barge_in`, during its first prompt."""

    keys: str
    barge_in: bool = False


@dataclass(frozen=True, slots=True)
class Speak:
    """Say `text` to the next <Gather> that listens for speech."""

    text: str
    confidence: float = 0.9
    barge_in: bool = False


@dataclass(frozen=True, slots=True)
class Silence:
    """Give the next <Gather> or <Record> nothing, so it times out."""


@dataclass(frozen=True, slots=True)
class LeaveMessage:
    """Speak `text` for `seconds` at the next <Record>, then press `finish_key` (or hang
    up, with `hang_up`)."""

    text: str
    seconds: float = 5.0
    finish_key: str = "#"
    hang_up: bool = False


@dataclass(frozen=True, slots=True)
class HangUp:
    """Hang up at the next <Gather> or <Record>, on hearing `when_heard`, or once queued
    (for at least `after_queue_time` simulated seconds)."""

    when_heard: str | None = None
    after_queue_time: float = 0.0


@dataclass(frozen=True, slots=True)
class HangUpRinging:
    """Hang up while the next <Dial> rings its party."""


@dataclass(frozen=True, slots=True)
class HangUpTalking:
    """Hang up `after` simulated seconds of conversation with the next <Dial>'s party."""

    after: float


Step = Press | Speak | Silence | LeaveMessage | HangUp | HangUpRinging | HangUpTalking


def _unconditional(step: Step | None) -> bool:
    return isinstance(step, HangUp) and step.when_heard is None and not step.after_queue_time


@dataclass
class ScriptedCaller:
    """Follows `steps` in order and keeps a transcript of every prompt it heard."""

    steps: list[Step]
    transcript: list[str] = field(default_factory=list)
    queue_updates: list[QueueStatus] = field(default_factory=list)
    end_reason: str | None = None
    _interrupt: asyncio.Event = field(default_factory=asyncio.Event)
    _hangup: asyncio.Event = field(default_factory=asyncio.Event)
    _queued: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def interrupt(self) -> asyncio.Event:
        return self._interrupt

    @property
    def hangup_requested(self) -> asyncio.Event:
        return self._hangup

    async def wait_queued(self) -> QueueStatus:
        """The first queue status this caller was told."""
        await self._queued.wait()
        return self.queue_updates[0]

    def _head(self) -> Step | None:
        return self.steps[0] if self.steps else None

    async def _hang_up_now(self) -> None:
        self._hangup.set()
        await asyncio.Future()  # the call cancels whatever asked us

    async def dialing(self, call_sid: str, to: str) -> None:
        return None

    async def say(self, text: str, language: str, voice: str | None) -> None:
        self.transcript.append(text)
        head = self._head()
        if isinstance(head, HangUp) and head.when_heard and head.when_heard in text:
            self.steps.pop(0)
            await self._hang_up_now()

    async def play(self, url: str) -> None:
        self.transcript.append(f"[play {url}]")

    async def pause(self, seconds: float) -> None:
        return None

    async def beep(self) -> None:
        self.transcript.append("[beep]")

    async def listening(self, spec: GatherSpec) -> None:
        head = self._head()
        if isinstance(head, Press | Speak) and head.barge_in:
            self._interrupt.set()

    async def gather(self, spec: GatherSpec, clock: CallClock) -> GatherResult | None:
        head = self._head()
        if _unconditional(head):
            self.steps.pop(0)
            await self._hang_up_now()
        if isinstance(head, Press) and spec.dtmf:
            self.steps.pop(0)
            digits = collect_digits(head.keys, spec)
            if digits:
                return GatherResult(digits=digits)
        elif isinstance(head, Speak) and spec.speech:
            self.steps.pop(0)
            return GatherResult(speech=head.text, confidence=head.confidence)
        elif isinstance(head, Silence):
            self.steps.pop(0)
        await clock.sleep(spec.timeout)
        return None

    async def record(self, spec: RecordSpec, clock: CallClock) -> RecordResult:
        head = self._head()
        if _unconditional(head):
            self.steps.pop(0)
            await self._hang_up_now()
        if isinstance(head, LeaveMessage):
            self.steps.pop(0)
            seconds = min(head.seconds, float(spec.max_length))
            await clock.sleep(seconds)
            key = head.finish_key if head.finish_key in spec.finish_on_key else ""
            return RecordResult(head.text, seconds, finish_key=key, hung_up=head.hang_up)
        if isinstance(head, Silence):
            self.steps.pop(0)
        await clock.sleep(spec.timeout)
        return RecordResult("", 0.0)

    async def queued(self, status: QueueStatus) -> None:
        self.queue_updates.append(status)
        self._queued.set()
        head = self._head()
        if (
            isinstance(head, HangUp)
            and head.when_heard is None
            and status.queue_time >= head.after_queue_time
        ):
            self.steps.pop(0)
            await self._hang_up_now()

    async def connecting(self, leg: DialLeg) -> None:
        self.transcript.append(f"[ringing {leg.to}]")
        if isinstance(self._head(), HangUpRinging):
            self.steps.pop(0)
            await self._hang_up_now()

    async def connected(self, leg: DialLeg) -> None:
        self.transcript.append(f"[connected {leg.to}]")
        head = self._head()
        if isinstance(head, HangUpTalking):
            self.steps.pop(0)
            leg.caller_hang_up(after=head.after)

    async def hung_up(self, reason: str) -> None:
        self.end_reason = reason
