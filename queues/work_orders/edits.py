"""Editing a work order's details (the wrap-up form), audited, with deadlines recomputed."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from queues.work_orders.categories import SUB_TYPES, Category, check_sub_type
from queues.work_orders.deadlines import DEFAULT_POLICY, Area, DeadlinePolicy
from queues.work_orders.orders import Action, WorkOrder, WorkOrderDeadline, WorkOrderEvent
from queues.work_orders.status import Status


@dataclass(frozen=True)
class Details:
    """Fields to change; None leaves a field as it is."""

    category: Category | None = None
    sub_type: str | None = None
    area: Area | None = None
    address: str | None = None
    description: str | None = None
    customer_name: str | None = None
    customer_account: str | None = None


async def update_details(
    session: AsyncSession,
    order: WorkOrder,
    details: Details,
    *,
    actor: str,
    now: datetime,
    policy: DeadlinePolicy = DEFAULT_POLICY,
) -> WorkOrderEvent | None:
    """Apply the changed fields and audit them; None when nothing changed.

    A new category or area re-plans the deadlines from the acceptance time: kinds the new
    category lacks are dropped, new kinds are added, a deadline already met stays met.
    """
    if order.status is Status.CLOSED:
        raise ValueError(f"work order {order.number} is closed: reopen it before editing")
    changes: dict[str, Any] = {}
    for item in fields(details):
        new = getattr(details, item.name)
        old = getattr(order, item.name)
        if new is not None and new != old:
            changes[item.name] = [str(old), str(new)]
    if not changes:
        return None
    category = details.category or order.category
    area = details.area or order.area
    # A category change drops a sub-type the new category does not have, unless one is given.
    sub_type = details.sub_type if details.sub_type is not None else order.sub_type
    if details.category is not None and details.sub_type is None:
        sub_type = sub_type if sub_type in SUB_TYPES.get(category, frozenset()) else ""
    check_sub_type(category, sub_type)
    values = {name: getattr(details, name) for name in changes}
    values |= {"sub_type": sub_type, "updated_at": now}
    await session.execute(update(WorkOrder).where(WorkOrder.id == order.id).values(**values))
    if "category" in changes or "area" in changes:
        await _replan(session, order, category, area, policy)
    event = WorkOrderEvent(
        order_id=order.id, at=now, actor=actor, action=Action.EDITED,
        from_status=None, to_status=None, changes=changes, note="",
    )  # fmt: skip
    session.add(event)
    await session.flush()
    return event


async def _replan(
    session: AsyncSession, order: WorkOrder, category: Category, area: Area, policy: DeadlinePolicy
) -> None:
    due = policy.due_times(category, area, order.created_at)
    query = select(WorkOrderDeadline).where(WorkOrderDeadline.order_id == order.id)
    existing = {row.kind: row for row in (await session.execute(query)).scalars()}
    gone = [row.id for kind, row in existing.items() if kind not in due]
    if gone:
        await session.execute(delete(WorkOrderDeadline).where(WorkOrderDeadline.id.in_(gone)))
    for kind, due_at in due.items():
        row = existing.get(kind)
        if row is None:
            session.add(WorkOrderDeadline(order_id=order.id, kind=kind, due_at=due_at))
        else:
            row.due_at = due_at
