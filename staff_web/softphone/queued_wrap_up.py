"""A wrap-up form the database could not take: queued on the event stream (routing/outbox.py),
answered "saving", applied by the event sink once the database is back, then "saved".

While a form of a call is queued, later forms of that call queue behind it (the call state's
`wrap_up_queued` names the newest), so an older form never overwrites a newer one.
"""

from __future__ import annotations

import functools
import logging
from datetime import UTC, datetime
from typing import Any

import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncSession

from ivr.calls import CallState
from routing import outbox
from routing.keys import Keys
from routing.outbox import OutboxEntry, OutboxKind
from staff_web.softphone.forms import WrapUpRequest
from staff_web.softphone.wrap_up import apply_wrap_up
from switchboard.agent_events import AgentEvents
from switchboard.stream_writes import Announce, Applier

log = logging.getLogger(__name__)


async def must_queue(calls: CallState, call_sid: str) -> bool:
    """Whether an earlier form of this call is still queued (this one goes behind it)."""
    _, fields = await calls.facts(call_sid)
    return bool(fields.get("wrap_up_queued"))


async def saving_own_call(calls: CallState, call_sid: str, agent_id: str) -> bool:
    """Whether the call was answered by this agent though its order is not in SQL yet."""
    _, fields = await calls.facts(call_sid)
    return fields.get("agent") == agent_id and bool(fields.get("answered_ms"))


async def queue_wrap_up(
    redis: aioredis.Redis,
    keys: Keys,
    calls: CallState,
    body: dict[str, Any],
    form: WrapUpRequest,
    *,
    agent_id: str,
    actor: str,
    now: datetime,
) -> str:
    """Queue the (already checked) form as posted; its stream id."""
    entry_id = await outbox.put(
        redis,
        keys,
        OutboxKind.WRAPUP,
        call_id=form.call_sid,
        agent_id=agent_id,
        at_ms=int(now.timestamp() * 1000),
        data={"form": body, "actor": actor},
    )
    await calls.update(form.call_sid, wrap_up_queued=entry_id)
    log.warning(
        "wrap-up queued (%s) until the database takes it",
        entry_id,
        extra={"call_sid": form.call_sid, "agent_id": agent_id},
    )
    return entry_id


def wrap_up_applier(calls: CallState, events: AgentEvents) -> Applier:
    """The event sink's applier of queued forms; the agent hears "saved" after the commit.
    A refused form (order missing, someone else's, moved on) raises: the sink retries it and
    then sets it aside with the reason, for a person to see."""

    async def apply(session: AsyncSession, entry: OutboxEntry, now: datetime) -> Announce:
        form = WrapUpRequest.parse(entry.data.get("form"))
        asked_at = datetime.fromtimestamp(entry.at_ms / 1000, UTC)
        summary = await apply_wrap_up(
            session,
            form,
            agent_id=entry.agent_id,
            actor=str(entry.data.get("actor") or entry.agent_id),
            now=asked_at,  # the order's trail shows when the agent saved, not when SQL did
        )
        return functools.partial(_saved, calls, events, entry, summary)

    return apply


async def _saved(
    calls: CallState, events: AgentEvents, entry: OutboxEntry, summary: dict[str, Any]
) -> None:
    _, fields = await calls.facts(entry.call_id)
    if fields.get("wrap_up_queued") == entry.id:  # no later form queued behind this one
        await calls.update(entry.call_id, wrap_up_queued="")
    await events.publish(
        entry.agent_id,
        "saved",
        call_sid=entry.call_id,
        work_order=summary["number"],
        order=summary,
    )
    log.info(
        "queued wrap-up saved on %s",
        summary["number"],
        extra={"call_sid": entry.call_id, "agent_id": entry.agent_id},
    )
