"""Queries for the pages: overdue and soon-due lists, agent pages, caller's orders, counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from queues.work_orders.categories import Category
from queues.work_orders.deadlines import Area, DeadlineKind
from queues.work_orders.lifecycle import dispatch, mark_contacted, transition
from queues.work_orders.order_queries import (
    by_number,
    counts_by_status,
    due_soon,
    get_order,
    open_orders_of_caller,
    orders_of_agent,
    overdue,
    with_trail,
)
from queues.work_orders.status import Status
from tests.queues.work_orders.work_order_samples import NOW, make

Maker = async_sessionmaker[AsyncSession]


async def test_overdue_and_due_soon_lists(sessionmaker: Maker) -> None:
    async with sessionmaker.begin() as session:
        city = await make(session, category=Category.FAULT_REPAIR, area=Area.CITY, caller="1")
        rural = await make(session, category=Category.FAULT_REPAIR, area=Area.RURAL, caller="2")
        remote = await make(session, category=Category.FAULT_REPAIR, area=Area.REMOTE, caller="3")
        met = await make(session, category=Category.FAULT_REPAIR, caller="4")
        await dispatch(session, met, "抢修班", actor="a1", now=NOW)
        await transition(
            session, met, Status.PROCESSING, actor="crew", now=NOW + timedelta(minutes=30)
        )
        closed = await make(session, category=Category.FAULT_REPAIR, caller="5")
        await transition(session, closed, Status.CLOSED, actor="a1", now=NOW)
        other = await make(session, category=Category.FAULT_REPAIR, caller="6", hotline_id="400")
    async with sessionmaker() as session:
        now = NOW + timedelta(minutes=100)
        late = await overdue(session, now)
        assert [(d.order.id, d.deadline.kind) for d in late] == [
            (city.id, DeadlineKind.ARRIVAL),
            (other.id, DeadlineKind.ARRIVAL),
            (rural.id, DeadlineKind.ARRIVAL),
        ]
        assert late[0].remaining(now) == timedelta(minutes=-55)
        assert [d.order.id for d in await overdue(session, now, hotline_id="400")] == [other.id]
        soon = await due_soon(session, now, timedelta(minutes=30))
        assert [(d.order.id, d.deadline.kind) for d in soon] == [(remote.id, DeadlineKind.ARRIVAL)]
        assert await due_soon(session, now, timedelta(minutes=10)) == []
        # A day later the 24 h replies of the open orders (not the closed one) are due too.
        day_later = await overdue(session, NOW + timedelta(hours=25))
        replies = {d.order.id for d in day_later if d.deadline.kind is DeadlineKind.REPLY}
        assert replies == {city.id, rural.id, remote.id, met.id, other.id}


async def test_a_contact_meets_the_complaint_contact_deadline(sessionmaker: Maker) -> None:
    # Created Friday 10:00: contact due Monday 10:00 (the weekend does not count).
    async with sessionmaker.begin() as session:
        order = await make(session, category=Category.COMPLAINT)
    monday_noon = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)
    async with sessionmaker.begin() as session:
        late = await overdue(session, monday_noon)
        assert [(d.deadline.kind, d.deadline.due_at) for d in late] == [
            (DeadlineKind.CONTACT, datetime(2026, 11, 30, 2, 0, tzinfo=UTC))
        ]
        await mark_contacted(session, late[0].order, actor="a1", now=monday_noon)
    async with sessionmaker() as session:
        assert await overdue(session, monday_noon) == []
        soon = await due_soon(session, monday_noon, timedelta(days=30))
        assert [(d.order.id, d.deadline.kind) for d in soon] == [(order.id, DeadlineKind.REPLY)]


async def test_orders_of_an_agent_newest_first_in_pages(sessionmaker: Maker) -> None:
    async with sessionmaker.begin() as session:
        mine = [
            await make(session, now=NOW + timedelta(minutes=i), caller=f"c{i}") for i in range(5)
        ]
        await make(session, agent_id="a2")
    async with sessionmaker() as session:
        first = await orders_of_agent(session, "a1", limit=2)
        last = await orders_of_agent(session, "a1", limit=2, offset=4)
        assert [o.id for o in first.items] == [mine[4].id, mine[3].id]
        assert first.total == 5
        assert [o.id for o in last.items] == [mine[0].id]
        assert (await orders_of_agent(session, "nobody")).items == []
        with pytest.raises(ValueError, match="limit"):
            await orders_of_agent(session, "a1", limit=0)
        with pytest.raises(ValueError, match="offset"):
            await orders_of_agent(session, "a1", offset=-1)


async def test_open_orders_of_a_caller(sessionmaker: Maker) -> None:
    async with sessionmaker.begin() as session:
        older = await make(session, now=NOW - timedelta(days=3))
        done = await make(session, now=NOW - timedelta(days=2))
        await transition(session, done, Status.CLOSED, actor="a1", now=NOW)
        newer = await make(session)
        await make(session, caller="+8613900000009")
    async with sessionmaker() as session:
        found = await open_orders_of_caller(session, older.caller)
    assert [o.id for o in found] == [newer.id, older.id]


async def test_one_order_with_its_trail(sessionmaker: Maker) -> None:
    async with sessionmaker.begin() as session:
        first = await make(session, call_sid="CA1")
        second = await make(session, call_sid="CA2")
        await dispatch(session, second, "d", actor="a1", now=NOW)
    async with sessionmaker() as session:
        loaded = await with_trail(session, second.id)
        assert loaded is not None
        assert loaded.related is not None
        assert loaded.related.number == first.number
        assert [e.action.value for e in loaded.events] == ["created", "transition"]
        assert await with_trail(session, 999_999) is None
        found = await by_number(session, second.number)
        assert found is loaded
        assert await get_order(session, first.id) is not None
        plain = await get_order(session, first.id)
        assert plain is not None
        with pytest.raises(Exception, match="lazy='raise'"):
            _ = plain.events  # relationships never load behind our back


async def test_counts_per_status(sessionmaker: Maker) -> None:
    async with sessionmaker.begin() as session:
        for i in range(3):
            await make(session, caller=f"c{i}")
        moved = await make(session, caller="c9", hotline_id="400")
        await dispatch(session, moved, "d", actor="a1", now=NOW)
    async with sessionmaker() as session:
        counts = await counts_by_status(session)
        assert counts[Status.ACCEPTED] == 3
        assert counts[Status.DISPATCHED] == 1
        assert counts[Status.CLOSED] == 0
        assert set(counts) == set(Status)
        assert (await counts_by_status(session, hotline_id="400"))[Status.DISPATCHED] == 1
        assert (await counts_by_status(session, hotline_id="400"))[Status.ACCEPTED] == 0
