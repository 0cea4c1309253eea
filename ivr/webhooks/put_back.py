"""Putting back a waiting call the router lost: from the call's state when Redis kept it,
or rebuilt from the card its own signed URL carries when Redis forgot everything."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from enum import StrEnum

from aiohttp import web

from hotline.appkeys import BRIDGE, CALLS, CLOCK, MATCHING, SESSIONMAKER
from ivr.calls import CallFacts
from ivr.webhooks.actions import CallContext
from ivr.webhooks.call_card import CallCard
from ivr.webhooks.params import VoiceRequest
from ivr.webhooks.shared import shared
from ivr.webhooks.signature import FORM
from queues.call_records import cdr

log = logging.getLogger(__name__)


class PutBack(StrEnum):
    QUEUED = "queued"  # in the router again (or offered at once)
    NOT_WAITING = "not-waiting"  # its state says it is not waiting in this queue
    ENDED = "ended"  # the call ended: a late or replayed webhook


async def ended_in_records(request: web.Request, call_sid: str) -> bool:
    """Whether the call's record says it ended: what is left when Redis lost even the
    marker of an ended call. Unknown (database down) counts as not ended: the caller on
    the line matters more than a stray webhook."""
    try:
        async with shared(request)[SESSIONMAKER]() as session:
            record = await cdr.get(session, call_sid)
    except Exception:
        log.exception("call record unreadable", extra={"call_sid": call_sid})
        return False
    return record is not None and record.ended_at is not None


def facts_of_request(
    request: web.Request, ctx: CallContext, *, vip_class: str, arrived_ms: int
) -> CallFacts:
    """A call's facts as its own signed request tells them, for a call Redis forgot: the
    hotline and version from our URL, the numbers from the carrier's form."""
    params = VoiceRequest.parse(request[FORM])
    return CallFacts(
        call_sid=ctx.call_sid,
        hotline_id=ctx.hotline.id,
        version=ctx.loaded.version,
        caller=params.caller,
        dialled=params.dialled,
        vip_class=vip_class,
        arrived_ms=arrived_ms,
    )


def _joined_unheard(card: CallCard | None, state: Mapping[str, str]) -> bool:
    """Whether the card is of a later join than the call's state knows: the fail-safe
    queued the call while Redis was down, so the state kept is older than the URL."""
    joined = state.get("joined_ms", "")
    return card is not None and (not joined.isdigit() or card.joined_ms > int(joined))


async def put_back(
    request: web.Request,
    ctx: CallContext,
    queue: str,
    queue_time: int,
    facts: CallFacts | None,
    state: Mapping[str, str],
) -> PutBack:
    """Queue again, at its old place, a call the router does not know.

    With its facts in Redis, only a call still waiting in this queue goes back, unless its
    card is of a later join than its state (the fail-safe queued it while Redis was down).
    Without them, or with such a card, the card (hotline, version, queue, VIP class, path,
    category, arrival) rebuilds the call's state first, unless the call ended.
    """
    call_sid = ctx.call_sid
    calls = shared(request)[CALLS]
    now_ms = int(shared(request)[CLOCK]().timestamp() * 1000)
    card = ctx.card
    if facts is not None and not _joined_unheard(card, state):
        if state.get("queue") != queue or state.get("outcome") != "queued":
            return PutBack.NOT_WAITING
        joined = state.get("joined_ms", "")
        joined_ms = int(joined) if joined.isdigit() else now_ms - queue_time * 1000
        vip_class, source = facts.vip_class, "from its state"
    elif card is not None:
        if await calls.has_ended(call_sid) or await ended_in_records(request, call_sid):
            await calls.end(call_sid)
            return PutBack.ENDED
        if facts is None:
            facts = facts_of_request(
                request, ctx, vip_class=card.vip_class, arrived_ms=card.arrived_ms
            )
        rebuilt = {"queue": queue, "category": card.category, "path": card.path}
        await calls.update(
            call_sid, **facts.fields(), **rebuilt, outcome="queued", joined_ms=str(card.joined_ms)
        )
        joined_ms, vip_class, source = card.joined_ms, facts.vip_class, "rebuilt from its URL"
    else:
        return PutBack.NOT_WAITING
    matching = shared(request)[MATCHING]
    enqueued = await matching.enqueue(
        ctx.loaded, call_sid, queue, vip_class=vip_class, arrived_ms=joined_ms
    )
    log.warning(
        "unknown to the router: put back in %s (%s, %s)",
        queue,
        enqueued.status,
        source,
        extra={"call_sid": call_sid},
    )
    if enqueued.offer is not None:
        await shared(request)[BRIDGE].ring(enqueued.offer)
    return PutBack.QUEUED
