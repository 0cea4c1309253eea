"""Saving the wrap-up form: the call's work order gets the agent's details and, with a
department, is dispatched (派单); one transaction, and saving the same form twice is a no-op."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from queues.work_orders.drafts import clear_draft
from queues.work_orders.edits import Details, update_details
from queues.work_orders.intake import by_call_sid
from queues.work_orders.lifecycle import dispatch
from queues.work_orders.order_queries import get_order
from queues.work_orders.status import StaleStatus, Status
from staff_web.softphone.call_details import own_order_summary
from staff_web.softphone.forms import FormInvalid, WrapUpRequest

log = logging.getLogger(__name__)


class WrapUpRefused(Exception):
    """Not a field problem: the order is missing, someone else's, or moved on meanwhile."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def _dispatch_needed(current: Status, department: str, order_department: str) -> bool:
    if not department:
        return False
    if current is Status.DISPATCHED and department == order_department:
        return False  # the same form saved again
    if current is not Status.ACCEPTED:
        raise FormInvalid(
            {"department": f"the order is {current.label} ({current.value}): it cannot be "
             "dispatched from the wrap-up form"}
        )  # fmt: skip
    return True


async def save_wrap_up(
    sessionmaker: async_sessionmaker[AsyncSession],
    form: WrapUpRequest,
    *,
    agent_id: str,
    actor: str,
    now: datetime,
) -> dict[str, Any]:
    """Update (and maybe dispatch) the agent's own order for `form.call_sid`; the order as
    saved. FormInvalid for field problems, WrapUpRefused for the rest."""
    async with sessionmaker() as session, session.begin():
        order = await by_call_sid(session, form.call_sid)
        if order is None:
            raise WrapUpRefused(404, "call_sid: no work order for this call")
        if order.agent_id != agent_id:
            raise WrapUpRefused(403, "not your call or work order")
        if order.status is Status.CLOSED:
            raise FormInvalid({"call_sid": f"work order {order.number} is closed"})
        needs_dispatch = _dispatch_needed(order.status, form.department, order.department)
        details = Details(
            category=form.category,
            sub_type=form.sub_type,
            area=form.area,
            address=form.address,
            description=form.description,
        )
        try:
            await update_details(session, order, details, actor=actor, now=now)
            if needs_dispatch:
                await dispatch(session, order, form.department, actor=actor, now=now)
            await clear_draft(session, order)
        except StaleStatus as error:
            raise WrapUpRefused(409, str(error)) from None
        except ValueError as error:
            raise FormInvalid(_field_error(str(error))) from None
        saved = await get_order(session, order.id)
        if saved is not None:
            await session.refresh(saved)
        summary = own_order_summary(saved or order)
    log.info(
        "wrap-up saved on %s%s",
        summary["number"],
        f", dispatched to {form.department}" if needs_dispatch else "",
        extra={"call_sid": form.call_sid, "agent_id": agent_id},
    )
    return summary


def _field_error(message: str) -> dict[str, str]:
    """Domain errors name their field first (`sub_type: ...`); anything else is the form's."""
    field, _, reason = message.partition(": ")
    if reason and field.isidentifier():
        return {field: reason}
    return {"form": message}
