"""The floor's day from the call records: each agent's calls and talk time, short abandons,
and each queue's curve through the day (service level and calls waiting per interval)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from queues.call_records.cdr import CallRecord
from queues.call_records.outcome import CallOutcome
from queues.call_records.service_level import DEFAULT_THRESHOLD_S, day_bounds

INTERVAL = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class AgentDay:
    """One agent's answered calls today and their talk time."""

    agent_id: str
    calls: int
    talk_s: int


@dataclass(frozen=True, slots=True)
class QueuedCall:
    """What the curve and the short abandons need of one call that joined a queue."""

    queue: str
    queued_at: datetime
    left_at: datetime | None  # when it left the queue (answered, abandoned...), None: waiting
    outcome: str
    wait_ms: int | None


@dataclass(frozen=True, slots=True)
class CurvePoint:
    """One interval of one queue: calls offered in it, the share answered within the
    threshold (None when none was offered), and how many waited at the interval's end."""

    start: datetime
    offered: int
    service_level: float | None
    waiting_at_end: int


async def agents_for_day(session: AsyncSession, day: date) -> dict[str, AgentDay]:
    """Calls each agent answered during `day` (Asia/Shanghai), with their talk time."""
    start, end = day_bounds(day)
    query = (
        select(CallRecord.agent_id, func.count(), func.sum(func.coalesce(CallRecord.talk_ms, 0)))
        .where(CallRecord.answered_at >= start, CallRecord.answered_at < end)
        .where(CallRecord.agent_id != "")
        .group_by(CallRecord.agent_id)
    )
    return {
        agent: AgentDay(agent, int(calls), int(talk or 0) // 1000)
        for agent, calls, talk in await session.execute(query)
    }


async def queued_calls_for_day(
    session: AsyncSession, day: date, *, abandoned_only: bool = False
) -> list[QueuedCall]:
    """Every call that joined a queue during `day` (or those abandoned), oldest first."""
    start, end = day_bounds(day)
    query = (
        select(
            CallRecord.queue,
            CallRecord.queued_at,
            CallRecord.queue_exit_at,
            CallRecord.answered_at,
            CallRecord.ended_at,
            CallRecord.outcome,
            CallRecord.wait_ms,
        )
        .where(CallRecord.queued_at >= start, CallRecord.queued_at < end)
        .order_by(CallRecord.queued_at)
    )
    if abandoned_only:
        query = query.where(CallRecord.outcome == CallOutcome.ABANDONED.value)
    return [
        QueuedCall(queue, queued, exit_at or answered or ended, outcome, wait)
        for queue, queued, exit_at, answered, ended, outcome, wait in await session.execute(query)
        if queued is not None
    ]


def waited_ms(call: QueuedCall) -> int | None:
    if call.wait_ms is not None:
        return call.wait_ms
    if call.left_at is None:
        return None
    return int((call.left_at - call.queued_at).total_seconds() * 1000)


def short_abandons(calls: Iterable[QueuedCall], short_s: Mapping[str, int]) -> dict[str, int]:
    """Per queue, callers who hung up within its `short_abandon_s` (0: none counted)."""
    found: dict[str, int] = defaultdict(int)
    for call in calls:
        limit = short_s.get(call.queue, 0)
        waited = waited_ms(call)
        if call.outcome == CallOutcome.ABANDONED.value and waited is not None:
            found[call.queue] += 1 if waited < limit * 1000 else 0
    return dict(found)


def curve(
    calls: Iterable[QueuedCall],
    day: date,
    now: datetime,
    thresholds: Mapping[str, int],
) -> dict[str, list[CurvePoint]]:
    """Per queue, one point per interval from midnight up to the one `now` falls in."""
    start, _ = day_bounds(day)
    count = max(1, int((now - start) / INTERVAL) + 1)
    by_queue: dict[str, list[QueuedCall]] = defaultdict(list)
    for call in calls:
        by_queue[call.queue].append(call)
    out: dict[str, list[CurvePoint]] = {}
    for queue, mine in by_queue.items():
        limit_ms = thresholds.get(queue, DEFAULT_THRESHOLD_S) * 1000
        offered, within, waiting = [0] * count, [0] * count, [0] * count
        for call in mine:
            first = int((call.queued_at - start) / INTERVAL)
            if not 0 <= first < count:
                continue
            offered[first] += 1
            waited = waited_ms(call)
            answered = call.outcome == CallOutcome.ANSWERED.value
            within[first] += 1 if answered and waited is not None and waited <= limit_ms else 0
            # Waiting at each interval's end that falls between joining and leaving.
            for index in range(first, count):
                end = start + INTERVAL * (index + 1)
                if call.left_at is not None and call.left_at <= end:
                    break
                waiting[index] += 1 if end <= now or call.left_at is None else 0
        out[queue] = [
            CurvePoint(
                start + INTERVAL * i,
                offered[i],
                None if offered[i] == 0 else round(100 * within[i] / offered[i], 1),
                waiting[i],
            )
            for i in range(count)
        ]
    return out
