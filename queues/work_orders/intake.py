"""Logging a work order when an agent answers: idempotent per call, linked for repeat callers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from queues.work_orders.categories import Category, check_sub_type
from queues.work_orders.deadlines import DEFAULT_POLICY, Area, DeadlinePolicy
from queues.work_orders.numbers import hold_counter, next_number
from queues.work_orders.orders import Action, WorkOrder, WorkOrderDeadline, WorkOrderEvent
from queues.work_orders.repeat_callers import find_repeat
from queues.work_orders.status import Status


@dataclass(frozen=True)
class NewWorkOrder:
    """What is known when the agent answers (and what the wrap-up form may add)."""

    hotline_id: str
    caller: str
    category: Category = Category.INQUIRY
    call_sid: str | None = None
    customer_name: str = ""
    customer_account: str = ""
    vip_class: str = ""
    queue: str = ""
    sub_type: str = ""
    area: Area = Area.CITY
    ivr_path: str = ""
    agent_id: str | None = None
    agent_grade: int | None = None
    wait_s: int = 0
    decision_trace: dict[str, Any] | None = None
    address: str = ""
    description: str = ""
    actor: str = "system"

    def __post_init__(self) -> None:
        check_sub_type(self.category, self.sub_type)
        if self.wait_s < 0:
            raise ValueError(f"wait_s: must be zero or more, got {self.wait_s}")


async def by_call_sid(session: AsyncSession, call_sid: str) -> WorkOrder | None:
    query = select(WorkOrder).where(WorkOrder.call_sid == call_sid)
    return (await session.execute(query)).scalar_one_or_none()


async def create_order(
    session: AsyncSession,
    new: NewWorkOrder,
    *,
    now: datetime,
    policy: DeadlinePolicy = DEFAULT_POLICY,
    repeat_window: timedelta = timedelta(hours=24),
) -> WorkOrder:
    """Log a work order, or return the one already logged for `new.call_sid`.

    A repeat caller's order links to the caller's open (or recent) order. Deadlines come
    from `policy`. Flushes, never commits.
    """
    if new.call_sid is not None:
        existing = await by_call_sid(session, new.call_sid)
        if existing is not None:
            return existing
        # Duplicate callbacks for one call race to here. Hold the day's counter first, then
        # look again: a duplicate waits for the first to commit and finds its order instead
        # of taking a number it would not use (a gap in the day's numbers).
        await hold_counter(session, now)
        existing = await by_call_sid(session, new.call_sid)
        if existing is not None:
            return existing
    repeat = await find_repeat(session, new.caller, now, repeat_window)
    values = {
        "number": await next_number(session, now),
        "hotline_id": new.hotline_id,
        "call_sid": new.call_sid,
        "caller": new.caller,
        "customer_name": new.customer_name,
        "customer_account": new.customer_account,
        "vip_class": new.vip_class,
        "queue": new.queue,
        "category": new.category,
        "sub_type": new.sub_type,
        "area": new.area,
        "ivr_path": new.ivr_path,
        "agent_id": new.agent_id,
        "agent_grade": new.agent_grade,
        "wait_s": new.wait_s,
        "decision_trace": new.decision_trace,
        "address": new.address,
        "description": new.description,
        "department": "",
        "status": Status.ACCEPTED,
        "urge_count": 0,
        "related_id": repeat.id if repeat is not None else None,
        "created_at": now,
        "updated_at": now,
    }
    # The unique call_sid stays the last guard (orders logged on another day's counter).
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(WorkOrder)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["call_sid"])
        .returning(WorkOrder.id)
    )
    order_id = (await session.execute(statement)).scalar_one_or_none()
    if order_id is None:
        assert new.call_sid is not None  # noqa: S101  (only call_sid can conflict)
        existing = await by_call_sid(session, new.call_sid)
        if existing is None:
            raise RuntimeError(f"work order for call {new.call_sid} vanished")
        return existing
    for kind, due_at in policy.due_times(new.category, new.area, now).items():
        session.add(WorkOrderDeadline(order_id=order_id, kind=kind, due_at=due_at))
    session.add(
        WorkOrderEvent(
            order_id=order_id,
            at=now,
            actor=new.actor,
            action=Action.CREATED,
            from_status=None,
            to_status=Status.ACCEPTED,
            changes={"category": new.category.value, "queue": new.queue, "agent_id": new.agent_id},
            note="",
        )
    )
    await session.flush()
    order = await session.get(WorkOrder, order_id)
    if order is None:
        raise RuntimeError(f"work order {order_id} vanished")
    return order
