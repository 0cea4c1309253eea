"""The carrier driver interface: how the server changes a live call (Twilio or local)."""

from __future__ import annotations

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


class CarrierDriver(Protocol):
    """Replaces a live call's instructions, as Twilio TaskRouter's dequeue does with the
    REST `Calls/{CallSid}` update."""

    async def update_call(self, call_sid: str, twiml: str) -> None:
        """Make the call follow `twiml` now; raises CarrierError when it cannot."""
        ...

    async def aclose(self) -> None:
        """Release connections (the driver is not used afterwards)."""
        ...
