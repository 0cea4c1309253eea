"""Repeat callers: the earlier work order a new call from the same number belongs with."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from queues.work_orders.orders import WorkOrder
from queues.work_orders.status import Status

DEFAULT_WINDOW = timedelta(hours=24)

# Numbers that identify nobody: withheld, anonymous, or missing.
UNKNOWN_CALLERS = frozenset({"", "anonymous", "unknown", "restricted", "private"})


def is_identifiable(caller: str) -> bool:
    return caller.strip().casefold() not in UNKNOWN_CALLERS


async def find_repeat(
    session: AsyncSession,
    caller: str,
    now: datetime,
    window: timedelta = DEFAULT_WINDOW,
) -> WorkOrder | None:
    """The caller's newest open order; else their newest order created within `window`.

    A withheld number never matches: linking strangers to each other helps nobody.
    """
    if not is_identifiable(caller):
        return None
    open_query = (
        select(WorkOrder)
        .where(WorkOrder.caller == caller, WorkOrder.status != Status.CLOSED)
        .order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc())
        .limit(1)
    )
    found = (await session.execute(open_query)).scalar_one_or_none()
    if found is not None:
        return found
    recent_query = (
        select(WorkOrder)
        .where(
            WorkOrder.caller == caller,
            WorkOrder.created_at >= now - window,
            WorkOrder.created_at <= now,
        )
        .order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc())
        .limit(1)
    )
    return (await session.execute(recent_query)).scalar_one_or_none()
