"""Loading what the desk shows: one order or one call with everything around it (its call
record, offers and decision trace), and the dues lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from queues.call_records import cdr
from queues.call_records.cdr import CallRecord
from queues.call_records.router_events import consumed
from queues.work_orders.intake import by_call_sid
from queues.work_orders.order_queries import Due, due_soon, overdue, with_trail
from queues.work_orders.orders import WorkOrder
from queues.work_orders.search import SOON, linked_orders
from staff_web.auth.identity import CurrentUser
from staff_web.supervisor.access import manages, visible_order
from staff_web.supervisor.order_actions import offered_moves
from staff_web.supervisor.traces import OfferTry, offers_of, stored_traces


@dataclass(frozen=True)
class OrderView:
    order: WorkOrder  # with trail, deadlines and related loaded
    linked: list[WorkOrder]
    moves: list[str]
    call: CallRecord | None  # the call the order was taken on, when it has a record
    offers: list[OfferTry]  # that call's offers, the order's decision trace at its offer

    @property
    def wait_ms(self) -> int:
        """The call's wait: the record's milliseconds, else the order's whole seconds."""
        if self.call is not None and self.call.wait_ms is not None:
            return self.call.wait_ms
        return self.order.wait_s * 1000


async def call_offers(
    session: AsyncSession, call_sid: str | None, trace: object
) -> tuple[CallRecord | None, list[OfferTry]]:
    """The call's record and its offers, with the stored trace placed at its offer."""
    if not call_sid:
        return None, offers_of([], stored_traces(trace))
    record = await cdr.get(session, call_sid)
    return record, offers_of(await consumed(session, call_sid), stored_traces(trace))


async def order_view(session: AsyncSession, number: str, user: CurrentUser) -> OrderView:
    found = await visible_order(session, number, user)
    order = await with_trail(session, found.id)
    if order is None:
        raise LookupError(number)
    moves = [status.value for status in offered_moves(order)] if manages(user) else []
    call, offers = await call_offers(session, order.call_sid, order.decision_trace)
    return OrderView(order, await linked_orders(session, order), moves, call, offers)


@dataclass(frozen=True)
class CallView:
    record: CallRecord
    order: WorkOrder | None  # the work order taken on the call
    offers: list[OfferTry]


async def call_view(session: AsyncSession, call_sid: str) -> CallView:
    """One call record with its offers and its work order's trace; 404 when unknown."""
    record = await cdr.get(session, call_sid)
    if record is None:
        raise web.HTTPNotFound(reason=f"call {call_sid} not found")
    order = await by_call_sid(session, call_sid)
    trace = order.decision_trace if order is not None else None
    return CallView(
        record, order, offers_of(await consumed(session, call_sid), stored_traces(trace))
    )


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
