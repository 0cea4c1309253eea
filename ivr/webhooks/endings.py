"""How calls end: status callbacks (`/twilio/status`), voicemail and transfer results."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from aiohttp import web

from hotline.appkeys import CALLS, CLOCK, MATCHING, SESSIONMAKER
from ivr import twiml
from ivr.menus.engine import start
from ivr.webhooks.actions import answer_action
from ivr.webhooks.call_context import call_context
from ivr.webhooks.joining import respond
from ivr.webhooks.params import ENDED, VoiceRequest
from ivr.webhooks.shared import shared
from ivr.webhooks.signature import FORM
from ivr.webhooks.voice import xml
from queues import voicemails
from queues.call_records import cdr
from queues.call_records.merge import record_call

log = logging.getLogger(__name__)

TRANSFER_FAILED = frozenset({"busy", "no-answer", "failed", "canceled"})


async def status(request: web.Request) -> web.Response:
    """Call status callback: when the call has ended, its record is written once."""
    params = VoiceRequest.parse(request[FORM])
    if params.status not in ENDED:
        return xml(twiml.empty())
    matching = shared(request)[MATCHING]
    # First of all: from now on, a late webhook of this call changes nothing.
    await shared(request)[CALLS].end(params.call_sid)
    # Waiting, ringing or talking: the router lets go of the call (and frees the agent).
    outcome = await matching.router.abandon(params.call_sid)
    await matching.deliver(outcome.offers)
    facts, fields = await shared(request)[CALLS].facts(params.call_sid)
    if facts is None:
        log.info(
            "ended (%s) with no call state", params.status, extra={"call_sid": params.call_sid}
        )
        return xml(twiml.empty())
    now = shared(request)[CLOCK]()
    record = cdr.CallRecord(
        call_sid=params.call_sid,
        hotline_id=facts.hotline_id,
        config_version=facts.version,
        caller=facts.caller,
        dialled=facts.dialled,
        vip_class=facts.vip_class,
        path=fields.get("path", ""),
        queue=fields.get("queue", ""),
        outcome=fields.get("outcome", "") or str(params.status),
        arrived_at=datetime.fromtimestamp(facts.arrived_ms / 1000, UTC),
        ended_at=now,
        duration_s=params.call_duration,
    )
    async with shared(request)[SESSIONMAKER]() as session, session.begin():
        inserted = await record_call(session, record)
    log.info(
        "ended status=%s outcome=%s recorded=%s",
        params.status,
        record.outcome,
        inserted,
        extra={"call_sid": params.call_sid},
    )
    return xml(twiml.empty())


async def voicemail(request: web.Request) -> web.Response:
    """The caller finished recording: keep the message, thank them, hang up."""
    params = VoiceRequest.parse(request[FORM])
    ctx = await call_context(request, params)
    calls = shared(request)[CALLS]
    if params.recording_url:
        _, fields = await calls.facts(params.call_sid)
        row = voicemails.Voicemail(
            call_sid=params.call_sid,
            hotline_id=ctx.hotline.id,
            caller=params.caller,
            recording_url=params.recording_url,
            duration_s=params.recording_duration,
            path=fields.get("path", ""),
            created_at=shared(request)[CLOCK](),
        )
        async with shared(request)[SESSIONMAKER]() as session, session.begin():
            await voicemails.save(session, row)
        log.info("left a voicemail of %ds", row.duration_s, extra={"call_sid": params.call_sid})
    return xml(twiml.say_then_hangup(ctx.voice, ctx.hotline.messages.goodbye))


async def transfer_result(request: web.Request) -> web.Response:
    """A transfer (Dial) ended: if it never connected, offer the operator instead."""
    params = VoiceRequest.parse(request[FORM])
    ctx = await call_context(request, params)
    if params.dial_status in TRANSFER_FAILED:
        log.info("transfer %s", params.dial_status, extra={"call_sid": params.call_sid})
        hotline = ctx.hotline
        answer = answer_action(
            request, ctx, hotline.operator, start(hotline), [hotline.messages.apology]
        )
        await shared(request)[CALLS].update(params.call_sid, **answer.fields)
        return xml(await respond(request, ctx, answer))
    return xml(twiml.say_then_hangup(ctx.voice, ctx.hotline.messages.goodbye))
