"""Joining a queue: the router's enqueue, then `<Enqueue>`, the Dial at once when an agent
is idle, or the queue's overflow (another queue, voicemail, goodbye) when it cannot serve."""

from __future__ import annotations

from collections.abc import Sequence

from aiohttp import web

from hotline.appkeys import BRIDGE, CALLS, MATCHING
from ivr import twiml
from ivr.menus.schema import Text
from ivr.webhooks.actions import Answer, CallContext, queue_target
from ivr.webhooks.shared import public_url, shared
from routing.offer import EnqueueStatus

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

    `vip_class` saves a read when the caller already knows it.
    """
    matching = shared(request)[MATCHING]
    if vip_class is None:
        facts, _ = await shared(request)[CALLS].facts(ctx.call_sid)
        vip_class = facts.vip_class if facts else ""
    enqueued = await matching.enqueue(ctx.loaded, ctx.call_sid, queue, vip_class=vip_class)
    if enqueued.status is EnqueueStatus.FULL:
        return await overflow_answer(request, ctx, queue, [*lead, QUEUE_FULL])
    if enqueued.status is EnqueueStatus.EMPTY:
        return await overflow_answer(request, ctx, queue, [*lead, NOBODY_ON_DUTY])
    offer = enqueued.offer
    if offer is not None and offer.call_id == ctx.call_sid:
        return await shared(request)[BRIDGE].connect_now(offer, ctx.voice, lead)
    if lead:
        return twiml.enqueue(ctx.voice, queue_target(request, ctx, queue), lead=lead)
    key = (ctx.hotline.id, "enqueue", queue)
    cached = ctx.loaded.rendered.get(key)
    if cached is None:  # the same for every caller of this version: rendered once
        cached = twiml.enqueue(ctx.voice, queue_target(request, ctx, queue))
        ctx.loaded.rendered[key] = cached
    return cached


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
