"""Service-level figures per queue for a day, on a known set of call records."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from queues.call_records.cdr import CallRecord
from queues.call_records.record_queries import CallFilters, search_calls
from queues.call_records.service_level import day_bounds, figures_for_day, today, totals

# 2026-11-27 09:00 in Shanghai.
MORNING = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)


def record(sid: str, queue: str, minute: int, **facts: object) -> CallRecord:
    queued = MORNING + timedelta(minutes=minute)
    values: dict[str, object] = {
        "call_sid": sid,
        "hotline_id": "95598",
        "config_version": 1,
        "caller": "+86138" + sid[-4:].rjust(8, "0"),
        "dialled": "95598",
        "vip_class": "",
        "path": "",
        "queue": queue,
        "outcome": "",
        "arrived_at": queued - timedelta(seconds=20),
        "duration_s": 0,
        "ivr_outcome": "",
        "end_cause": "",
        "queued_at": queued,
        "offers": 0,
        "agent_id": "",
        "queue_exit": "",
        "queue_exit_id": "",
        "queue_event_id": "",
        "completed_by": "",
        "work_order": "",
    }
    values.update(facts)
    return CallRecord(**values)


def answered(sid: str, queue: str, minute: int, wait_s: int, talk_s: int) -> CallRecord:
    start = MORNING + timedelta(minutes=minute, seconds=wait_s)
    return record(
        sid,
        queue,
        minute,
        outcome="answered",
        answered_at=start,
        agent_id="a1",
        wait_ms=wait_s * 1000,
        talk_ms=talk_s * 1000,
    )


async def test_figures_per_queue(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    rows = [
        answered("c0001", "fault", 0, 5, 100),
        answered("c0002", "fault", 1, 20, 200),  # exactly at the threshold: within
        answered("c0003", "fault", 2, 45, 300),
        record("c0004", "fault", 3, outcome="abandoned", end_cause="in_queue", wait_ms=8000),
        record("c0005", "fault", 4, outcome="timeout", end_cause="max_wait", wait_ms=300_000),
        answered("c0006", "vip", 5, 2, 60),
        record("c0007", "vip", 6, outcome="abandoned", end_cause="while_ringing"),
        # Another day (16:30 UTC is the next day in Shanghai), and a call that never queued.
        answered("c0008", "fault", 15 * 60 + 30, 1, 10),
        record("c0009", "", 10, outcome="abandoned", end_cause="in_menu", queued_at=None),
    ]
    async with sessionmaker() as session, session.begin():
        session.add_all(rows)
    async with sessionmaker() as session:
        figures = await figures_for_day(session, date(2026, 11, 27))
    fault, vip = figures
    assert (fault.queue, fault.offered, fault.answered, fault.abandoned, fault.timed_out) == (
        "fault",
        5,
        3,
        1,
        1,
    )
    assert (fault.answered_within, fault.service_level, fault.answer_rate) == (2, 40.0, 60.0)
    assert (fault.abandon_rate, fault.avg_wait_s, fault.aht_s) == (20.0, 23.3, 200.0)
    assert (vip.offered, vip.answered, vip.abandoned, vip.service_level) == (2, 1, 1, 50.0)
    both = totals(figures)
    assert (both.offered, both.answered_within, both.service_level) == (7, 3, 42.9)
    assert both.aht_s == 165.0  # (100 + 200 + 300 + 60) / 4
    async with sessionmaker() as session:
        page = await search_calls(session, CallFilters(outcome="abandoned"), limit=10)
    assert [r.call_sid for r in page.items] == ["c0009", "c0007", "c0004"]


def test_days_are_shanghai_days() -> None:
    start, end = day_bounds(date(2026, 11, 27))
    assert start == datetime(2026, 11, 26, 16, 0, tzinfo=UTC)
    assert end - start == timedelta(days=1)
    assert today(datetime(2026, 11, 27, 16, 30, tzinfo=UTC)) == date(2026, 11, 28)
