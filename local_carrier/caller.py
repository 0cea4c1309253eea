"""The caller's side of a call: what the carrier tells a caller and asks of one."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Protocol

from .clock import CallClock
from .phones import DialLeg
from .twiml_parser import GatherSpec, RecordSpec


@dataclass(frozen=True, slots=True)
class GatherResult:
    """Input a caller gave a <Gather>: digits, or recognised speech."""

    digits: str = ""
    speech: str | None = None
    confidence: float = 0.0


@dataclass(frozen=True, slots=True)
class RecordResult:
    """A message left at a <Record>: its words (the local stand-in for audio) and length."""

    text: str
    seconds: float
    finish_key: str = ""
    hung_up: bool = False


@dataclass(frozen=True, slots=True)
class QueueStatus:
    """Where a waiting caller stands, as the waitUrl is told."""

    queue: str
    position: int
    size: int
    queue_time: float
    max_size: int


class CallerIO(Protocol):
    """What a call talks to: a script in tests, a browser dial pad, a terminal.

    Prompt methods are notifications (the carrier paces them); `gather` and `record` wait
    for the caller. Setting `interrupt` during a <Gather>'s prompts barges in; setting
    `hangup_requested` hangs up whatever the call is doing. `connecting` and `connected`
    tell of a <Dial>: its party rings, then answers (a script may schedule its hang-up with
    `leg.caller_hang_up(after=...)`).
    """

    @property
    def interrupt(self) -> asyncio.Event: ...

    @property
    def hangup_requested(self) -> asyncio.Event: ...

    async def dialing(self, call_sid: str, to: str) -> None: ...

    async def say(self, text: str, language: str, voice: str | None) -> None: ...

    async def play(self, url: str) -> None: ...

    async def pause(self, seconds: float) -> None: ...

    async def beep(self) -> None: ...

    async def listening(self, spec: GatherSpec) -> None: ...

    async def gather(self, spec: GatherSpec, clock: CallClock) -> GatherResult | None: ...

    async def record(self, spec: RecordSpec, clock: CallClock) -> RecordResult: ...

    async def queued(self, status: QueueStatus) -> None: ...

    async def connecting(self, leg: DialLeg) -> None: ...

    async def connected(self, leg: DialLeg) -> None: ...

    async def hung_up(self, reason: str) -> None: ...


def collect_digits(keys: str, spec: GatherSpec) -> str:
    """The Digits a <Gather> reports for `keys` typed in a row: up to the finish key (not
    included) or `numDigits`, whichever comes first."""
    digits = ""
    for key in keys:
        if spec.finish_on_key and key == spec.finish_on_key:
            break
        digits += key
        if spec.num_digits is not None and len(digits) >= spec.num_digits:
            break
    return digits


def gather_complete(keys: str, spec: GatherSpec) -> bool:
    """Whether `keys` already end the <Gather> without waiting for its timeout."""
    if spec.finish_on_key and spec.finish_on_key in keys:
        return True
    return spec.num_digits is not None and len(keys) >= spec.num_digits
