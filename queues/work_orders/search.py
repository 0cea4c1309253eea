"""Work orders found by the supervisor's filters: status, category, agent, caller, dues."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, exists, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from queues.work_orders.categories import Category
from queues.work_orders.order_queries import MAX_PAGE, Page
from queues.work_orders.orders import WorkOrder, WorkOrderDeadline
from queues.work_orders.status import Status

SOON = timedelta(hours=4)


class Due(StrEnum):
    OVERDUE = "overdue"  # an unmet deadline has passed
    SOON = "soon"  # an unmet deadline falls within `soon`


@dataclass(frozen=True)
class OrderFilters:
    status: Status | None = None
    category: Category | None = None
    agent_id: str | None = None
    caller: str | None = None
    due: Due | None = None
    soon: timedelta = SOON

    def condition(self, now: datetime) -> ColumnElement[bool]:
        where: ColumnElement[bool] = true()
        if self.status is not None:
            where = where & (WorkOrder.status == self.status)
        if self.category is not None:
            where = where & (WorkOrder.category == self.category)
        if self.agent_id:
            where = where & (WorkOrder.agent_id == self.agent_id)
        if self.caller:
            where = where & (WorkOrder.caller == self.caller)
        if self.due is not None:
            due = WorkOrderDeadline.due_at
            window = (
                due <= now if self.due is Due.OVERDUE else (due > now) & (due <= now + self.soon)
            )
            unmet = exists().where(
                WorkOrderDeadline.order_id == WorkOrder.id,
                WorkOrderDeadline.met_at.is_(None),
                window,
            )
            where = where & unmet & (WorkOrder.status != Status.CLOSED)
        return where


async def search_orders(
    session: AsyncSession,
    filters: OrderFilters,
    *,
    now: datetime,
    limit: int = 50,
    offset: int = 0,
) -> Page:
    """Orders matching every filter, newest first, one page and the number matching."""
    if not 1 <= limit <= MAX_PAGE:
        raise ValueError(f"limit: must be 1..{MAX_PAGE}, got {limit}")
    if offset < 0:
        raise ValueError(f"offset: must be zero or more, got {offset}")
    where = filters.condition(now)
    query = (
        select(WorkOrder)
        .where(where)
        .order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc())
        .limit(limit)
        .offset(offset)
    )
    items = list((await session.execute(query)).scalars())
    total = (
        await session.execute(select(func.count()).select_from(WorkOrder).where(where))
    ).scalar_one()
    return Page(items=items, total=total, limit=limit, offset=offset)


async def linked_orders(session: AsyncSession, order: WorkOrder) -> list[WorkOrder]:
    """Orders tied to this one: the one it links to (a repeat call's open order) and those
    linking to it, oldest first."""
    condition = WorkOrder.related_id == order.id
    if order.related_id is not None:
        condition = condition | (WorkOrder.id == order.related_id)
    query = select(WorkOrder).where(condition, WorkOrder.id != order.id).order_by(WorkOrder.id)
    return list((await session.execute(query)).scalars())
