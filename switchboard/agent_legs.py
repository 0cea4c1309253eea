"""The agent's side of a bridge: the Client leg's status callbacks (`/twilio/agent-status`:
ringing → the leg's CallSid kept; answered → accepted and a work order logged; completed →
wrap-up) and the Dial's end on the caller's call (`/twilio/dial-result`: unanswered → back
in the queue at the old place; the caller gone → an abandon, nobody's miss). A lost
`answered` is made good by the leg's end or the Dial's, which say it was answered. A
conversation Redis forgot (flushed, restarted empty) changes nothing in the router: its
record gets the talk time and who hung up from these callbacks instead."""

from __future__ import annotations

import logging
from datetime import timedelta

from aiohttp import web

from carriers.driver import CallLeg, LegStatus
from hotline.appkeys import AGENT_EVENTS, BRIDGE, CALLS, CLOCK, MATCHING
from ivr import twiml
from ivr.webhooks.actions import queue_target
from ivr.webhooks.call_context import call_context
from ivr.webhooks.endings import record_end
from ivr.webhooks.params import ENDED, BadParams, CallStatus, VoiceRequest
from ivr.webhooks.shared import shared
from ivr.webhooks.signature import FORM
from ivr.webhooks.voice import xml
from queues.call_records import cdr
from routing.offer import OfferResult, Outcome, ReleaseCause
from switchboard.answering import take_answer

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


async def _complete(
    request: web.Request, call_sid: str, agent_id: str, token: int, leg_sid: str
) -> Outcome:
    """The conversation is over (the agent hung up). If its answer was never taken (the
    `answered` callback lost), it is taken now: the ended leg says it was answered."""
    matching = shared(request)[MATCHING]
    outcome = await matching.router.complete(call_sid, token, by_caller=False)
    if outcome.result is OfferResult.STALE:
        ended = CallLeg(leg_sid, LegStatus.COMPLETED)
        if await take_answer(request, call_sid, agent_id, token, leg=ended) is not None:
            outcome = await matching.router.complete(call_sid, token, by_caller=False)
    await matching.deliver(outcome.offers)
    return outcome


async def _end_of_forgotten_talk(
    request: web.Request, call_sid: str, agent_id: str, *, talk_s: int | None, by: str = ""
) -> None:
    """The conversation ended but the router could not complete it: if Redis forgot the
    call, no COMPLETE will ever fill its record, so the talk time and who hung up (`by`,
    "" when this callback cannot say) are merged into it from here, only where unknown."""
    facts, _ = await shared(request)[CALLS].facts(call_sid)
    if facts is not None:  # a late or repeated callback of a call the router completed
        return
    now = shared(request)[CLOCK]()
    end = cdr.CallRecord(
        call_sid=call_sid,
        arrived_at=now - timedelta(seconds=talk_s or 0),
        talk_ms=None if talk_s is None else talk_s * 1000,
        completed_by=by,
    )
    recorded = await record_end(request, end)
    log.info(
        "talk ended (%ss, by %s) with no call state: recorded=%s",
        talk_s,
        by or "?",
        recorded,
        extra=_leg(call_sid, agent_id),
    )


async def agent_status(request: web.Request) -> web.Response:
    """The agent's leg rang, was answered, or ended; each changes the router once."""
    params = VoiceRequest.parse(request[FORM])
    call_sid, agent_id, token = _offer_query(request)
    events = shared(request)[AGENT_EVENTS]
    status = params.status
    if status in {CallStatus.INITIATED, CallStatus.RINGING, CallStatus.IN_PROGRESS}:
        # The leg's own CallSid: what the carrier is asked about if no answer comes, or
        # whether a late one is still bridged.
        await shared(request)[BRIDGE].note_leg(call_sid, token, params.call_sid)
    if status is CallStatus.IN_PROGRESS:
        await take_answer(request, call_sid, agent_id, token)
    elif status is CallStatus.COMPLETED:
        outcome = await _complete(request, call_sid, agent_id, token, params.call_sid)
        if outcome.result is OfferResult.COMPLETED:
            await shared(request)[CALLS].update(call_sid, talk_s=str(params.call_duration))
            await events.publish(agent_id, "ended", call_sid=call_sid, talk_s=params.call_duration)
        else:
            await _end_of_forgotten_talk(request, call_sid, agent_id, talk_s=params.call_duration)
    elif status is not None and status.value in RELEASE_CAUSES:
        # The Dial action on the caller's call releases the offer: it can ring the next
        # agent in its own answer. If the caller hung up, their status callback abandons.
        await events.publish(agent_id, "missed", call_sid=call_sid, why=status.value)
    return xml(twiml.empty())


async def _caller_left(request: web.Request, call_sid: str, agent_id: str, token: int) -> None:
    """The caller hung up while the agent's phone rang (or talked): an abandon, or the end of
    the conversation; never the agent's miss, and the call is offered to nobody."""
    matching = shared(request)[MATCHING]
    answered = await shared(request)[BRIDGE].withdraw(call_sid, agent_id, token)
    outcome = await matching.router.abandon(call_sid)
    await matching.deliver(outcome.offers)
    if not answered and outcome.result is OfferResult.RELEASED:
        await shared(request)[CALLS].update(call_sid, outcome="abandoned")
    log.info("the caller hung up: %s", outcome.result, extra=_leg(call_sid, agent_id))


async def dial_result(request: web.Request) -> web.Response:
    """The Dial to the agent ended, on the caller's call: talk over, or back to the queue."""
    params = VoiceRequest.parse(request[FORM])
    call_sid, agent_id, token = _offer_query(request)
    if params.status in ENDED:  # the caller's own call is over: nothing more to say
        await _caller_left(request, call_sid, agent_id, token)
        return xml(twiml.empty())
    ctx = await call_context(request, params)
    queue = request.query.get("q", "")
    matching = shared(request)[MATCHING]
    if params.dial_status in {"completed", "answered"}:
        # The agent hung up first; the caller is still on the line.
        leg_sid = request[FORM].get("DialCallSid", "")
        outcome = await _complete(request, call_sid, agent_id, token, leg_sid)
        if outcome.result is not OfferResult.COMPLETED:
            talked = request[FORM].get("DialCallDuration", "")
            talk_s = int(talked) if talked.isdigit() else None
            await _end_of_forgotten_talk(request, call_sid, agent_id, talk_s=talk_s, by="agent")
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
