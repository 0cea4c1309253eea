"""The agent's side of a bridge: the Client leg's status callbacks (`/twilio/agent-status`:
answered → accepted and a work order logged; completed → wrap-up) and the Dial's end on
the caller's call (`/twilio/dial-result`: unanswered → back in the queue at the old place)."""

from __future__ import annotations

import logging

from aiohttp import web

from hotline.appkeys import AGENT_EVENTS, BRIDGE, CALLS, CLOCK, MATCHING
from ivr import twiml
from ivr.webhooks.actions import queue_target
from ivr.webhooks.call_context import call_context
from ivr.webhooks.params import BadParams, CallStatus, VoiceRequest
from ivr.webhooks.shared import shared
from ivr.webhooks.signature import FORM
from ivr.webhooks.voice import xml
from routing.offer import OfferResult, ReleaseCause
from switchboard.work_order_logging import log_work_order

log = logging.getLogger(__name__)

# How an unanswered Dial ended, as the cause the router's back-off is chosen by.
RELEASE_CAUSES = {
    "no-answer": ReleaseCause.NO_ANSWER,
    "busy": ReleaseCause.BUSY,
    "failed": ReleaseCause.FAILED,
    "canceled": ReleaseCause.NO_ANSWER,
}


def _leg(call_sid: str, agent_id: str) -> dict[str, str]:
    """The log fields of one agent leg."""
    return {"call_sid": call_sid, "agent_id": agent_id}


def _offer_query(request: web.Request) -> tuple[str, str, int]:
    """The caller's call, the agent and the fencing token our Dial URLs carry."""
    call_sid = request.query.get("c", "")
    agent_id = request.query.get("a", "")
    token_raw = request.query.get("k", "")
    if not call_sid or not agent_id or not token_raw.isdigit():
        raise BadParams(f"c/a/k: an offer's call, agent and token needed: {request.query_string!r}")
    return call_sid, agent_id, int(token_raw)


async def agent_status(request: web.Request) -> web.Response:
    """The agent's leg rang, was answered, or ended; each changes the router once."""
    params = VoiceRequest.parse(request[FORM])
    call_sid, agent_id, token = _offer_query(request)
    matching = shared(request)[MATCHING]
    events = shared(request)[AGENT_EVENTS]
    status = params.status
    if status is CallStatus.IN_PROGRESS:
        outcome = await matching.router.accept(call_sid, token)
        await matching.deliver(outcome.offers)
        if outcome.result is OfferResult.ACCEPTED:
            now = shared(request)[CLOCK]()
            await shared(request)[CALLS].update(
                call_sid, outcome="answered", answered_ms=str(int(now.timestamp() * 1000))
            )
            number = await log_work_order(request, call_sid)
            await events.publish(agent_id, "connected", call_sid=call_sid, work_order=number)
            log.info("answered; work order %s", number, extra=_leg(call_sid, agent_id))
        else:
            log.warning(
                "answered a stale offer: %s", outcome.result, extra=_leg(call_sid, agent_id)
            )
    elif status is CallStatus.COMPLETED:
        outcome = await matching.router.complete(call_sid, token, by_caller=False)
        await matching.deliver(outcome.offers)
        if outcome.result is OfferResult.COMPLETED:
            await shared(request)[CALLS].update(call_sid, talk_s=str(params.call_duration))
            await events.publish(agent_id, "ended", call_sid=call_sid, talk_s=params.call_duration)
    elif status is not None and status.value in RELEASE_CAUSES:
        # The Dial action on the caller's call releases the offer: it can ring the next
        # agent in its own answer. If the caller hung up, their status callback abandons.
        await events.publish(agent_id, "missed", call_sid=call_sid, why=status.value)
    return xml(twiml.empty())


async def dial_result(request: web.Request) -> web.Response:
    """The Dial to the agent ended, on the caller's call: talk over, or back to the queue."""
    params = VoiceRequest.parse(request[FORM])
    ctx = await call_context(request, params)
    call_sid, agent_id, token = _offer_query(request)
    queue = request.query.get("q", "")
    matching = shared(request)[MATCHING]
    if params.dial_status in {"completed", "answered"}:
        # The agent hung up first; the caller is still on the line.
        outcome = await matching.router.complete(call_sid, token, by_caller=False)
        await matching.deliver(outcome.offers)
        return xml(twiml.say_then_hangup(ctx.voice, ctx.hotline.messages.goodbye))
    cause = RELEASE_CAUSES.get(params.dial_status, ReleaseCause.FAILED)
    outcome = await matching.router.release(call_sid, token, cause)
    log.info(
        "did not answer (%s): %s",
        params.dial_status,
        outcome.result,
        extra=_leg(call_sid, agent_id),
    )
    again = next((o for o in outcome.offers if o.call_id == call_sid), None)
    await matching.deliver(o for o in outcome.offers if o.call_id != call_sid)
    if again is not None:  # another agent is free: ring them straight away
        return xml(await shared(request)[BRIDGE].connect_now(again, ctx.voice))
    if queue not in ctx.loaded.config.queues:
        return xml(twiml.say_then_hangup(ctx.voice, ctx.hotline.messages.apology))
    # Back in the carrier's queue; the router kept the call's old place.
    return xml(twiml.enqueue(ctx.voice, queue_target(request, ctx, queue)))


def add_agent_leg_routes(webhooks: web.Application) -> None:
    """The agent leg's callbacks on the `/twilio/` sub-app, under its middlewares."""
    webhooks.router.add_post("/agent-status", agent_status, name="agent_status")
    webhooks.router.add_post("/dial-result", dial_result, name="dial_result")
