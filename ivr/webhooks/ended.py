"""A call that ended stays ended: a replayed or stray webhook of the caller's path for it
hears `<Hangup/>` and changes nothing (no ghost call queued and offered again)."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from hotline.appkeys import CALLS
from ivr import twiml
from ivr.webhooks.params import ENDED, QueueResult, VoiceRequest
from ivr.webhooks.shared import shared
from ivr.webhooks.signature import FORM

log = logging.getLogger(__name__)

# Routes that would put a caller (back) in the menu or a queue. The agent's leg settles
# its offer in its own callbacks, which pass.
CALLER_ROUTES = frozenset(
    {
        "voice",
        "menu",
        "wait",
        "wait_key",
        "queue_result",
        "transfer_result",
        "wait_fallback",
        "queue_result_fallback",
    }
)


def reports_the_end(form: dict[str, str]) -> bool:
    """The webhook itself says the call is over: it is the news, not a replay of the past."""
    status = form.get("CallStatus", "").strip().lower()
    result = form.get("QueueResult", "").strip().lower()
    return status in ENDED or result == QueueResult.HANGUP


@web.middleware
async def hang_up_after_the_end(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Inside the signature check: only a signed webhook of a call that ended is answered
    `<Hangup/>`; the call's end itself, and every other route, pass."""
    route = request.match_info.route.name or ""
    form = dict(request.get(FORM, {}))
    if route not in CALLER_ROUTES or reports_the_end(form):
        return await handler(request)
    call_sid = VoiceRequest.parse(form).call_sid
    if not await shared(request)[CALLS].has_ended(call_sid):
        return await handler(request)
    log.info("webhook %s after the call ended: hang up", route, extra={"call_sid": call_sid})
    hang_up = twiml.say_then_hangup(twiml.DEFAULT_VOICE)
    return web.Response(text=hang_up, content_type="application/xml")
