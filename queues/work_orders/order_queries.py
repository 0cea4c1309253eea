"""Read-side work-order queries for the agent and supervisor pages: lists, trails, counts, dues."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager, selectinload

from queues.work_orders.orders import WorkOrder, WorkOrderDeadline
from queues.work_orders.status import Status

MAX_PAGE = 200


@dataclass(frozen=True)
class Page:
    items: list[WorkOrder]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True)
class Due:
    """One deadline not yet met, with its order."""

    order: WorkOrder
    deadline: WorkOrderDeadline

    def remaining(self, now: datetime) -> timedelta:
        """Time left (negative when overdue)."""
        return self.deadline.due_at - now


def _check_page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_PAGE:
        raise ValueError(f"limit: must be 1..{MAX_PAGE}, got {limit}")
    if offset < 0:
        raise ValueError(f"offset: must be zero or more, got {offset}")


async def orders_of_agent(
    session: AsyncSession, agent_id: str, *, limit: int = 20, offset: int = 0
) -> Page:
    """The agent's orders, newest first, one page of them and how many there are."""
    _check_page(limit, offset)
    where = WorkOrder.agent_id == agent_id
    query = (
        select(WorkOrder)
        .where(where)
        .order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc())
        .limit(limit)
        .offset(offset)
    )
    items = list((await session.execute(query)).scalars())
    total = (await session.execute(select(func.count()).where(where))).scalar_one()
    return Page(items=items, total=total, limit=limit, offset=offset)


async def open_orders_of_caller(session: AsyncSession, caller: str) -> list[WorkOrder]:
    """The caller's orders not yet closed, newest first (shown with an incoming offer)."""
    query = (
        select(WorkOrder)
        .where(WorkOrder.caller == caller, WorkOrder.status != Status.CLOSED)
        .order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc())
    )
    return list((await session.execute(query)).scalars())


async def get_order(session: AsyncSession, order_id: int) -> WorkOrder | None:
    return await session.get(WorkOrder, order_id)


async def by_number(session: AsyncSession, number: str) -> WorkOrder | None:
    query = select(WorkOrder).where(WorkOrder.number == number)
    return (await session.execute(query)).scalar_one_or_none()


async def with_trail(session: AsyncSession, order_id: int) -> WorkOrder | None:
    """One order with its audit trail, deadlines and related order loaded."""
    query = (
        select(WorkOrder)
        .where(WorkOrder.id == order_id)
        .options(
            selectinload(WorkOrder.events),
            selectinload(WorkOrder.deadlines),
            selectinload(WorkOrder.related),
        )
        .execution_options(populate_existing=True)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def counts_by_status(
    session: AsyncSession, *, hotline_id: str | None = None
) -> dict[Status, int]:
    """How many orders are in each status (every status present, zero when none)."""
    query = select(WorkOrder.status, func.count()).group_by(WorkOrder.status)
    if hotline_id is not None:
        query = query.where(WorkOrder.hotline_id == hotline_id)
    counts = dict.fromkeys(Status, 0)
    for status, count in await session.execute(query):
        counts[Status(status)] = count
    return counts


async def _dues(
    session: AsyncSession, condition: ColumnElement[bool], hotline_id: str | None
) -> list[Due]:
    query = (
        select(WorkOrderDeadline)
        .join(WorkOrderDeadline.order)
        .where(
            condition,
            WorkOrderDeadline.met_at.is_(None),
            WorkOrder.status != Status.CLOSED,
        )
        .options(contains_eager(WorkOrderDeadline.order))
        .order_by(WorkOrderDeadline.due_at, WorkOrderDeadline.id)
    )
    if hotline_id is not None:
        query = query.where(WorkOrder.hotline_id == hotline_id)
    rows = (await session.execute(query)).scalars()
    return [Due(order=deadline.order, deadline=deadline) for deadline in rows]


async def overdue(
    session: AsyncSession, now: datetime, *, hotline_id: str | None = None
) -> list[Due]:
    """Unmet deadlines of open orders already past, most overdue first."""
    return await _dues(session, WorkOrderDeadline.due_at <= now, hotline_id)


async def due_soon(
    session: AsyncSession, now: datetime, within: timedelta, *, hotline_id: str | None = None
) -> list[Due]:
    """Unmet deadlines of open orders falling due after `now` and within `within`."""
    condition = (WorkOrderDeadline.due_at > now) & (WorkOrderDeadline.due_at <= now + within)
    return await _dues(session, condition, hotline_id)
