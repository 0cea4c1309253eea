"""Logging work orders: numbers, concurrency, idempotency per call and repeat callers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from queues.work_orders.categories import Category
from queues.work_orders.deadlines import Area, DeadlineKind
from queues.work_orders.intake import NewWorkOrder, create_order
from queues.work_orders.lifecycle import transition
from queues.work_orders.numbers import WorkOrderCounter, format_number, next_number, parse_number
from queues.work_orders.order_queries import with_trail
from queues.work_orders.orders import Action, WorkOrder
from queues.work_orders.repeat_callers import find_repeat
from queues.work_orders.status import Status
from tests.queues.work_orders.work_order_samples import NOW, make, sample

Maker = async_sessionmaker[AsyncSession]


async def test_number_format_and_per_day_sequence(sessionmaker: Maker) -> None:
    async with sessionmaker.begin() as session:
        first = await make(session, call_sid="CA1")
        second = await make(session, call_sid="CA2")
        # 2026-11-27 16:30 UTC is already the 28th in Shanghai: a new day, a new sequence.
        next_day = await make(session, now=datetime(2026, 11, 27, 16, 30, tzinfo=UTC))
    assert (first.number, second.number) == ("GD-20261127-000001", "GD-20261127-000002")
    assert next_day.number == "GD-20261128-000001"
    assert parse_number(second.number) == (datetime(2026, 11, 27).date(), 2)
    assert format_number(datetime(2026, 1, 2).date(), 1234567) == "GD-20260102-1234567"
    with pytest.raises(ValueError, match="GD-YYYYMMDD"):
        parse_number("GD-2026-1")


async def test_a_rolled_back_creation_gives_its_number_back(sessionmaker: Maker) -> None:
    async with sessionmaker() as session:
        await make(session)
        await session.rollback()
    async with sessionmaker.begin() as session:
        assert (await make(session)).number == "GD-20261127-000001"


async def test_the_order_records_what_is_known_at_answer(sessionmaker: Maker) -> None:
    async with sessionmaker.begin() as session:
        order = await make(
            session, call_sid="CA1", category=Category.COMPLAINT, sub_type="outage",
            customer_name="张三", customer_account="0100", vip_class="gold",
            area=Area.RURAL, address="某路 1 号", description="停电两次",
        )  # fmt: skip
    async with sessionmaker() as session:
        loaded = await with_trail(session, order.id)
    assert loaded is not None
    assert loaded.status is Status.ACCEPTED
    assert loaded.category is Category.COMPLAINT
    assert (loaded.agent_id, loaded.agent_grade, loaded.wait_s) == ("a1", 2, 12)
    assert loaded.decision_trace == {"step": 0, "chosen": "a1"}
    assert loaded.created_at == NOW
    assert loaded.updated_at.tzinfo is not None
    assert [d.kind for d in loaded.deadlines] == [DeadlineKind.CONTACT, DeadlineKind.REPLY]
    assert [(e.action, e.to_status) for e in loaded.events] == [(Action.CREATED, Status.ACCEPTED)]


async def test_concurrent_creations_never_collide(sessionmaker: Maker) -> None:
    async def one(index: int) -> str:
        async with sessionmaker.begin() as session:
            order = await make(session, call_sid=f"CA{index}", caller=f"+86139{index:08d}")
            return order.number

    numbers = await asyncio.gather(*(one(i) for i in range(40)))
    assert sorted(numbers) == [f"GD-20261127-{n:06d}" for n in range(1, 41)]


async def test_concurrent_creations_for_one_call_make_one_order(sessionmaker: Maker) -> None:
    async def one() -> int:
        async with sessionmaker.begin() as session:
            return (await make(session, call_sid="CA-same")).id

    ids = await asyncio.gather(*(one() for _ in range(10)))
    assert len(set(ids)) == 1
    async with sessionmaker() as session:
        count = (await session.execute(select(func.count()).select_from(WorkOrder))).scalar_one()
    assert count == 1


async def test_creating_twice_for_a_call_returns_the_first(sessionmaker: Maker) -> None:
    async with sessionmaker.begin() as session:
        first = await make(session, call_sid="CA1")
    async with sessionmaker.begin() as session:
        again = await make(session, call_sid="CA1", description="a retried webhook")
    assert (again.id, again.number, again.description) == (first.id, first.number, "")


async def test_a_repeat_caller_links_to_the_open_order(sessionmaker: Maker) -> None:
    async with sessionmaker.begin() as session:
        old = await make(session, now=NOW - timedelta(days=10), call_sid="CA1")
        new = await make(session, call_sid="CA2")
        stranger = await make(session, call_sid="CA3", caller="+8613900000009")
    assert new.related_id == old.id  # open for ten days: still linked
    assert stranger.related_id is None


async def test_a_repeat_caller_links_to_a_recent_closed_order(sessionmaker: Maker) -> None:
    async with sessionmaker.begin() as session:
        old = await make(session, now=NOW - timedelta(hours=3), call_sid="CA1")
        await transition(session, old, Status.CLOSED, actor="a1", now=NOW - timedelta(hours=2))
        assert (await find_repeat(session, old.caller, NOW)) == old
        assert await find_repeat(session, old.caller, NOW, timedelta(hours=1)) is None
        new = await make(session, call_sid="CA2")
        assert new.related_id == old.id
        later = NOW + timedelta(days=2)
        await transition(session, new, Status.CLOSED, actor="a1", now=later)
        assert await find_repeat(session, old.caller, later + timedelta(days=2)) is None


async def test_withheld_numbers_are_never_repeat_callers(sessionmaker: Maker) -> None:
    async with sessionmaker.begin() as session:
        await make(session, caller="anonymous")
        second = await make(session, caller="anonymous")
    assert second.related_id is None


async def test_orders_without_a_call_are_allowed(sessionmaker: Maker) -> None:
    async with sessionmaker.begin() as session:
        first = await create_order(session, sample(agent_id=None), now=NOW)
        second = await create_order(session, sample(caller="+8613900000002"), now=NOW)
    assert first.call_sid is None
    assert second.call_sid is None
    assert first.number != second.number


def test_new_orders_are_checked_at_the_edge() -> None:
    with pytest.raises(ValueError, match="sub_type"):
        NewWorkOrder(hotline_id="h", caller="c", sub_type="outage")
    with pytest.raises(ValueError, match="wait_s"):
        NewWorkOrder(hotline_id="h", caller="c", wait_s=-1)


async def naive_next_number(session: AsyncSession, barrier: asyncio.Barrier) -> str:
    """Read-then-write, as a first attempt might: every reader sees the same value."""
    row = await session.get(WorkOrderCounter, "20261127")
    last = row.last if row is not None else 0
    await barrier.wait()  # every transaction has read before any writes
    await session.execute(
        update(WorkOrderCounter).where(WorkOrderCounter.day == "20261127").values(last=last + 1)
    )
    return format_number(NOW.date(), last + 1)


@pytest.mark.parametrize("naive", [False, True])
async def test_the_counter_survives_the_race_that_breaks_read_then_write(
    sessionmaker: Maker, naive: bool
) -> None:
    async with sessionmaker.begin() as session:
        await next_number(session, NOW)  # the day's counter row exists
    barrier = asyncio.Barrier(8)

    async def one() -> str:
        async with sessionmaker.begin() as session:
            if naive:
                return await naive_next_number(session, barrier)
            await barrier.wait()  # all start together; none holds the row while waiting
            return await next_number(session, NOW)

    numbers = await asyncio.gather(*(one() for _ in range(8)))
    if naive:
        assert len(set(numbers)) < len(numbers)  # the race is real: numbers repeat
    else:
        assert sorted(numbers) == [f"GD-20261127-{n:06d}" for n in range(2, 10)]


async def test_concurrent_duplicates_for_one_call_leave_no_gap_in_numbers(
    sessionmaker: Maker,
) -> None:
    """Duplicate `answered` callbacks race to log the same call: one takes a number, the
    others find its order, and the next call gets the very next number."""
    barrier = asyncio.Barrier(6)

    async def one() -> str:
        async with sessionmaker.begin() as session:
            await barrier.wait()  # all start before any has committed
            return (await make(session, call_sid="CA-dup")).number

    numbers = await asyncio.gather(*(one() for _ in range(6)))
    assert set(numbers) == {"GD-20261127-000001"}
    async with sessionmaker.begin() as session:
        assert (await make(session, call_sid="CA-next")).number == "GD-20261127-000002"
    async with sessionmaker() as session:
        last = (await session.execute(select(WorkOrderCounter.last))).scalar_one()
    assert last == 2
