"""Edge visits: an overflow the next queue turns away, a call put back after Redis forgot
it (two ENTERQUEUEs, one visit), and records written without the router's events."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from queues.call_records.router_events import consume
from queues.reports.queue_report import queue_report
from routing.events import EventName as E
from tests.queues.reports.scripted_day import CONSUMED_AT, Script, local

DAY = date(2026, 11, 27)


async def test_overflow_into_a_full_queue_and_a_call_put_back(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    s = Script()
    # X waits billing's maximum, is sent to general, which is full: it never joins general.
    s.enter("X", "billing", local(10, 0))
    s.leave("X", "billing", E.EXITWITHTIMEOUT, local(10, 0), local(10, 5))
    s.add(local(10, 5), E.FULL, "X", "general")
    # Y joins billing, Redis forgets it, the heartbeat puts it back at its old place (the
    # same arrival): one visit, answered after 30 s.
    s.enter("Y", "billing", local(10, 1))
    s.enter("Y", "billing", local(10, 1))
    s.answer("Y", "billing", "a1", local(10, 1), local(10, 1, 25), local(10, 1, 30), 60)
    async with sessionmaker() as session, session.begin():
        for event in s.sorted():
            assert await consume(session, event, now=CONSUMED_AT)
    async with sessionmaker() as session:
        rows = await queue_report(session, DAY, DAY, interval_min=60, targets={})
    assert [(r.queue, r.offered, r.answered, r.timed_out, r.overflowed) for r in rows] == [
        ("billing", 2, 1, 1, 1),
    ]
    (billing,) = rows
    assert (billing.asa_s, billing.longest_wait_s, billing.service_level_pct) == (30.0, 300.0, 0.0)
