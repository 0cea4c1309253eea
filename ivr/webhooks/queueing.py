"""A caller in a queue: joining it (router + `<Enqueue>`), the waitUrl loop
(`/twilio/wait`: position, estimated wait, hold, heartbeat), keys pressed while waiting
(`/twilio/wait-key`), and how the wait ended (`/twilio/queue-result`)."""

from __future__ import annotations

import logging

from aiohttp import web

from hotline.appkeys import BRIDGE, CALLS, MATCHING
from ivr import twiml
from ivr.menus import engine
from ivr.webhooks.actions import CallContext, menu_prompt, queue_target
from ivr.webhooks.call_context import call_context
from ivr.webhooks.joining import QUEUE_FULL, overflow_answer
from ivr.webhooks.params import QueueResult, VoiceRequest
from ivr.webhooks.shared import public_url, shared
from ivr.webhooks.signature import FORM
from ivr.webhooks.voice import xml
from ivr.webhooks.waiting import leave_intent, wait_segment
from queues.catalogue import WaitKey
from routing.offer import LeaveReason

log = logging.getLogger(__name__)

#: How many failed waitUrl fetches one call is put back in its queue after.
WAIT_ERRORS_TOLERATED = 3


async def wait(request: web.Request) -> web.Response:
    """One segment of waiting; the carrier asks again when it ends."""
    params = VoiceRequest.parse(request[FORM])
    ctx = await call_context(request, params)
    queue = request.query.get("q", "")
    if queue not in ctx.loaded.config.queues:
        log.warning("waits in unknown queue %r", queue, extra={"call_sid": params.call_sid})
        return xml(twiml.hold(ctx.voice, {}, None, 20))
    return xml(await wait_segment(request, ctx, queue, params.queue_time))


async def wait_key(request: web.Request) -> web.Response:
    """A key pressed while waiting: leave for a voicemail or back to the menu, if offered."""
    params = VoiceRequest.parse(request[FORM])
    ctx = await call_context(request, params)
    queue = request.query.get("q", "")
    spec = ctx.loaded.config.queues.get(queue)
    kind = spec.wait_keys.get(params.digits[:1]) if spec is not None else None
    if kind is None:
        return xml(await wait_segment(request, ctx, queue, params.queue_time, announce=False))
    router = shared(request)[MATCHING].router
    outcome = await router.leave(params.call_sid, LeaveReason.KEY, key=params.digits[:1])
    await shared(request)[MATCHING].deliver(outcome.offers)
    await shared(request)[CALLS].update(params.call_sid, leave=f"key:{kind}")
    log.info("left queue %s by key (%s)", queue, kind, extra={"call_sid": params.call_sid})
    return xml(twiml.leave())


async def queue_result(request: web.Request) -> web.Response:
    """The Enqueue verb ended: the caller hung up, left, was redirected to an agent..."""
    params = VoiceRequest.parse(request[FORM])
    ctx = await call_context(request, params)
    messages = ctx.hotline.messages
    result = params.queue_result
    queue = request.query.get("q", "")
    calls = shared(request)[CALLS]
    matching = shared(request)[MATCHING]
    log.info(
        "queue=%s result=%s waited=%ds",
        queue,
        result,
        params.queue_time,
        extra={"call_sid": params.call_sid},
    )
    if result is QueueResult.REDIRECTED:
        return xml(twiml.empty())  # our live-call update is connecting it; Twilio ignores this
    if result is QueueResult.HANGUP:
        await calls.end(params.call_sid)
        outcome = await matching.router.abandon(params.call_sid)
        await matching.deliver(outcome.offers)
        await calls.update(params.call_sid, outcome="abandoned", waited_s=str(params.queue_time))
        return xml(twiml.empty())
    if result is QueueResult.LEAVE:
        return xml(await _after_leave(request, ctx, queue))
    if result in {QueueResult.BRIDGED, QueueResult.REDIRECTED_FROM_BRIDGED}:
        return xml(twiml.say_then_hangup(ctx.voice, messages.goodbye))
    if result in {QueueResult.ERROR, QueueResult.SYSTEM_ERROR}:
        again = await _back_after_wait_error(request, ctx, queue)
        if again is not None:
            return xml(again)
    outcome = await matching.router.leave(params.call_sid, LeaveReason.ABANDON)
    await matching.deliver(outcome.offers)
    if result is QueueResult.QUEUE_FULL:
        await calls.update(params.call_sid, outcome="queue-full")
        return xml(twiml.say_then_hangup(ctx.voice, QUEUE_FULL, messages.goodbye))
    await calls.update(params.call_sid, outcome="queue-error")
    return xml(twiml.say_then_hangup(ctx.voice, messages.apology, messages.goodbye))


async def _back_after_wait_error(request: web.Request, ctx: CallContext, queue: str) -> str | None:
    """The carrier could not fetch a waitUrl (the server it reached died mid-answer, the
    network broke): the caller goes back into the queue, where the router still keeps their
    place (or the next waitUrl puts them back from the URL's card), instead of hearing an
    apology. A call whose waits keep failing gets the apology after `WAIT_ERRORS_TOLERATED`.
    """
    if queue not in ctx.loaded.config.queues:
        return None
    dial = await shared(request)[BRIDGE].pending_dial(ctx.call_sid)
    if dial is not None:
        return dial  # an agent is waiting for this caller: the Dial, not the queue
    calls = shared(request)[CALLS]
    _, state = await calls.facts(ctx.call_sid)
    failed = state.get("wait_errors", "0")
    count = (int(failed) if failed.isdigit() else 0) + 1
    if count > WAIT_ERRORS_TOLERATED:
        return None
    await calls.update(ctx.call_sid, wait_errors=str(count))
    log.warning(
        "waitUrl failed at the carrier: back in %s", queue, extra={"call_sid": ctx.call_sid}
    )
    return twiml.enqueue(ctx.voice, queue_target(request, ctx, queue))


async def _after_leave(request: web.Request, ctx: CallContext, queue: str) -> str:
    """Why the caller left the carrier's queue decides what comes next."""
    dial = await shared(request)[BRIDGE].pending_dial(ctx.call_sid)
    if dial is not None:
        return dial  # the live-call update failed; the Enqueue action dials instead
    intent = await leave_intent(request, ctx.call_sid)
    if intent in {"timeout", "empty"}:
        return await overflow_answer(request, ctx, queue, [])
    if intent == f"key:{WaitKey.VOICEMAIL}":
        url = public_url(request, "voicemail", **ctx.query())
        return twiml.voicemail(ctx.voice, twiml.VOICEMAIL_PROMPT, url, 120)
    if intent == f"key:{WaitKey.BACK}":
        return menu_prompt(request, ctx, engine.start(ctx.hotline))
    return twiml.say_then_hangup(ctx.voice, ctx.hotline.messages.goodbye)
