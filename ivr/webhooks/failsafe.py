"""Whatever goes wrong inside, the caller hears an apology and a safe next step.

Twilio plays its own error and hangs up on a 5xx or a non-TwiML answer; a caller must
never hear that. HTTP errors we raise on purpose (403 forged, 413 too large) pass through.
The apology speaks the dialled hotline's language, and the operator queue it sends the
caller to is a real one (`ivr.webhooks.failsafe_queue`).
"""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from hotline.appkeys import CALLS, METRICS
from hotline.metrics import ErrorKind
from ivr import twiml
from ivr.webhooks.failsafe_queue import OPERATOR_QUEUE, enqueue_safely, known_call, voice_of
from ivr.webhooks.held_callbacks import HELD_CALLBACKS, ONCE_ROUTES, redis_down
from ivr.webhooks.params import BadParams, QueueResult, VoiceRequest
from ivr.webhooks.shared import public_url, shared
from ivr.webhooks.signature import FORM

log = logging.getLogger(__name__)

# Routes where the caller is still in the menu: the safe step is the operator queue.
MENU_ROUTES = frozenset({"voice", "menu", "transfer_result", "dial_result"})
HOLD_ROUTES = frozenset({"wait", "wait_key", "wait_fallback"})
SILENT_ROUTES = frozenset({"status", "agent_status"})
TALKED = frozenset({"completed", "answered"})  # a Dial's end after the agent answered
HOLD_SECONDS = 10  # the next segment may work


def xml(body: str) -> web.Response:
    return web.Response(text=body, content_type="application/xml")


async def fallback_twiml(request: web.Request) -> str:
    route = request.match_info.route.name or ""
    form = request.get(FORM, {})
    voice = voice_of(request, form)
    if route in HOLD_ROUTES:
        return twiml.hold(voice, {}, None, HOLD_SECONDS)
    if route in SILENT_ROUTES:
        return twiml.empty()
    if route == "dial_result" and form.get("DialCallStatus", "").lower() in TALKED:
        # The caller talked to the agent: the conversation is over, never a queue again.
        call = known_call(request, form)
        goodbye = call.hotline.messages.goodbye if call is not None else twiml.FALLBACK_GOODBYE
        return twiml.say_then_hangup(voice, goodbye)
    if route in MENU_ROUTES:
        call = known_call(request, form)
        if call is not None:
            return await enqueue_safely(request, call)
        # No hotline known: a hold loop of its own, which joins a real queue once one is.
        target = twiml.QueueTarget(
            name=OPERATOR_QUEUE,
            wait_url=public_url(request, "wait_fallback"),
            action_url=public_url(request, "queue_result_fallback"),
        )
        return twiml.enqueue(voice, target, lead=[twiml.FALLBACK_APOLOGY])
    return twiml.say_then_hangup(voice, twiml.FALLBACK_GOODBYE)


@web.middleware
async def answer_safely(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except BadParams as error:
        sid = request.get(FORM, {}).get("CallSid", "?")[:40]
        log.warning("bad request to %s: %s", request.path, error, extra={"call_sid": sid})
        shared(request)[METRICS].error(ErrorKind.WEBHOOK_BAD_REQUEST)
    except Exception as error:
        shared(request)[METRICS].error(ErrorKind.WEBHOOK_FAILSAFE)
        route = request.match_info.route.name or ""
        if route in ONCE_ROUTES and redis_down(error) and FORM in request:
            shared(request)[HELD_CALLBACKS].hold(request)  # sent once: applied when Redis is back
        else:
            sid = request.get(FORM, {}).get("CallSid", "?")[:40]
            log.exception("failed in %s", request.path, extra={"call_sid": sid})
    try:
        return xml(await fallback_twiml(request))
    except Exception:  # even the fail-safe failed: the plainest safe step
        sid = request.get(FORM, {}).get("CallSid", "?")[:40]
        log.exception("fail-safe failed in %s", request.path, extra={"call_sid": sid})
        if (request.match_info.route.name or "") in HOLD_ROUTES:
            return xml(twiml.hold(twiml.DEFAULT_VOICE, {}, None, HOLD_SECONDS))
        return xml(twiml.say_then_hangup(twiml.DEFAULT_VOICE, twiml.FALLBACK_GOODBYE))


async def wait_fallback(request: web.Request) -> web.Response:
    """Hold segment for a caller the fail-safe queued without knowing the hotline: leaves
    the carrier's queue for a real one as soon as the hotline and Redis are known."""
    call = known_call(request, request[FORM])
    if call is None:
        return xml(twiml.hold(twiml.DEFAULT_VOICE, {}, None, HOLD_SECONDS))
    try:
        await shared(request)[CALLS].has_ended(call.params.call_sid)  # is Redis there?
    except Exception:
        return xml(twiml.hold(twiml.Voice.of(call.hotline), {}, None, HOLD_SECONDS))
    return xml(twiml.leave())  # the Enqueue action joins the real queue


async def queue_result_fallback(request: web.Request) -> web.Response:
    call = known_call(request, request[FORM])
    result = VoiceRequest.parse(request[FORM]).queue_result
    if call is not None and result is QueueResult.LEAVE:
        return xml(await enqueue_safely(request, call, apologise=False))
    if result is QueueResult.HANGUP:
        return xml(twiml.empty())
    voice = twiml.Voice.of(call.hotline) if call is not None else twiml.DEFAULT_VOICE
    return xml(twiml.say_then_hangup(voice, twiml.FALLBACK_GOODBYE))
