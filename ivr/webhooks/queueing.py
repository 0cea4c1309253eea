"""A caller in a queue: the waitUrl loop (`/twilio/wait`) and how the wait ended
(`/twilio/queue-result`, the Enqueue action)."""

from __future__ import annotations

import logging

from aiohttp import web

from ivr import twiml
from ivr.appkeys import CALLS
from ivr.webhooks.context import call_context
from ivr.webhooks.params import QueueResult, VoiceRequest
from ivr.webhooks.signature import FORM
from ivr.webhooks.voice import xml

log = logging.getLogger(__name__)

DEFAULT_HOLD_SECONDS = 20
QUEUE_FULL: dict[str, str] = {
    "zh-CN": "很抱歉，当前排队人数已满，请您稍后再拨。",
    "en-US": "Sorry, the queue is full. Please call again later.",
}


async def wait(request: web.Request) -> web.Response:
    """One segment of hold: the queue's hold prompt, then music or silence.

    The carrier asks again when the segment ends, so segments stay short.
    """
    params = VoiceRequest.parse(request[FORM])
    ctx = await call_context(request, params)
    queue_name = request.query.get("q", "")
    spec = ctx.loaded.config.queues.get(queue_name)
    if spec is None:
        log.warning("call_sid=%s waits in unknown queue %r", params.call_sid, queue_name)
        return xml(twiml.hold(ctx.voice, {}, None, DEFAULT_HOLD_SECONDS))
    return xml(twiml.hold(ctx.voice, spec.hold_prompt, spec.hold_music, spec.hold_seconds))


async def queue_result(request: web.Request) -> web.Response:
    """The Enqueue verb ended: the caller hung up, left, was bridged, or the queue failed."""
    params = VoiceRequest.parse(request[FORM])
    ctx = await call_context(request, params)
    messages = ctx.hotline.messages
    result = params.queue_result
    calls = request.config_dict[CALLS]
    log.info(
        "call_sid=%s queue=%s result=%s waited=%ds",
        params.call_sid,
        request.query.get("q", ""),
        result,
        params.queue_time,
    )
    if result is QueueResult.HANGUP:
        await calls.update(params.call_sid, outcome="abandoned", waited_s=str(params.queue_time))
        return xml(twiml.empty())
    if result in {QueueResult.BRIDGED, QueueResult.REDIRECTED_FROM_BRIDGED}:
        return xml(twiml.say_then_hangup(ctx.voice, messages.goodbye))
    if result is QueueResult.QUEUE_FULL:
        await calls.update(params.call_sid, outcome="queue-full")
        return xml(twiml.say_then_hangup(ctx.voice, QUEUE_FULL, messages.goodbye))
    if result in {QueueResult.ERROR, QueueResult.SYSTEM_ERROR}:
        await calls.update(params.call_sid, outcome="queue-error")
        return xml(twiml.say_then_hangup(ctx.voice, messages.apology, messages.goodbye))
    # leave / redirected / unknown: the wait ended without an agent; say goodbye politely.
    await calls.update(params.call_sid, outcome="left-queue", waited_s=str(params.queue_time))
    return xml(twiml.say_then_hangup(ctx.voice, messages.goodbye))
