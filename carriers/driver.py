"""The carrier driver interface: how the server changes a live call (Twilio or local)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

# Twilio error codes meaning the call is not there to update any more.
CALL_GONE_CODES = frozenset({20404, 21220})


class CarrierError(Exception):
    """A live-call update failed: the call is gone, the carrier answered an error, or it did
    not answer in time. `status` and `code` are the HTTP status and Twilio error code when
    the carrier answered."""

    def __init__(
        self,
        call_sid: str,
        reason: str,
        *,
        status: int | None = None,
        code: int | None = None,
    ) -> None:
        super().__init__(f"call {call_sid}: {reason}")
        self.call_sid = call_sid
        self.reason = reason
        self.status = status
        self.code = code

    @property
    def call_gone(self) -> bool:
        """The call has ended or never existed: retrying cannot help."""
        return self.status == 404 or self.code in CALL_GONE_CODES


class LegStatus(StrEnum):
    """A call's status as Twilio's REST `Calls` resource shows it."""

    QUEUED = "queued"
    RINGING = "ringing"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"  # answered, then ended
    BUSY = "busy"
    NO_ANSWER = "no-answer"
    CANCELED = "canceled"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class CallLeg:
    """A Dial's child leg (an agent's phone being rung) as the carrier shows it now."""

    sid: str
    status: LegStatus

    @property
    def answered(self) -> bool:
        """The agent picked up: talking now, or talked and hung up."""
        return self.status in {LegStatus.IN_PROGRESS, LegStatus.COMPLETED}

    @property
    def ringing(self) -> bool:
        return self.status in {LegStatus.QUEUED, LegStatus.RINGING}


class CarrierDriver(Protocol):
    """Replaces a live call's instructions, as Twilio TaskRouter's dequeue does with the
    REST `Calls/{CallSid}` update, and asks about (or stops) the agent legs its Dials ring.
    Every method raises CarrierError when the carrier cannot be asked."""

    async def update_call(self, call_sid: str, twiml: str) -> None:
        """Make the call follow `twiml` now; raises CarrierError when it cannot."""
        ...

    async def agent_leg(self, call_sid: str, identity: str, leg_sid: str = "") -> CallLeg | None:
        """The leg `leg_sid` when given (a `ringing` callback named it), else the newest leg
        the call `call_sid` dialled to the client `identity` (the Calls list filtered by
        ParentCallSid and To); None when the carrier has no such leg."""
        ...

    async def cancel_leg(self, leg_sid: str) -> None:
        """Stop a ringing leg (`Status=canceled`); a leg already answered is left alone, so
        ask `agent_leg` afterwards which of the two it was."""
        ...

    async def aclose(self) -> None:
        """Release connections (the driver is not used afterwards)."""
        ...
