"""The reports on a scripted day (tests/queues/reports/scripted_day.py), every figure
against numbers worked out by hand in the comments."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from queues.call_records.service_level import figures_for_day
from queues.catalogue import TargetsSpec
from queues.reports.agent_report import AgentRow, agent_report
from queues.reports.queue_report import queue_report
from queues.reports.queue_row import QueueRow, all_queues_by_interval, totals
from tests.queues.reports.scripted_day import local, write_day

DAY = date(2026, 11, 27)
# general holds callers to 30 s; fault is not named and keeps the defaults (20 s, 5 s).
TARGETS = {"general": TargetsSpec(service_level_s=30)}


def counts(row: QueueRow) -> tuple[int, ...]:
    return (
        row.offered, row.answered, row.abandoned, row.short_abandoned, row.answered_within,
        row.timed_out, row.overflowed,
    )  # fmt: skip


def times(row: QueueRow) -> tuple[float | None, ...]:
    return (row.asa_s, row.aht_s, row.longest_wait_s)


async def test_quarter_hours(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await write_day(sessionmaker)
    async with sessionmaker() as session:
        rows = await queue_report(session, DAY, DAY, interval_min=15, targets=TARGETS)
    assert [(r.queue, r.start) for r in rows] == [
        ("fault", local(9, 0)),
        ("fault", local(9, 15)),
        ("fault", local(9, 30)),
        ("general", local(9, 15)),
    ]
    assert all(r.start.utcoffset() is not None and r.interval_min == 15 for r in rows)
    f9, f915, f930, g915 = rows
    # fault 09:00-09:15: C1, C2, C4, C3, C5, C6 joined: 6 offered; answered C1 (5 s), C2
    # (40 s), C4 (10 s); C3 left after 3 s (short), C5 after 30 s; C6 left at max wait for
    # general (timed out and overflowed). Within 20 s: C1, C4.
    assert counts(f9) == (6, 3, 1, 1, 2, 1, 1)
    # SL 2 / (6 - 1 short) = 40 %; ASA (5 + 40 + 10) / 3; AHT talk (120 + 180 + 120) plus
    # wrap-up (15 + 10 cut by C4's offer + 15) over 3 = 460 / 3; longest wait C6's 600 s.
    assert f9.service_level_pct == pytest.approx(40.0)
    assert times(f9) == pytest.approx((55 / 3, 460 / 3, 600.0))
    assert f9.answer_rate_pct == pytest.approx(50.0)  # 3 / 6
    assert f9.abandon_rate_pct == pytest.approx(20.0)  # 1 / 5
    assert (f9.talk_ms, f9.wrap_ms, f9.handled) == (420_000, 40_000, 3)
    # fault 09:15-09:30: C7 answered after 15 s, talk 120 s + wrap-up 15 s.
    assert counts(f915) == (1, 1, 0, 0, 1, 0, 0)
    assert (f915.service_level_pct, *times(f915)) == pytest.approx((100.0, 15.0, 135.0, 15.0))
    # fault 09:30-09:45: C8 waited 600 s and left for voicemail: timed out, no overflow.
    assert counts(f930) == (1, 0, 0, 0, 0, 1, 0)
    assert (f930.service_level_pct, *times(f930)) == (0.0, None, None, 600.0)
    # general 09:15-09:30: C6 joined at 09:24, answered after 20 s (within general's 30 s);
    # talk 120 s, wrap-up 10 s (cut by a1's break at 09:26:30).
    assert counts(g915) == (1, 1, 0, 0, 1, 0, 0)
    assert (g915.service_level_pct, *times(g915)) == pytest.approx((100.0, 20.0, 130.0, 20.0))
    # All queues per interval: 09:15 holds fault's C7 and general's C6.
    both = all_queues_by_interval(rows)
    assert [(r.queue, r.start, r.offered) for r in both] == [
        ("", local(9, 0), 6), ("", local(9, 15), 2), ("", local(9, 30), 1),
    ]  # fmt: skip
    assert both[1].asa_s == pytest.approx(17.5)  # (15 + 20) / 2


async def test_whole_day(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await write_day(sessionmaker)
    async with sessionmaker() as session:
        rows = await queue_report(session, DAY, DAY, interval_min=None, targets=TARGETS)
        day_before = await queue_report(
            session, date(2026, 11, 26), date(2026, 11, 26), interval_min=None, targets={}
        )
        figures = await figures_for_day(session, DAY, targets=TARGETS)
    fault, general = rows
    assert (fault.start, fault.interval_min) == (local(0, 0), None)
    # fault's day: C9 joined on the 26th and is not in it. 8 offered (C1-C8), answered 4
    # (C1, C2, C4, C7), abandoned 1 (C5), short 1 (C3), within 3 (C1, C4, C7), timed out 2
    # (C6, C8), overflowed 1 (C6).
    assert counts(fault) == (8, 4, 1, 1, 3, 2, 1)
    # SL 3 / 7; ASA (5 + 40 + 10 + 15) / 4 = 17.5; AHT (540 talk + 55 wrap) / 4 = 148.75.
    assert fault.service_level_pct == pytest.approx(300 / 7)
    assert times(fault) == pytest.approx((17.5, 148.75, 600.0))
    assert counts(general) == (1, 1, 0, 0, 1, 0, 0)
    assert times(general) == pytest.approx((20.0, 130.0, 20.0))
    total = totals(rows)
    assert total is not None
    # All queues: 9 visits, 5 answered, within 4, SL 4 / 8 = 50 %; AHT (595 + 130) / 5.
    assert counts(total) == (9, 5, 1, 1, 4, 2, 1)
    assert (total.service_level_pct, total.aht_s) == pytest.approx((50.0, 145.0))
    # The 26th: C9 waited 11 s (not short) before hanging up past midnight.
    assert [(r.queue, counts(r)) for r in day_before] == [("fault", (1, 0, 1, 0, 0, 0, 0))]
    # The desk's daily figures are the same numbers, rounded to a tenth.
    by_queue = {f.queue: f for f in figures}
    assert (by_queue["fault"].service_level, by_queue["fault"].avg_wait_s) == (42.9, 17.5)
    assert (by_queue["fault"].aht_s, by_queue["fault"].short_abandoned) == (148.8, 1)
    assert (by_queue["general"].offered, by_queue["general"].service_level) == (1, 100.0)


async def test_agents(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await write_day(sessionmaker)
    async with sessionmaker() as session:
        a1, a2 = await agent_report(session, DAY, DAY)
    # a1 answered C1, C2, C4, C6: talk 120 + 180 + 120 + 120 = 540 s; wrap-up 15 + 10 + 15
    # + 10 = 50 s; AHT 590 / 4. Signed in 08:55-10:00 (3900 s), a break 09:26:30-09:27:30.
    assert a1 == AgentRow(
        agent_id="a1", answered=4, handled=4, talk_ms=540_000, wrap_ms=50_000,
        signed_in_ms=3_900_000, break_ms=60_000,
        orders={"inquiry": 2, "fault_repair": 2}, complaints=1,
    )  # fmt: skip
    assert a1.aht_s == pytest.approx(147.5)
    assert a1.occupancy_pct == pytest.approx(100 * 590 / 3840)
    # a2 answered C7 (120 s + 15 s), missed C2 (no answer) and rejected C5; a break
    # 09:20-09:30; logged the complaint (about a1's C2 order) itself.
    assert a2 == AgentRow(
        agent_id="a2", answered=1, handled=1, talk_ms=120_000, wrap_ms=15_000, rejects=1,
        no_answers=1, signed_in_ms=3_900_000, break_ms=600_000,
        orders={"inquiry": 1, "complaint": 1}, complaints=0,
    )  # fmt: skip
    assert (a2.aht_s, a2.occupancy_pct) == pytest.approx((135.0, 100 * 135 / 3300))


async def test_a_day_without_calls(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await write_day(sessionmaker)
    async with sessionmaker() as session:
        later = date(2026, 11, 29)
        assert await queue_report(session, later, later, interval_min=30, targets={}) == []
        assert await agent_report(session, later, later) == []
