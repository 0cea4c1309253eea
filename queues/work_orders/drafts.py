"""The wrap-up form as the agent types it, kept with its work order until the form is saved:
a wrap-up timer, a ready press or the next offer never loses what was typed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from queues.work_orders.orders import WorkOrder
from queues.work_orders.status import Status

#: What a draft holds: the wrap-up form's fields, as typed (not yet validated).
DRAFT_FIELDS = ("category", "sub_type", "area", "address", "description", "department")


async def save_draft(
    session: AsyncSession, order: WorkOrder, fields: dict[str, str], *, now: datetime
) -> dict[str, Any]:
    """Keep `fields` as the order's draft (the newest wins); the draft as stored."""
    if order.status is Status.CLOSED:
        raise ValueError(f"work order {order.number} is closed: nothing to wrap up")
    unknown = set(fields) - set(DRAFT_FIELDS)
    if unknown:
        raise ValueError(f"draft: unknown fields {', '.join(sorted(unknown))}")
    draft = {"fields": dict(fields), "saved_at": now.isoformat()}
    await session.execute(
        update(WorkOrder).where(WorkOrder.id == order.id).values(wrap_up_draft=draft)
    )
    return draft


async def clear_draft(session: AsyncSession, order: WorkOrder) -> None:
    """The form was saved: the order's own fields now hold what the draft did."""
    if order.wrap_up_draft is not None:
        await session.execute(
            update(WorkOrder).where(WorkOrder.id == order.id).values(wrap_up_draft=None)
        )


def wrap_up_pending(order: WorkOrder) -> bool:
    """The agent still owes this order its wrap-up: a draft not saved, or no description
    (the wrap-up ended before anything was typed). A closed order owes nothing."""
    if order.status is Status.CLOSED:
        return False
    return order.wrap_up_draft is not None or not order.description
