"""Offers whose lease lapsed with no word from the carrier (the `answered` callback or the
Dial's end was lost or is late, or the process that rang them died): before anything is
released, the carrier is asked what became of the agent's leg, so a lost `answered` never
cuts a conversation and a caller is never rung twice at once."""

from __future__ import annotations

import logging

from carriers.driver import CallLeg, CarrierError, LegStatus
from hotline.appkeys import BRIDGE, MATCHING
from routing.offer import LapsedOffer, OfferResult, ReleaseCause
from switchboard.answering import AppScope, take_answer

log = logging.getLogger(__name__)

# An unanswered leg's end, as the cause the agent's back-off is chosen by. A canceled leg
# was stopped by the caller hanging up or by us: never the agent's miss.
LEG_CAUSES = {
    LegStatus.NO_ANSWER: ReleaseCause.NO_ANSWER,
    LegStatus.BUSY: ReleaseCause.BUSY,
    LegStatus.FAILED: ReleaseCause.FAILED,
    LegStatus.CANCELED: ReleaseCause.LAPSED,
}


async def settle_lapsed(scope: AppScope, lapsed: LapsedOffer) -> None:
    """Accept, release or ask again, by what the carrier says of the agent's leg."""
    config = scope.config_dict
    matching, bridge = config[MATCHING], config[BRIDGE]
    call_sid, agent_id, token = lapsed
    extra = {"call_sid": call_sid, "agent_id": agent_id}
    leg: CallLeg | None = None
    if bridge.has_carrier:  # without one, nobody was ever rung: the offer is released
        try:
            leg = await bridge.agent_leg(call_sid, agent_id, token)
        except CarrierError as error:
            log.warning("lapsed offer: the carrier cannot say (%s); ask again", error, extra=extra)
            return
    if leg is not None and leg.answered:
        log.warning("lapsed offer was answered (%s): accepted", leg.status, extra=extra)
        if await take_answer(scope, call_sid, agent_id, token, leg=leg) is not None and (
            leg.status is LegStatus.COMPLETED
        ):
            outcome = await matching.router.complete(call_sid, token, by_caller=False)
            await matching.deliver(outcome.offers)
        return
    if leg is not None and leg.ringing:
        # Rung late (the Leave path dials on the next wait segment): the Dial's own timeout
        # ends it and its end releases the offer; if that is lost too, the next check does.
        log.info("lapsed offer still rings: asked again later", extra=extra)
        return
    cause = LEG_CAUSES.get(leg.status, ReleaseCause.LAPSED) if leg else ReleaseCause.LAPSED
    outcome = await matching.router.release(call_sid, token, cause)
    log.warning(
        "lapsed offer released (%s): %s",
        leg.status if leg else "no leg",
        outcome.result,
        extra=extra,
    )
    if outcome.result is OfferResult.RELEASED:
        await matching.deliver(outcome.offers)
