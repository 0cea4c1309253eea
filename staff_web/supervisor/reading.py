"""Loading what the desk shows: one order with everything around it, and the dues lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from queues.work_orders.order_queries import Due, due_soon, overdue, with_trail
from queues.work_orders.orders import WorkOrder
from queues.work_orders.search import SOON, linked_orders
from staff_web.auth.identity import CurrentUser
from staff_web.supervisor.access import manages, visible_order
from staff_web.supervisor.order_actions import offered_moves


@dataclass(frozen=True)
class OrderView:
    order: WorkOrder  # with trail, deadlines and related loaded
    linked: list[WorkOrder]
    moves: list[str]


async def order_view(session: AsyncSession, number: str, user: CurrentUser) -> OrderView:
    found = await visible_order(session, number, user)
    order = await with_trail(session, found.id)
    if order is None:
        raise LookupError(number)
    moves = [status.value for status in offered_moves(order)] if manages(user) else []
    return OrderView(order, await linked_orders(session, order), moves)


@dataclass(frozen=True)
class Dues:
    overdue: list[Due]
    soon: list[Due]


async def dues(
    session: AsyncSession, user: CurrentUser, now: datetime, within: timedelta = SOON
) -> Dues:
    """Overdue and soon-due deadlines (an agent sees its own orders' only)."""
    late, soon = await overdue(session, now), await due_soon(session, now, within)
    if not manages(user):
        late = [due for due in late if due.order.agent_id == user.agent_id]
        soon = [due for due in soon if due.order.agent_id == user.agent_id]
    return Dues(late, soon)
