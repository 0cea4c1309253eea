"""The incoming call and each menu step: `/twilio/voice` and `/twilio/menu`."""

from __future__ import annotations

import logging

from aiohttp import web

from ivr import twiml
from ivr.appkeys import CALLS, CLOCK, CONFIGS
from ivr.calls import CallFacts
from ivr.menus import engine
from ivr.menus.engine import Notice, Position, Prompt
from ivr.menus.hours import is_open
from ivr.menus.schema import Text
from ivr.webhooks.actions import CallContext, answer_action, menu_prompt
from ivr.webhooks.context import call_context
from ivr.webhooks.params import BadParams, VoiceRequest
from ivr.webhooks.signature import FORM

log = logging.getLogger(__name__)

PATH_VIP = "VIP"
PATH_CLOSED = "closed"


def xml(body: str) -> web.Response:
    return web.Response(text=body, content_type="application/xml")


async def incoming(request: web.Request) -> web.Response:
    """A call arrives: find the hotline, the caller, the hours; answer the first step."""
    params = VoiceRequest.parse(request[FORM])
    registry = request.config_dict[CONFIGS]
    loaded = await registry.current()
    hotline = loaded.hotline_for(params.dialled)
    if hotline is None:
        log.warning("call_sid=%s dialled unknown number %r", params.call_sid, params.dialled)
        return xml(twiml.say_then_hangup(twiml.DEFAULT_VOICE, twiml.UNKNOWN_NUMBER))
    caller = loaded.caller(params.caller)
    vip = caller.vip if caller is not None and caller.vip else ""
    now = request.config_dict[CLOCK]()
    facts = await request.config_dict[CALLS].arrive(
        CallFacts(
            call_sid=params.call_sid,
            hotline_id=hotline.id,
            version=loaded.version,
            caller=params.caller,
            dialled=params.dialled,
            vip_class=vip,
            arrived_ms=int(now.timestamp() * 1000),
        )
    )
    if facts.version != loaded.version:  # a retried webhook after a publish: keep the first
        loaded = await registry.version(facts.version)
        hotline = loaded.hotlines.get(facts.hotline_id, hotline)
    ctx = CallContext(loaded, hotline, params.call_sid)
    start = engine.start(hotline)
    log.info(
        "call_sid=%s hotline=%s version=%d vip=%s",
        params.call_sid,
        hotline.id,
        loaded.version,
        vip or "-",
    )
    if not is_open(hotline.hours, now, hotline.timezone):
        if hotline.closed is None:
            return xml(twiml.say_then_hangup(ctx.voice, hotline.messages.goodbye))
        closed = hotline.closed
        return xml(
            await answer_action(request, ctx, closed.action, start, PATH_CLOSED, [closed.prompt])
        )
    greeting: list[Text] = [hotline.greeting] if hotline.greeting else []
    policy = hotline.vip
    if vip and policy is not None and (not policy.classes or vip in policy.classes):
        lead = [policy.greeting] if policy.greeting else greeting
        return xml(await answer_action(request, ctx, policy.action, start, PATH_VIP, lead))
    return xml(menu_prompt(request, ctx, start, greeting))


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
        log.warning("call_sid=%s stale menu position %s", ctx.call_sid, position.encode())
        return xml(menu_prompt(request, ctx, engine.start(hotline)))
    result = engine.step(hotline, position, params.digits, params.speech)
    calls = request.config_dict[CALLS]
    if result.selection is not None:
        await calls.select(ctx.call_sid, result.selection.depth, result.selection.render())
    outcome = result.outcome
    if isinstance(outcome, Prompt):
        lead: list[Text] = []
        if outcome.notice is Notice.INVALID:
            lead.append(hotline.messages.invalid)
        elif outcome.notice is Notice.NO_INPUT:
            lead.append(hotline.messages.no_input)
        return xml(menu_prompt(request, ctx, outcome.position, lead))
    depth = position.depth + (1 if result.selection is not None else 0)
    path = await calls.path(ctx.call_sid, depth)
    return xml(await answer_action(request, ctx, outcome.action, outcome.position, path))
