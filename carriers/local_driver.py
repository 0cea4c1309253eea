"""The carrier driver for the local carrier running in this process."""

from __future__ import annotations

import logging

from local_carrier import LocalCarrier

from .driver import CallLeg, CarrierError, LegStatus

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

    async def agent_leg(self, call_sid: str, identity: str, leg_sid: str = "") -> CallLeg | None:
        leg = self.carrier.legs.get(leg_sid) if leg_sid else None
        if leg is None:
            found = self.carrier.legs.find(parent_call_sid=call_sid, to=f"client:{identity}")
            leg = found[0] if found else None
        if leg is None:
            return None
        try:
            return CallLeg(leg.sid, LegStatus(leg.status))
        except ValueError as exc:
            raise CarrierError(leg.sid, f"unknown leg status {leg.status!r}") from exc

    async def cancel_leg(self, leg_sid: str) -> None:
        try:
            leg = self.carrier.leg(leg_sid)
        except LookupError as exc:
            raise CarrierError(leg_sid, "no such leg", status=404, code=20404) from exc
        leg.cancel()
        log.info("leg canceled", extra={"call_sid": leg.parent_call_sid})

    async def aclose(self) -> None:
        return None
