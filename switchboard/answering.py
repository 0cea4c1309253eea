"""An agent's answer, taken once however it was learned (the leg's `answered` callback, the
Dial's end, the carrier asked about a lapsed or withdrawn offer): the offer accepted, or the
call connected when the router no longer held the offer but the carrier bridged it, then the
work order logged and the agent told."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.helpers import ChainMapProxy

from carriers.driver import CallLeg, CarrierError, LegStatus
from hotline.appkeys import AGENT_EVENTS, BRIDGE, CALLS, CLOCK, MATCHING
from routing.offer import OfferResult
from switchboard.work_order_logging import log_work_order

log = logging.getLogger(__name__)


class AppScope:
    """The app's resources as a webhook's request offers them (`config_dict`), for work the
    server does outside any request: the router's lease checks."""

    def __init__(self, app: web.Application) -> None:
        self.config_dict = ChainMapProxy([app])


Scope = web.Request | AppScope


async def _bridged(
    scope: Scope, call_sid: str, agent_id: str, token: int, leg: CallLeg | None
) -> bool:
    """Whether the agent's leg of the offer `token` is bridged now, as the carrier says (or
    as `leg`, already asked, says). Without a carrier to ask, the signed callback is all
    there is, and it is believed."""
    if leg is None:
        try:
            leg = await scope.config_dict[BRIDGE].agent_leg(call_sid, agent_id, token)
        except CarrierError as error:
            log.warning(
                "late answer believed, the carrier cannot say: %s",
                error,
                extra={"call_sid": call_sid, "agent_id": agent_id},
            )
            return True
    return leg is not None and leg.status is LegStatus.IN_PROGRESS


async def take_answer(
    scope: Scope, call_sid: str, agent_id: str, token: int, *, leg: CallLeg | None = None
) -> str | None:
    """The agent answered the offer `token`: accept it and log the call's work order once
    (a repeated answer gets the same number). If the router no longer holds that offer (a
    break withdrew it, or it was released), the call is connected all the same when the
    carrier says the leg is bridged now. The work order's number, or None when the call is
    not (or no longer) theirs."""
    config = scope.config_dict
    matching = config[MATCHING]
    extra = {"call_sid": call_sid, "agent_id": agent_id}
    outcome = await matching.router.accept(call_sid, token)
    if outcome.result is OfferResult.STALE and await _bridged(
        scope, call_sid, agent_id, token, leg
    ):
        outcome = await matching.router.connect(call_sid, agent_id, token)
        log.warning("bridged after the offer was withdrawn: %s", outcome.result, extra=extra)
    await matching.deliver(outcome.offers)
    if outcome.result is not OfferResult.ACCEPTED:
        log.warning("answered a stale offer: %s", outcome.result, extra=extra)
        return None
    now = config[CLOCK]()
    await config[CALLS].update(
        call_sid, outcome="answered", answered_ms=str(int(now.timestamp() * 1000))
    )
    number = await log_work_order(scope, call_sid)
    await config[AGENT_EVENTS].publish(agent_id, "connected", call_sid=call_sid, work_order=number)
    log.info("answered; work order %s", number, extra=extra)
    return number
