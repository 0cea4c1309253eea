"""Joining a queue: the router's enqueue, then `<Enqueue>`, the Dial at once when an agent
is idle, or the queue's overflow (another queue, voicemail, goodbye) when it cannot serve."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import replace

from aiohttp import web

from hotline.appkeys import BRIDGE, CALLS, CLOCK, MATCHING
from ivr import twiml
from ivr.menus.schema import Text
from ivr.webhooks.actions import Answer, CallContext, queue_target
from ivr.webhooks.call_card import CallCard
from ivr.webhooks.params import VoiceRequest
from ivr.webhooks.put_back import facts_of_request
from ivr.webhooks.shared import public_url, shared
from ivr.webhooks.signature import FORM
from routing.offer import EnqueueStatus

log = logging.getLogger(__name__)

QUEUE_FULL: Text = {
    "zh-CN": "很抱歉，当前排队人数已满。",
    "en-US": "Sorry, the queue is full.",
}
NOBODY_ON_DUTY: Text = {
    "zh-CN": "很抱歉，当前没有客服代表在岗。",
    "en-US": "Sorry, no agent is on duty right now.",
}


async def respond(
    request: web.Request, ctx: CallContext, answer: Answer, vip_class: str | None = None
) -> str:
    """The TwiML for an answer whose facts are recorded: joins its queue if it has one."""
    if answer.join is not None:
        return await join_queue(request, ctx, answer.join, answer.lead, vip_class=vip_class)
    return answer.twiml


async def join_queue(
    request: web.Request,
    ctx: CallContext,
    queue: str,
    lead: Sequence[Text] = (),
    *,
    vip_class: str | None = None,
) -> str:
    """Put the caller in the router's queue and answer `<Enqueue>`, or the Dial at once
    when an agent is idle, or the queue's overflow when it is full or unstaffed.

    The `<Enqueue>` URLs carry the call's card (`ivr.webhooks.call_card`), built from its
    state; `vip_class` stands in for the state's when Redis has no facts of the call.
    """
    matching = shared(request)[MATCHING]
    calls = shared(request)[CALLS]
    facts, state = await calls.facts(ctx.call_sid)
    joined_ms = int(shared(request)[CLOCK]().timestamp() * 1000)
    if facts is not None:
        vip_class = facts.vip_class
    else:
        # Redis forgot the call in the menu (flushed, restarted empty): its facts again,
        # from its signed URL and the carrier's form, so its Dial and records find them.
        if vip_class is None:
            profile = ctx.loaded.caller(VoiceRequest.parse(request[FORM]).caller)
            vip_class = (profile.vip or "") if profile is not None else ""
        facts = facts_of_request(request, ctx, vip_class=vip_class, arrived_ms=joined_ms)
        await calls.update(ctx.call_sid, **facts.fields(), queue=queue, outcome="queued")
        log.warning(
            "unknown in Redis: facts rebuilt to join %s", queue, extra={"call_sid": ctx.call_sid}
        )
    # The join time goes into the call's state as its place is taken, so the agent's Dial
    # action (built from that state) can carry the card on; both in one event-loop turn.
    _, enqueued = await asyncio.gather(
        calls.update(ctx.call_sid, joined_ms=str(joined_ms)),
        matching.enqueue(
            ctx.loaded, ctx.call_sid, queue, vip_class=vip_class or "", arrived_ms=joined_ms
        ),
    )
    if enqueued.status is EnqueueStatus.FULL:
        return await overflow_answer(request, ctx, queue, [*lead, QUEUE_FULL])
    if enqueued.status is EnqueueStatus.EMPTY:
        return await overflow_answer(request, ctx, queue, [*lead, NOBODY_ON_DUTY])
    earlier = state.get("joined_ms", "")
    if enqueued.status is EnqueueStatus.DUPLICATE and earlier.isdigit():
        # A retried webhook: the call keeps the place it took the first time.
        joined_ms = int(earlier)
        await calls.update(ctx.call_sid, joined_ms=earlier)
    offer = enqueued.offer
    if offer is not None and offer.call_id == ctx.call_sid:
        return await shared(request)[BRIDGE].connect_now(offer, ctx.voice, lead)
    card = CallCard.from_state(facts, {**state, "joined_ms": str(joined_ms)})
    if card is None:  # no facts in Redis: what this call still knows of itself
        path, category = state.get("path", ""), state.get("category", "")
        card = CallCard(vip_class or "", path, category, joined_ms, joined_ms)
    waiting = replace(ctx, card=card)
    return twiml.enqueue(ctx.voice, queue_target(request, waiting, queue), lead=lead)


async def overflow_answer(
    request: web.Request, ctx: CallContext, queue: str, lead: Sequence[Text]
) -> str:
    """Where the queue sends callers it cannot serve: another queue, voicemail, goodbye."""
    target = ctx.loaded.config.queues[queue].routing.on_max_wait
    calls = shared(request)[CALLS]
    if target.type == "queue" and target.queue in ctx.loaded.config.queues:
        await calls.update(ctx.call_sid, queue=target.queue, overflow_from=queue)
        return await join_queue(request, ctx, target.queue, lead)
    if target.type == "voicemail":
        await calls.update(ctx.call_sid, outcome="voicemail", overflow_from=queue)
        url = public_url(request, "voicemail", **ctx.query())
        return twiml.voicemail(ctx.voice, twiml.VOICEMAIL_PROMPT, url, 120, lead=lead)
    await calls.update(ctx.call_sid, outcome="overflow-hangup", overflow_from=queue)
    return twiml.say_then_hangup(ctx.voice, *lead, ctx.hotline.messages.goodbye)
