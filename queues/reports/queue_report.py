"""The interval report: per queue per 15, 30 or 60 minutes (or per day), the calls that
joined the queue then and what became of them, aggregated in SQL (docs/metrics.md).

A call's record holds its latest queue visit; a call that overflowed left its earlier
queues by EXITWITHTIMEOUT or EXITEMPTY, read from the router's events.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    SQLColumnExpression,
    and_,
    case,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from queues.call_records.cdr import CallRecord
from queues.call_records.outcome import CallOutcome, EndCause
from queues.call_records.router_events import RouterEventRow
from queues.catalogue import TargetsSpec
from queues.reports.buckets import bucket_of, bucket_start, epoch_ms, interval_ms, range_bounds
from queues.reports.queue_row import QueueRow
from routing.events import EventName

# An earlier visit's exit is found up to this long after the range's end (a call that joined
# at 23:59 may wait past midnight); longer waits than a day are not kept apart.
EXIT_SLACK = timedelta(days=1)
NEVER_JOINED = (EventName.FULL.value, EventName.JOINEMPTY.value)  # turned away at the door
ABANDONS = (EndCause.IN_QUEUE.value, EndCause.WHILE_RINGING.value)
OVERFLOW_EXITS = (EventName.EXITWITHTIMEOUT.value, EventName.EXITEMPTY.value)


def per_queue_ms(
    targets: Mapping[str, TargetsSpec], queue: SQLColumnExpression[str], seconds: str
) -> ColumnElement[int]:
    """A queue's threshold (a TargetsSpec field, in s) in ms, as SQL: CASE on the queue."""
    default = getattr(TargetsSpec(), seconds) * 1000
    chosen = {name: getattr(spec, seconds) * 1000 for name, spec in targets.items()}
    differing = {name: ms for name, ms in chosen.items() if ms != default}
    if not differing:
        return literal(default, BigInteger)
    return case(differing, value=queue, else_=literal(default, BigInteger))


def _sum(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def _last_visits(
    session: AsyncSession,
    start: datetime,
    end: datetime,
    interval_min: int | None,
    targets: Mapping[str, TargetsSpec],
) -> list[Any]:
    r = CallRecord
    dialect = session.get_bind().dialect.name
    joined = func.coalesce(r.queue_joined_at, r.queued_at)
    bucket = bucket_of(epoch_ms(joined, dialect), interval_min).label("bucket")
    answered = r.answered_at.is_not(None)
    abandoned = (r.outcome == CallOutcome.ABANDONED.value) & r.end_cause.in_(ABANDONS)
    # A wait not known (a record without the router's exit) is not judged short.
    short_wait = r.wait_ms.is_not(None) & (
        r.wait_ms < per_queue_ms(targets, r.queue, "short_abandon_s")
    )
    short = abandoned & short_wait
    within = answered & (r.wait_ms <= per_queue_ms(targets, r.queue, "service_level_s"))
    handled = answered & r.talk_ms.is_not(None)
    # Either index serves: records from the router's events carry queue_joined_at; records
    # written otherwise (before migration 0008) only queued_at.
    in_range = or_(
        and_(r.queue_joined_at >= start, r.queue_joined_at < end),
        and_(r.queue_joined_at.is_(None), r.queued_at >= start, r.queued_at < end),
    )
    query = (
        select(
            r.queue,
            bucket,
            func.count(),
            _sum(answered),
            _sum(abandoned & ~short_wait),
            _sum(short),
            _sum(within),
            _sum(r.end_cause == EndCause.MAX_WAIT.value),
            func.coalesce(func.sum(case((answered, r.wait_ms), else_=None)), 0),
            _sum(answered & r.wait_ms.is_not(None)),
            _sum(handled),
            func.coalesce(func.sum(case((handled, r.talk_ms), else_=None)), 0),
            func.coalesce(func.sum(case((handled, func.coalesce(r.wrap_ms, 0)), else_=None)), 0),
            func.max(r.wait_ms),
        )
        .where(in_range, r.queue != "", r.queue_exit.not_in(NEVER_JOINED))
        .group_by(r.queue, bucket)
    )
    return list(await session.execute(query))


async def _earlier_visits(
    session: AsyncSession, start: datetime, end: datetime, interval_min: int | None
) -> list[Any]:
    """Visits a call left for another queue: exits that are not its record's latest."""
    e, r = RouterEventRow, CallRecord
    dialect = session.get_bind().dialect.name
    wait = e.data["wait_ms"].as_integer()
    joined = epoch_ms(e.at, dialect) - wait
    start_ms = int(start.timestamp() * 1000)
    end_ms = int(end.timestamp() * 1000)
    bucket = bucket_of(joined, interval_min).label("bucket")
    query = (
        select(
            e.queue,
            bucket,
            func.count(),
            _sum(e.name == EventName.EXITWITHTIMEOUT.value),
            func.max(wait),
        )
        .join(r, r.call_sid == e.call_sid)
        .where(
            e.name.in_(OVERFLOW_EXITS),
            e.at >= start,
            e.at < end + EXIT_SLACK,
            e.error == "",
            r.queue_exit_id != e.stream_id,
            joined >= start_ms,
            joined < end_ms,
        )
        .group_by(e.queue, bucket)
    )
    return list(await session.execute(query))


async def queue_report(
    session: AsyncSession,
    first: date,
    last: date,
    *,
    interval_min: int | None,
    targets: Mapping[str, TargetsSpec],
) -> list[QueueRow]:
    """Per queue per interval of the Shanghai days first..last, by queue then start; an
    interval no call joined is left out. A queue missing from `targets` has the defaults."""
    interval_ms(interval_min)  # a bad interval fails before any query
    start, end = range_bounds(first, last)
    rows: dict[tuple[str, int], QueueRow] = {}
    for queue, bucket, *n in await _last_visits(session, start, end, interval_min, targets):
        at = bucket_start(int(bucket), interval_min)
        rows[(queue, int(bucket))] = QueueRow(
            queue=queue,
            start=at,
            interval_min=interval_min,
            offered=int(n[0]),
            answered=int(n[1]),
            abandoned=int(n[2]),
            short_abandoned=int(n[3]),
            answered_within=int(n[4]),
            timed_out=int(n[5]),
            answered_wait_ms=int(n[6]),
            answered_waits=int(n[7]),
            handled=int(n[8]),
            talk_ms=int(n[9]),
            wrap_ms=int(n[10]),
            longest_wait_ms=None if n[11] is None else int(n[11]),
        )
    for queue, bucket, offered, timed_out, longest in await _earlier_visits(
        session, start, end, interval_min
    ):
        at = bucket_start(int(bucket), interval_min)
        visits = QueueRow(
            queue=queue,
            start=at,
            interval_min=interval_min,
            offered=int(offered),
            timed_out=int(timed_out),
            overflowed=int(offered),
            longest_wait_ms=None if longest is None else int(longest),
        )
        key = (queue, int(bucket))
        rows[key] = rows[key].plus(visits) if key in rows else visits
    return [rows[key] for key in sorted(rows)]
