"""How calls end: status callbacks (`/twilio/status`), voicemail and transfer results."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from hotline.appkeys import CALLS, CLOCK, CONFIGS, KEYS, MATCHING, REDIS, SESSIONMAKER
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
from queues.call_records.queued_end import end_payload, voicemail_payload
from queues.db import database_unavailable
from routing import outbox
from routing.outbox import OutboxKind

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
    now = shared(request)[CLOCK]()
    if facts is None:
        # Redis forgot the call (flushed, restarted empty): its record still gets its end,
        # from what this callback says; what the router's events wrote stays.
        recorded = await record_end(request, _end_of_forgotten_call(request, params, now))
        log.info(
            "ended (%s) with no call state: recorded=%s",
            params.status,
            recorded,
            extra={"call_sid": params.call_sid},
        )
        return xml(twiml.empty())
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
    recorded = await record_end(request, record)
    log.info(
        "ended status=%s outcome=%s recorded=%s",
        params.status,
        record.outcome,
        recorded,
        extra={"call_sid": params.call_sid},
    )
    return xml(twiml.empty())


def _end_of_forgotten_call(
    request: web.Request, params: VoiceRequest, now: datetime
) -> cdr.CallRecord:
    """The call-end facts of a call Redis no longer knows: the numbers and duration from the
    carrier, the hotline from the dialled number; everything else is left to the record. If
    it was answered and the agent did not hang up first (the Dial's end on this call comes
    before this callback and says so), the caller hung up."""
    loaded = shared(request)[CONFIGS].latest
    hotline = loaded.hotline_for(params.dialled) if loaded is not None else None
    return cdr.CallRecord(
        call_sid=params.call_sid,
        hotline_id=hotline.id if hotline is not None else "",
        config_version=0,
        caller=params.caller,
        dialled=params.dialled,
        vip_class="",
        path="",
        queue="",
        outcome="",
        arrived_at=now - timedelta(seconds=params.call_duration),
        ended_at=now,
        duration_s=params.call_duration,
        completed_by="caller",
    )


async def record_end(request: web.Request, record: cdr.CallRecord) -> str:
    """Merge a callback's call-end facts into the record, or queue them while the database
    is unavailable (the carrier sends a callback once): "created", "merged" or "queued"."""
    try:
        async with shared(request)[SESSIONMAKER]() as session, session.begin():
            created = await record_call(session, record)
        return "created" if created else "merged"
    except Exception as error:
        if not database_unavailable(error):
            raise
        log.warning(
            "database unavailable (%r): call record queued",
            error,
            extra={"call_sid": record.call_sid},
        )
    await _queue(request, OutboxKind.CALLEND, record.call_sid, end_payload(record))
    return "queued"


async def _queue(
    request: web.Request, kind: OutboxKind, call_sid: str, data: dict[str, Any]
) -> None:
    """Put a write the database could not take on the event stream, for the event sink."""
    now = shared(request)[CLOCK]()
    await outbox.put(
        shared(request)[REDIS],
        shared(request)[KEYS],
        kind,
        call_id=call_sid,
        agent_id="",
        at_ms=int(now.timestamp() * 1000),
        data=data,
    )


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
        try:
            async with shared(request)[SESSIONMAKER]() as session, session.begin():
                await voicemails.save(session, row)
        except Exception as error:
            if not database_unavailable(error):
                raise
            await _queue(request, OutboxKind.VOICEMAIL, params.call_sid, voicemail_payload(row))
            log.warning(
                "database unavailable (%r): voicemail queued",
                error,
                extra={"call_sid": params.call_sid},
            )
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
