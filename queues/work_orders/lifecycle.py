"""Moving a work order through its lifecycle: transitions, reopen, urge, notes, audit rows."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.ext.asyncio import AsyncSession

from queues.work_orders.deadlines import FIRST_RESPONSE, DeadlineKind
from queues.work_orders.orders import Action, WorkOrder, WorkOrderDeadline, WorkOrderEvent
from queues.work_orders.status import StaleStatus, Status, check, is_reopen

# Which deadlines a move meets. Starting work means the customer has been contacted (for
# fault repair: the crew is on site); the department's reply meets the reply deadline.
MEETS: dict[tuple[Status, Status], frozenset[DeadlineKind]] = {
    (Status.DISPATCHED, Status.PROCESSING): FIRST_RESPONSE,
    (Status.PROCESSING, Status.REPLIED): frozenset({DeadlineKind.REPLY}),
}

# Moves that send work back must say why, like a reopen.
SENT_BACK = frozenset(
    {
        (Status.DISPATCHED, Status.ACCEPTED),
        (Status.REPLIED, Status.PROCESSING),
        (Status.CALLBACK, Status.PROCESSING),
    }
)


class MissingReason(ValueError):
    """A step that must say why (reopen, a dispatch sent back) was given no note."""


def _audit(
    session: AsyncSession,
    order: WorkOrder,
    *,
    action: Action,
    actor: str,
    now: datetime,
    changes: dict[str, Any] | None = None,
    note: str = "",
    from_status: Status | None = None,
    to_status: Status | None = None,
) -> WorkOrderEvent:
    event = WorkOrderEvent(
        order_id=order.id,
        at=now,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=to_status,
        changes=changes or {},
        note=note,
    )
    session.add(event)
    return event


async def _update_order(
    session: AsyncSession, order: WorkOrder, expected: Status | None, values: dict[str, Any]
) -> None:
    """UPDATE the order's row, only while its status is still `expected` (when given).

    The status condition makes racing transitions safe without a lock: the loser of the
    race updates nothing (PostgreSQL re-checks the condition after the winner commits).
    """
    statement = update(WorkOrder).where(WorkOrder.id == order.id).values(**values)
    if expected is not None:
        statement = statement.where(WorkOrder.status == expected)
    result = cast(CursorResult[Any], await session.execute(statement))
    if result.rowcount != 1:
        raise StaleStatus(f"work order {order.number} is no longer {expected}: reload it")


async def _meet(
    session: AsyncSession, order: WorkOrder, kinds: Iterable[DeadlineKind], now: datetime
) -> None:
    statement = (
        update(WorkOrderDeadline)
        .where(
            WorkOrderDeadline.order_id == order.id,
            WorkOrderDeadline.kind.in_(list(kinds)),
            WorkOrderDeadline.met_at.is_(None),
        )
        .values(met_at=now)
    )
    await session.execute(statement)


async def transition(
    session: AsyncSession,
    order: WorkOrder,
    target: Status,
    *,
    actor: str,
    now: datetime,
    note: str = "",
    department: str | None = None,
) -> WorkOrderEvent:
    """Move the order to `target`, record the audit row and meet the deadlines it meets.

    Raises IllegalTransition for a move the graph forbids, MissingReason for a reopen or a
    sent-back dispatch without a note, ValueError for a dispatch without a department, and
    StaleStatus when another transaction moved the order first.
    """
    current = order.status
    check(current, target, order.number)
    if (is_reopen(current, target) or (current, target) in SENT_BACK) and not note.strip():
        raise MissingReason(f"note: {current.value} → {target.value} needs a reason")
    values: dict[str, Any] = {"status": target, "updated_at": now}
    changes: dict[str, Any] = {"status": [current.value, target.value]}
    if target is Status.DISPATCHED:
        department = (department or "").strip()
        if not department:
            raise ValueError("department: a dispatch needs the department it goes to")
        if department != order.department:
            values["department"] = department
            changes["department"] = [order.department, department]
    if target is Status.CLOSED:
        values["closed_at"] = now
    elif current is Status.CLOSED:
        values["closed_at"] = None
    await _update_order(session, order, current, values)
    met = MEETS.get((current, target), frozenset())
    if met:
        await _meet(session, order, met, now)
    event = _audit(
        session, order, action=Action.TRANSITION, actor=actor, now=now,
        changes=changes, note=note, from_status=current, to_status=target,
    )  # fmt: skip
    await session.flush()
    return event


async def dispatch(
    session: AsyncSession,
    order: WorkOrder,
    department: str,
    *,
    actor: str,
    now: datetime,
    note: str = "",
) -> WorkOrderEvent:
    """派单: send the order to a department."""
    return await transition(
        session, order, Status.DISPATCHED, actor=actor, now=now, note=note, department=department
    )


async def reopen(
    session: AsyncSession,
    order: WorkOrder,
    *,
    actor: str,
    now: datetime,
    reason: str,
    target: Status = Status.PROCESSING,
) -> WorkOrderEvent:
    """Reopen a closed order into processing (or accepted, to dispatch it afresh)."""
    return await transition(session, order, target, actor=actor, now=now, note=reason)


async def urge(
    session: AsyncSession, order: WorkOrder, *, actor: str, now: datetime, note: str = ""
) -> WorkOrderEvent:
    """催办: count an urge on an open order and audit it."""
    if order.status is Status.CLOSED:
        raise ValueError(f"work order {order.number} is closed: reopen it before urging")
    count = order.urge_count + 1
    await _update_order(
        session,
        order,
        order.status,
        {"urge_count": WorkOrder.urge_count + 1, "last_urged_at": now, "updated_at": now},
    )
    event = _audit(
        session, order, action=Action.URGED, actor=actor, now=now,
        changes={"urge_count": [count - 1, count]}, note=note,
    )  # fmt: skip
    await session.flush()
    return event


async def add_note(
    session: AsyncSession, order: WorkOrder, *, actor: str, now: datetime, text: str
) -> WorkOrderEvent:
    """A free-text note on the order's trail."""
    if not text.strip():
        raise ValueError("text: a note cannot be empty")
    event = _audit(session, order, action=Action.NOTE, actor=actor, now=now, note=text)
    await _update_order(session, order, None, {"updated_at": now})
    await session.flush()
    return event


async def mark_contacted(
    session: AsyncSession, order: WorkOrder, *, actor: str, now: datetime, note: str = ""
) -> WorkOrderEvent:
    """The customer was contacted (fault repair: the crew arrived): meets those deadlines."""
    if order.status is Status.CLOSED:
        raise ValueError(f"work order {order.number} is closed")
    await _meet(session, order, FIRST_RESPONSE, now)
    await _update_order(session, order, None, {"updated_at": now})
    event = _audit(session, order, action=Action.CONTACTED, actor=actor, now=now, note=note)
    await session.flush()
    return event
