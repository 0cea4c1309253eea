"""Calls waiting in each queue at the end of each 15-minute interval of a day, from the
call records: the wallboard draws it beside the interval report's service level."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from queues.call_records.cdr import CallRecord
from queues.call_records.service_level import day_bounds

INTERVAL = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class QueuedCall:
    """One call's stay in its latest queue: when it joined, when it left (None: waiting)."""

    queue: str
    joined_at: datetime
    left_at: datetime | None


async def queued_calls_for_day(session: AsyncSession, day: date) -> list[QueuedCall]:
    """Every call whose stay in its latest queue began during `day`, oldest first."""
    start, end = day_bounds(day)
    joined = func.coalesce(CallRecord.queue_joined_at, CallRecord.queued_at)
    left = func.coalesce(CallRecord.queue_exit_at, CallRecord.answered_at, CallRecord.ended_at)
    query = (
        select(CallRecord.queue, joined, left).where(joined >= start, joined < end).order_by(joined)
    )
    return [
        QueuedCall(queue, joined_at, left_at)
        for queue, joined_at, left_at in await session.execute(query)
        if joined_at is not None
    ]


def waiting_curve(
    calls: Iterable[QueuedCall], day: date, now: datetime
) -> dict[str, list[tuple[datetime, int]]]:
    """Per queue, (interval start, calls waiting at its end) from midnight up to the
    interval `now` falls in; the running interval counts those waiting now."""
    start, _ = day_bounds(day)
    count = max(1, int((now - start) / INTERVAL) + 1)
    waiting: dict[str, list[int]] = defaultdict(lambda: [0] * count)
    for call in calls:
        first = int((call.joined_at - start) / INTERVAL)
        if not 0 <= first < count:
            continue
        row = waiting[call.queue]
        for index in range(first, count):
            end = min(start + INTERVAL * (index + 1), now)
            if call.left_at is not None and call.left_at <= end:
                break
            row[index] += 1
    return {
        queue: [(start + INTERVAL * i, row[i]) for i in range(count)]
        for queue, row in waiting.items()
    }
