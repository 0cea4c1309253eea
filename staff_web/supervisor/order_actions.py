"""What a supervisor may do to a work order, parsed from a form or JSON body and carried out
in one transaction; refusals name the field (400) or the conflict (409)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from queues.work_orders import lifecycle
from queues.work_orders.orders import WorkOrder, WorkOrderEvent
from queues.work_orders.status import ALLOWED, IllegalTransition, StaleStatus, Status

MAX_TEXT = 2000


class ActionKind(StrEnum):
    DISPATCH = "dispatch"
    TRANSITION = "transition"
    URGE = "urge"
    NOTE = "note"
    REOPEN = "reopen"


@dataclass
class ActionRefused(Exception):
    """400 with field errors (keys of the words table: `field_<name>`), or 409 a conflict."""

    status: int
    message: str
    fields: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class OrderAction:
    kind: ActionKind
    target: Status | None = None
    department: str = ""
    text: str = ""


def _text(data: Mapping[str, object], name: str) -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        raise ActionRefused(400, f"{name}: must be a string", {name: "field_bad"})
    value = value.strip()
    if len(value) > MAX_TEXT:
        raise ActionRefused(400, f"{name}: at most {MAX_TEXT} characters", {name: "field_bad"})
    return value


def _required(data: Mapping[str, object], name: str, message_key: str) -> str:
    value = _text(data, name)
    if not value:
        raise ActionRefused(400, f"{name}: required", {name: message_key})
    return value


def parse_action(kind: ActionKind, data: Mapping[str, object]) -> OrderAction:
    """The action's fields from a form or JSON object."""
    if kind is ActionKind.DISPATCH:
        department = _required(data, "department", "field_department")
        return OrderAction(kind, Status.DISPATCHED, department, _text(data, "note"))
    if kind in (ActionKind.TRANSITION, ActionKind.REOPEN):
        raw = _text(data, "to")
        if not raw and kind is ActionKind.REOPEN:
            raw = Status.PROCESSING.value
        try:
            target = Status(raw)
        except ValueError:
            raise ActionRefused(400, f"to: {raw!r} is not a status", {"to": "field_to"}) from None
        if kind is ActionKind.REOPEN:
            return OrderAction(kind, target, text=_required(data, "reason", "field_reason"))
        return OrderAction(kind, target, _text(data, "department"), _text(data, "note"))
    if kind is ActionKind.NOTE:
        return OrderAction(kind, text=_required(data, "text", "field_text"))
    return OrderAction(kind, text=_text(data, "note"))


def offered_moves(order: WorkOrder) -> list[Status]:
    """The status changes the transition form offers (reopening has its own form)."""
    if order.status is Status.CLOSED:
        return []
    return sorted(ALLOWED[order.status], key=list(Status).index)


def next_step(current: Status, moves: list[Status]) -> Status | None:
    """The lifecycle's natural next step among `moves`: the first status after `current`
    in the lifecycle's order (accepted → dispatched → ... → closed), never a step back."""
    order = list(Status)
    ahead = [m for m in moves if order.index(m) > order.index(current)]
    return min(ahead, key=order.index) if ahead else None


async def perform(
    session: AsyncSession, order: WorkOrder, action: OrderAction, *, actor: str, now: datetime
) -> WorkOrderEvent:
    """Carry out the action; domain refusals become ActionRefused."""
    try:
        if action.kind is ActionKind.URGE:
            if order.status is Status.CLOSED:
                raise ActionRefused(409, f"work order {order.number} is closed: reopen it first")
            return await lifecycle.urge(session, order, actor=actor, now=now, note=action.text)
        if action.kind is ActionKind.NOTE:
            return await lifecycle.add_note(session, order, actor=actor, now=now, text=action.text)
        if action.kind is ActionKind.REOPEN and order.status is not Status.CLOSED:
            raise ActionRefused(409, f"work order {order.number} is not closed")
        assert action.target is not None  # noqa: S101  (parse_action sets it for these kinds)
        return await lifecycle.transition(
            session,
            order,
            action.target,
            actor=actor,
            now=now,
            note=action.text,
            department=action.department or None,
        )
    except IllegalTransition as error:
        raise ActionRefused(409, str(error)) from None
    except StaleStatus as error:
        raise ActionRefused(409, str(error)) from None
    except lifecycle.MissingReason as error:
        name = "reason" if action.kind is ActionKind.REOPEN else "note"
        raise ActionRefused(400, str(error), {name: f"field_{name}"}) from None
    except ValueError as error:
        name = str(error).split(":", 1)[0]
        if name in ("department", "text", "note"):
            raise ActionRefused(400, str(error), {name: f"field_{name}"}) from None
        raise ActionRefused(409, str(error)) from None
