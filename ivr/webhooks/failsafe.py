"""Whatever goes wrong inside, the caller hears an apology and a safe next step.

Twilio plays its own error and hangs up on a 5xx or a non-TwiML answer; a caller must
never hear that. HTTP errors we raise on purpose (403 forged, 413 too large) pass through.
"""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from ivr import twiml
from ivr.webhooks.params import BadParams
from ivr.webhooks.shared import public_url
from ivr.webhooks.signature import FORM

log = logging.getLogger(__name__)

OPERATOR_QUEUE = "general"
# Routes where the caller is still in the menu: the safe step is the operator queue.
MENU_ROUTES = frozenset({"voice", "menu", "transfer_result", "dial_result"})
HOLD_ROUTES = frozenset({"wait", "wait_key"})
SILENT_ROUTES = frozenset({"status", "agent_status"})


def fallback_twiml(request: web.Request) -> str:
    route = request.match_info.route.name or ""
    voice = twiml.DEFAULT_VOICE
    if route in HOLD_ROUTES:
        return twiml.hold(voice, {}, None, 10)  # keep holding; the next segment may work
    if route in SILENT_ROUTES:
        return twiml.empty()
    if route in MENU_ROUTES:
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
    except Exception:
        sid = request.get(FORM, {}).get("CallSid", "?")[:40]
        log.exception("failed in %s", request.path, extra={"call_sid": sid})
    return web.Response(text=fallback_twiml(request), content_type="application/xml")


async def wait_fallback(request: web.Request) -> web.Response:
    """Hold segment for a caller queued by the fail-safe path (no call context needed)."""
    return web.Response(
        text=twiml.hold(twiml.DEFAULT_VOICE, {}, None, 10), content_type="application/xml"
    )


async def queue_result_fallback(request: web.Request) -> web.Response:
    return web.Response(
        text=twiml.say_then_hangup(twiml.DEFAULT_VOICE, twiml.FALLBACK_GOODBYE),
        content_type="application/xml",
    )
