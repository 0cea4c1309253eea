"""The carrier driver for the local carrier running in this process."""

from __future__ import annotations

import logging

from local_carrier import LocalCarrier

from .driver import CarrierError

log = logging.getLogger(__name__)


class LocalDriver:
    """Updates calls of a `LocalCarrier` directly (no HTTP); the carrier's owner closes it."""

    def __init__(self, carrier: LocalCarrier) -> None:
        self.carrier = carrier

    async def update_call(self, call_sid: str, twiml: str) -> None:
        try:
            await self.carrier.redirect(call_sid, twiml=twiml)
        except LookupError as exc:
            raise CarrierError(call_sid, "no live call", status=404, code=20404) from exc
        log.info("new instructions", extra={"call_sid": call_sid})

    async def aclose(self) -> None:
        return None
