"""An agent's wrap-up after a call, cut short by what the agent does next: the router says
how long a wrap-up it started (COMPLETE*'s `wrap_ms`) but not when the agent ended it early
by saving the form, so the agent's next offer, break or sign-out ends it (docs/metrics.md)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from queues.call_records.cdr import CallRecord
from routing.events import EventName

# An agent is offered a call only once ready; a break or sign-out ends a wrap-up at once.
ENDS_WRAP_UP = frozenset({EventName.OFFER, EventName.PAUSE, EventName.REMOVEMEMBER})


def wrap_cut(answered_at: datetime, talk_ms: int, wrap_ms: int, at: datetime) -> int | None:
    """The shorter wrap-up when `at` falls inside the one started at the call's end."""
    completed = answered_at + timedelta(milliseconds=talk_ms)
    if at < completed or at >= completed + timedelta(milliseconds=wrap_ms):
        return None
    return int((at - completed) / timedelta(milliseconds=1))


async def end_wrap_up(session: AsyncSession, agent_id: str, at: datetime) -> None:
    """Shorten the agent's last call's wrap-up to end at `at`, if it was still running.

    Applied once per stream entry (router_events.consume) and only ever shortening, so a
    replay changes nothing."""
    query = (
        select(CallRecord.call_sid, CallRecord.answered_at, CallRecord.talk_ms, CallRecord.wrap_ms)
        .where(CallRecord.agent_id == agent_id, CallRecord.answered_at <= at)
        .order_by(CallRecord.answered_at.desc())
        .limit(1)
    )
    row = (await session.execute(query)).one_or_none()
    if row is None or row.answered_at is None or row.talk_ms is None or not row.wrap_ms:
        return
    cut = wrap_cut(row.answered_at, row.talk_ms, row.wrap_ms, at)
    if cut is not None:
        await session.execute(
            update(CallRecord)
            .where(CallRecord.call_sid == row.call_sid)
            .values(wrap_ms=cut)
            .execution_options(synchronize_session=False)
        )
