"""Work orders, deadlines, audit rows and call records as the JSON API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from queues.call_records.cdr import CallRecord
from queues.call_records.service_level import QueueFigures
from queues.work_orders.orders import WorkOrder, WorkOrderDeadline, WorkOrderEvent


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def order_summary(order: WorkOrder) -> dict[str, Any]:
    return {
        "number": order.number,
        "status": order.status.value,
        "category": order.category.value,
        "sub_type": order.sub_type,
        "hotline_id": order.hotline_id,
        "caller": order.caller,
        "customer_name": order.customer_name,
        "queue": order.queue,
        "agent_id": order.agent_id,
        "agent_grade": order.agent_grade,
        "department": order.department,
        "urge_count": order.urge_count,
        "created_at": _time(order.created_at),
        "updated_at": _time(order.updated_at),
        "closed_at": _time(order.closed_at),
    }


def deadline(row: WorkOrderDeadline, now: datetime) -> dict[str, Any]:
    return {
        "kind": row.kind.value,
        "due_at": _time(row.due_at),
        "met_at": _time(row.met_at),
        "overdue": row.met_at is None and row.due_at <= now,
        "remaining_s": int((row.due_at - now).total_seconds()) if row.met_at is None else None,
    }


def audit(row: WorkOrderEvent) -> dict[str, Any]:
    return {
        "at": _time(row.at),
        "actor": row.actor,
        "action": row.action.value,
        "from_status": row.from_status.value if row.from_status else None,
        "to_status": row.to_status.value if row.to_status else None,
        "changes": row.changes,
        "note": row.note,
    }


def order_detail(
    order: WorkOrder, linked: list[WorkOrder], moves: list[str], now: datetime
) -> dict[str, Any]:
    """The order with its trail, deadlines, linked orders and the moves allowed now."""
    return {
        **order_summary(order),
        "call_sid": order.call_sid,
        "ivr_path": order.ivr_path,
        "vip_class": order.vip_class,
        "wait_s": order.wait_s,
        "area": order.area.value,
        "address": order.address,
        "description": order.description,
        "last_urged_at": _time(order.last_urged_at),
        "deadlines": [deadline(row, now) for row in order.deadlines],
        "trail": [audit(row) for row in order.events],
        "linked": [order_summary(other) for other in linked],
        "allowed_transitions": moves,
    }


def call_record(record: CallRecord) -> dict[str, Any]:
    return {
        "call_sid": record.call_sid,
        "hotline_id": record.hotline_id,
        "caller": record.caller,
        "path": record.path,
        "queue": record.queue,
        "outcome": record.outcome,
        "end_cause": record.end_cause,
        "arrived_at": _time(record.arrived_at),
        "queued_at": _time(record.queued_at),
        "offered_at": _time(record.offered_at),
        "offers": record.offers,
        "answered_at": _time(record.answered_at),
        "ended_at": _time(record.ended_at),
        "agent_id": record.agent_id or None,
        "agent_grade": record.agent_grade,
        "wait_s": record.wait_s,
        "talk_s": record.talk_s,
        "work_order": record.work_order or None,
    }


def figures(row: QueueFigures) -> dict[str, Any]:
    return {
        "queue": row.queue,
        "offered": row.offered,
        "answered": row.answered,
        "abandoned": row.abandoned,
        "timed_out": row.timed_out,
        "answered_within": row.answered_within,
        "service_level": row.service_level,
        "answer_rate": row.answer_rate,
        "abandon_rate": row.abandon_rate,
        "avg_wait_s": row.avg_wait_s,
        "aht_s": row.aht_s,
    }
