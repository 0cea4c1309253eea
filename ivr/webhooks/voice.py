"""The incoming call and each menu step: `/twilio/voice` and `/twilio/menu`."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from aiohttp import web

from hotline.appkeys import CALLS, CLOCK, CONFIGS, MATCHING
from ivr import twiml
from ivr.calls import CallFacts
from ivr.menus import engine
from ivr.menus.engine import Position, Prompt
from ivr.menus.entry import first_step
from ivr.webhooks.actions import Answer, CallContext, answer_action, menu_prompt
from ivr.webhooks.call_context import call_context
from ivr.webhooks.joining import respond
from ivr.webhooks.params import BadParams, VoiceRequest
from ivr.webhooks.shared import shared
from ivr.webhooks.signature import FORM

log = logging.getLogger(__name__)


def xml(body: str) -> web.Response:
    return web.Response(text=body, content_type="application/xml")


async def incoming(request: web.Request) -> web.Response:
    """A call arrives: find the hotline, the caller, the hours; answer the first step."""
    params = VoiceRequest.parse(request[FORM])
    registry = shared(request)[CONFIGS]
    loaded = await registry.current()
    hotline = loaded.hotline_for(params.dialled)
    if hotline is None:
        log.warning(
            "dialled unknown number %r", params.dialled, extra={"call_sid": params.call_sid}
        )
        return xml(twiml.say_then_hangup(twiml.DEFAULT_VOICE, twiml.UNKNOWN_NUMBER))
    caller = loaded.caller(params.caller)
    vip = caller.vip if caller is not None and caller.vip else ""
    now = shared(request)[CLOCK]()
    ctx = CallContext(loaded, hotline, params.call_sid)
    answer = _first_answer(request, ctx, vip, now)
    facts = CallFacts(
        call_sid=params.call_sid,
        hotline_id=hotline.id,
        version=loaded.version,
        caller=params.caller,
        dialled=params.dialled,
        vip_class=vip,
        arrived_ms=int(now.timestamp() * 1000),
    )
    stored = await shared(request)[CALLS].arrive(facts, **answer.fields)
    if stored != facts:  # a retried webhook: answer as the first delivery was answered
        loaded = await registry.version(stored.version)
        hotline = loaded.hotlines.get(stored.hotline_id, hotline)
        answer = _first_answer(request, CallContext(loaded, hotline, params.call_sid), vip, now)
    log.info(
        "hotline=%s version=%d vip=%s",
        hotline.id,
        loaded.version,
        vip or "-",
        extra={"call_sid": params.call_sid},
    )
    await shared(request)[MATCHING].ensure_rules()
    return xml(await respond(request, CallContext(loaded, hotline, params.call_sid), answer))


def _first_answer(request: web.Request, ctx: CallContext, vip: str, now: datetime) -> Answer:
    """The answer to the entry step (`ivr.menus.entry`): closed, the VIP path, or the menu."""
    entry = first_step(ctx.hotline, vip, now)
    outcome = entry.outcome
    if isinstance(outcome, Prompt):
        document = menu_prompt(
            request, ctx, outcome.position, lead=entry.lead, greeting=entry.greeting
        )
        answer = Answer(document)
    else:
        answer = answer_action(request, ctx, outcome.action, outcome.position, entry.lead)
    if entry.path:
        answer = replace(answer, fields={**answer.fields, "path": entry.path})
    return answer


async def menu(request: web.Request) -> web.Response:
    """The caller pressed a key, said something, or stayed silent at a menu node."""
    params = VoiceRequest.parse(request[FORM])
    ctx = await call_context(request, params)
    hotline = ctx.hotline
    try:
        position = Position.decode(request.query.get("s", ""), request.query.get("t", "0"))
    except ValueError as error:
        raise BadParams(str(error)) from None
    if any(node not in hotline.menu.nodes for node in position.stack):
        log.warning("stale menu position %s", position.encode(), extra={"call_sid": ctx.call_sid})
        return xml(menu_prompt(request, ctx, engine.start(hotline)))
    result = engine.step(hotline, position, params.digits, params.speech)
    choice = None
    if result.selection is not None:
        choice = (result.selection.depth, result.selection.render())
    calls = shared(request)[CALLS]
    outcome = result.outcome
    if isinstance(outcome, Prompt):
        if choice is not None:
            await calls.record(ctx.call_sid, choice=choice)
        return xml(menu_prompt(request, ctx, outcome.position, notice=outcome.notice))
    answer = answer_action(request, ctx, outcome.action, outcome.position)
    depth = position.depth + (1 if choice is not None else 0)
    recorded = await calls.record(ctx.call_sid, choice=choice, path_depth=depth, **answer.fields)
    return xml(await respond(request, ctx, answer, vip_class=recorded.vip_class))
