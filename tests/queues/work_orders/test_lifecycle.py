"""The lifecycle: allowed and illegal transitions, audit rows, reopen, urge, notes, edits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from queues.work_orders.categories import Category
from queues.work_orders.deadlines import DeadlineKind
from queues.work_orders.edits import Details, update_details
from queues.work_orders.lifecycle import (
    MissingReason,
    add_note,
    dispatch,
    mark_contacted,
    reopen,
    transition,
    urge,
)
from queues.work_orders.order_queries import with_trail
from queues.work_orders.orders import Action, WorkOrder
from queues.work_orders.status import ALLOWED, IllegalTransition, StaleStatus, Status
from tests.queues.work_orders.work_order_samples import NOW, make

Maker = async_sessionmaker[AsyncSession]

# A way to reach every status from accepted, so every edge can be tried from its source.
ROUTE: dict[Status, list[Status]] = {
    Status.ACCEPTED: [],
    Status.DISPATCHED: [Status.DISPATCHED],
    Status.PROCESSING: [Status.DISPATCHED, Status.PROCESSING],
    Status.REPLIED: [Status.DISPATCHED, Status.PROCESSING, Status.REPLIED],
    Status.CALLBACK: [Status.DISPATCHED, Status.PROCESSING, Status.REPLIED, Status.CALLBACK],
    Status.CLOSED: [Status.CLOSED],
}
EDGES = [(a, b) for a, targets in ALLOWED.items() for b in sorted(targets)]
NON_EDGES = [(a, b) for a in Status for b in Status if b not in ALLOWED[a]]


async def walk(session: AsyncSession, order: WorkOrder, to: Status, minute: int = 1) -> None:
    for step in ROUTE[to]:
        await transition(
            session, order, step, actor="sup", now=NOW + timedelta(minutes=minute),
            note="reason", department="城东供电所",
        )  # fmt: skip
        minute += 1


def test_illegal_table_is_the_complement_of_the_graph() -> None:
    assert len(EDGES) + len(NON_EDGES) == len(Status) ** 2
    assert (Status.ACCEPTED, Status.REPLIED) in NON_EDGES
    assert (Status.CLOSED, Status.CLOSED) in NON_EDGES


@pytest.mark.parametrize(("current", "target"), EDGES)
async def test_every_allowed_transition(
    sessionmaker: Maker, current: Status, target: Status
) -> None:
    async with sessionmaker.begin() as session:
        order = await make(session)
        await walk(session, order, current)
        event = await transition(
            session, order, target, actor="sup", now=NOW + timedelta(hours=1),
            note="because", department="城东供电所",
        )  # fmt: skip
        order_id = order.id
    async with sessionmaker() as session:
        loaded = await with_trail(session, order_id)
    assert loaded is not None
    assert loaded.status is target
    last = loaded.events[-1]
    assert (last.id, last.from_status, last.to_status) == (event.id, current, target)
    assert last.changes["status"] == [current.value, target.value]
    assert (last.actor, last.note, last.at) == ("sup", "because", NOW + timedelta(hours=1))
    assert (loaded.closed_at is not None) == (target is Status.CLOSED)


@pytest.mark.parametrize(("current", "target"), NON_EDGES)
async def test_illegal_transitions_raise_naming_both_states(
    sessionmaker: Maker, current: Status, target: Status
) -> None:
    async with sessionmaker.begin() as session:
        order = await make(session)
        await walk(session, order, current)
        with pytest.raises(IllegalTransition) as raised:
            await transition(session, order, target, actor="sup", now=NOW, note="x", department="d")
    message = str(raised.value)
    assert f"{current.label} {current.value} → {target.label} {target.value}" in message
    assert order.number in message
    assert order.status is current


async def test_full_path_is_audited_and_meets_deadlines(sessionmaker: Maker) -> None:
    async with sessionmaker.begin() as session:
        order = await make(session, category=Category.COMPLAINT)
        await dispatch(session, order, "营业厅", actor="a1", now=NOW + timedelta(minutes=5))
        for minutes, step in enumerate(
            [Status.PROCESSING, Status.REPLIED, Status.CALLBACK, Status.CLOSED], start=6
        ):
            await transition(
                session, order, step, actor="dept", now=NOW + timedelta(minutes=minutes)
            )
        order_id = order.id
    async with sessionmaker() as session:
        loaded = await with_trail(session, order_id)
    assert loaded is not None
    assert loaded.department == "营业厅"
    assert [e.to_status for e in loaded.events] == [
        Status.ACCEPTED, Status.DISPATCHED, Status.PROCESSING, Status.REPLIED,
        Status.CALLBACK, Status.CLOSED,
    ]  # fmt: skip
    assert loaded.events[1].changes["department"] == ["", "营业厅"]
    met = {d.kind: d.met_at for d in loaded.deadlines}
    assert met == {
        DeadlineKind.CONTACT: NOW + timedelta(minutes=6),
        DeadlineKind.REPLY: NOW + timedelta(minutes=7),
    }
    assert loaded.closed_at == NOW + timedelta(minutes=9)


async def test_dispatch_needs_a_department(sessionmaker: Maker) -> None:
    async with sessionmaker.begin() as session:
        order = await make(session)
        with pytest.raises(ValueError, match="department"):
            await dispatch(session, order, "  ", actor="a1", now=NOW)
        assert order.status is Status.ACCEPTED


async def test_reopen_needs_a_reason_and_clears_closed_at(sessionmaker: Maker) -> None:
    async with sessionmaker.begin() as session:
        order = await make(session)
        await transition(session, order, Status.CLOSED, actor="a1", now=NOW)
        with pytest.raises(MissingReason, match="reason"):
            await reopen(session, order, actor="sup", now=NOW, reason=" ")
        event = await reopen(
            session, order, actor="sup", now=NOW + timedelta(days=1), reason="客户再次来电"
        )
        assert (event.from_status, event.to_status) == (Status.CLOSED, Status.PROCESSING)
        assert order.closed_at is None
        await transition(session, order, Status.REPLIED, actor="d", now=NOW + timedelta(days=2))
        await transition(session, order, Status.CLOSED, actor="d", now=NOW + timedelta(days=3))
        again = await reopen(
            session, order, actor="sup", now=NOW + timedelta(days=4), reason="派错部门",
            target=Status.ACCEPTED,
        )  # fmt: skip
        assert (again.to_status, again.note) == (Status.ACCEPTED, "派错部门")


async def test_sending_work_back_needs_a_reason(sessionmaker: Maker) -> None:
    async with sessionmaker.begin() as session:
        order = await make(session)
        await dispatch(session, order, "d", actor="a1", now=NOW)
        with pytest.raises(MissingReason):
            await transition(session, order, Status.ACCEPTED, actor="d", now=NOW)
        await transition(session, order, Status.ACCEPTED, actor="d", now=NOW, note="非本所辖区")
        assert order.status is Status.ACCEPTED


async def test_urge_counts_and_audits(sessionmaker: Maker) -> None:
    async with sessionmaker.begin() as session:
        order = await make(session)
        await urge(session, order, actor="sup", now=NOW + timedelta(hours=1), note="客户催促")
        await urge(session, order, actor="sup", now=NOW + timedelta(hours=2))
        order_id = order.id
    async with sessionmaker.begin() as session:
        loaded = await with_trail(session, order_id)
        assert loaded is not None
        assert (loaded.urge_count, loaded.last_urged_at) == (2, NOW + timedelta(hours=2))
        urges = [e for e in loaded.events if e.action is Action.URGED]
        assert [e.changes["urge_count"] for e in urges] == [[0, 1], [1, 2]]
        assert urges[0].note == "客户催促"
        await transition(session, loaded, Status.CLOSED, actor="a1", now=NOW)
        with pytest.raises(ValueError, match="closed"):
            await urge(session, loaded, actor="sup", now=NOW)


async def test_notes_and_contact_are_audited(sessionmaker: Maker) -> None:
    async with sessionmaker.begin() as session:
        order = await make(session, category=Category.COMPLAINT)
        with pytest.raises(ValueError, match="empty"):
            await add_note(session, order, actor="a1", now=NOW, text=" ")
        await add_note(session, order, actor="a1", now=NOW, text="客户要求上午回电")
        await mark_contacted(session, order, actor="a1", now=NOW + timedelta(hours=2))
        order_id = order.id
    async with sessionmaker() as session:
        loaded = await with_trail(session, order_id)
    assert loaded is not None
    assert [e.action for e in loaded.events] == [Action.CREATED, Action.NOTE, Action.CONTACTED]
    assert loaded.events[1].note == "客户要求上午回电"
    met = {d.kind: d.met_at for d in loaded.deadlines}
    assert met == {DeadlineKind.CONTACT: NOW + timedelta(hours=2), DeadlineKind.REPLY: None}


async def test_a_stale_order_cannot_be_moved(sessionmaker: Maker) -> None:
    async with sessionmaker.begin() as session:
        order_id = (await make(session)).id
    async with sessionmaker() as first, sessionmaker() as second:
        mine = await first.get(WorkOrder, order_id)
        theirs = await second.get(WorkOrder, order_id)
        assert mine is not None
        assert theirs is not None
        await dispatch(first, mine, "d", actor="a1", now=NOW)
        await first.commit()
        with pytest.raises(StaleStatus, match="no longer accepted"):
            await transition(second, theirs, Status.CLOSED, actor="a2", now=NOW)


async def test_editing_details_audits_and_replans_deadlines(sessionmaker: Maker) -> None:
    async with sessionmaker.begin() as session:
        order = await make(session, category=Category.INQUIRY)
        unchanged = await update_details(
            session, order, Details(category=Category.INQUIRY), actor="a1", now=NOW
        )
        assert unchanged is None
        event = await update_details(
            session, order,
            Details(category=Category.COMPLAINT, sub_type="service", address="某路 2 号"),
            actor="a1", now=NOW + timedelta(minutes=3),
        )  # fmt: skip
        assert event is not None
        assert event.changes["category"] == ["inquiry", "complaint"]
        order_id = order.id
    async with sessionmaker() as session:
        loaded = await with_trail(session, order_id)
    assert loaded is not None
    assert (loaded.category, loaded.sub_type, loaded.address) == (
        Category.COMPLAINT, "service", "某路 2 号",
    )  # fmt: skip
    assert sorted(d.kind for d in loaded.deadlines) == [DeadlineKind.CONTACT, DeadlineKind.REPLY]
    assert loaded.updated_at == NOW + timedelta(minutes=3)


async def test_changing_category_drops_a_sub_type_it_lacks(sessionmaker: Maker) -> None:
    async with sessionmaker.begin() as session:
        order = await make(session, category=Category.COMPLAINT, sub_type="outage")
        await update_details(
            session, order, Details(category=Category.FAULT_REPAIR), actor="a1", now=NOW
        )
        assert (order.category, order.sub_type) == (Category.FAULT_REPAIR, "")
        with pytest.raises(ValueError, match="sub_type"):
            await update_details(session, order, Details(sub_type="outage"), actor="a1", now=NOW)
