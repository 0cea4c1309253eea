"""Who may see and change which work orders: supervisors and admins all of them; an agent
only views its own."""

from __future__ import annotations

from dataclasses import replace

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from queues.staff import Role
from queues.work_orders.order_queries import by_number
from queues.work_orders.orders import WorkOrder
from queues.work_orders.search import OrderFilters
from staff_web.auth.identity import CurrentUser, ensure_owner, require_role, signed_in

NOBODY = "\x00"  # an agent id no order has: an agent account without an agent sees nothing


def viewer(request: web.Request) -> CurrentUser:
    return signed_in(request)


def manager(request: web.Request) -> CurrentUser:
    """The signed-in supervisor or admin; 403 for an agent."""
    return require_role(request, Role.SUPERVISOR)


def manages(user: CurrentUser) -> bool:
    return user.role.covers(Role.SUPERVISOR)


def scoped(user: CurrentUser, filters: OrderFilters) -> OrderFilters:
    """An agent's filters always name the agent itself."""
    if manages(user):
        return filters
    return replace(filters, agent_id=user.agent_id or NOBODY)


async def visible_order(session: AsyncSession, number: str, user: CurrentUser) -> WorkOrder:
    """The order by its number: 404 unknown, 403 an agent's colleague's order."""
    order = await by_number(session, number)
    if order is None:
        raise web.HTTPNotFound(reason=f"work order {number} not found")
    ensure_owner(user, order.agent_id)
    return order
