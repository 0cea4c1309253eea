"""Where the fail-safe puts a caller: the hotline's operator queue, in the router when it
can be reached, with a call record in SQL, and URLs that rebuild the call once Redis is back.

It reads only what the process already holds (the config version it last loaded) and
what the signed webhook says (`To`, `From`, `CallSid`), so it works while Redis is down.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from hotline.appkeys import CALLS, CLOCK, CONFIGS, SESSIONMAKER
from ivr import twiml
from ivr.calls import CallFacts
from ivr.menus.published import LoadedConfig
from ivr.menus.schema import Hotline, QueueAction
from ivr.webhooks.actions import CallContext, queue_target
from ivr.webhooks.call_card import CallCard
from ivr.webhooks.joining import join_queue
from ivr.webhooks.params import BadParams, VoiceRequest
from ivr.webhooks.shared import shared
from queues.call_records import cdr
from queues.call_records.merge import record_call

log = logging.getLogger(__name__)

OPERATOR_QUEUE = "general"
PATH_FAILSAFE = "fail-safe"  # the path of a call queued by the fail-safe, as VIP / closed


@dataclass(frozen=True)
class KnownCall:
    """The call as the fail-safe knows it: a hotline of the loaded config, and the caller."""

    loaded: LoadedConfig
    hotline: Hotline
    params: VoiceRequest


def known_call(request: web.Request, form: Mapping[str, str]) -> KnownCall | None:
    """The hotline dialled (`To`, or the URL's `h`) in the config this process has loaded;
    None when there is none or the webhook is not a call's."""
    loaded = shared(request)[CONFIGS].latest
    if loaded is None:
        return None
    try:
        params = VoiceRequest.parse(form)
    except BadParams:
        return None
    hotline = loaded.hotline_for(params.dialled) or loaded.hotlines.get(request.query.get("h", ""))
    return KnownCall(loaded, hotline, params) if hotline is not None else None


def voice_of(request: web.Request, form: Mapping[str, str]) -> twiml.Voice:
    """The dialled hotline's voice and language, else the default."""
    call = known_call(request, form)
    return twiml.Voice.of(call.hotline) if call is not None else twiml.DEFAULT_VOICE


def operator_queue(call: KnownCall) -> tuple[str, str]:
    """The hotline's operator queue and category, else the general queue."""
    action = call.hotline.operator
    queues = call.loaded.config.queues
    if isinstance(action, QueueAction) and action.queue in queues:
        return action.queue, action.category
    return OPERATOR_QUEUE if OPERATOR_QUEUE in queues else next(iter(queues)), ""


async def enqueue_safely(request: web.Request, call: KnownCall, *, apologise: bool = True) -> str:
    """Queue the caller for the operator (after an apology), in the router if it can; else
    answer `<Enqueue>` with URLs whose card rebuilds the call at the next segment."""
    queue, category = operator_queue(call)
    now = shared(request)[CLOCK]()
    now_ms = int(now.timestamp() * 1000)
    sid = call.params.call_sid
    vip_class = _vip_class(call)
    await _record(request, call, queue, vip_class, now)
    ctx = CallContext(call.loaded, call.hotline, sid)
    lead = [twiml.FALLBACK_APOLOGY] if apologise else []
    try:
        facts = CallFacts(
            sid,
            call.hotline.id,
            call.loaded.version,
            call.params.caller,
            call.params.dialled,
            vip_class,
            now_ms,
        )
        calls = shared(request)[CALLS]
        await calls.arrive(facts, path=PATH_FAILSAFE)
        # A call Redis knew before (it arrived, then the menu failed) keeps its first facts
        # but has no path yet: its record and work order say the fail-safe queued it.
        _, state = await calls.facts(sid)
        path = state.get("path") or PATH_FAILSAFE
        await calls.update(sid, queue=queue, category=category, outcome="queued", path=path)
        return await join_queue(request, ctx, queue, lead, vip_class=vip_class)
    except Exception:
        log.warning("fail-safe: not in the router yet (%s)", queue, extra={"call_sid": sid})
    card = CallCard(vip_class, PATH_FAILSAFE, category, now_ms, now_ms)
    target = queue_target(request, CallContext(call.loaded, call.hotline, sid, card), queue)
    return twiml.enqueue(ctx.voice, target, lead=lead)


def _vip_class(call: KnownCall) -> str:
    caller = call.loaded.caller(call.params.caller)
    return caller.vip if caller is not None and caller.vip else ""


async def _record(
    request: web.Request, call: KnownCall, queue: str, vip_class: str, now: datetime
) -> None:
    """The call's record, so that a call the fail-safe queued is never a call nobody saw;
    the call's end and the router's events fill it in later, whichever comes first."""
    record = cdr.CallRecord(
        call_sid=call.params.call_sid,
        hotline_id=call.hotline.id,
        config_version=call.loaded.version,
        caller=call.params.caller,
        dialled=call.params.dialled,
        vip_class=vip_class,
        path=PATH_FAILSAFE,
        queue=queue,
        outcome="",
        arrived_at=now,
        ended_at=None,
        duration_s=0,
    )
    try:
        async with shared(request)[SESSIONMAKER]() as session, session.begin():
            await record_call(session, record)
    except Exception:
        log.exception("fail-safe: call record not written", extra={"call_sid": record.call_sid})
