"""Work orders, deadlines, audit rows, call records and their decision traces as the JSON
API shows them: instants in ISO 8601 Beijing time with the offset, durations in `_ms`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from queues.call_records.cdr import CallRecord
from queues.call_records.service_level import QueueFigures
from queues.work_orders.orders import WorkOrder, WorkOrderDeadline, WorkOrderEvent
from staff_web.supervisor.reading import CallView, OrderView
from staff_web.supervisor.trace_views import offers_data
from staff_web.supervisor.units import api_time as _time
from staff_web.supervisor.units import seconds_to_ms


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


def order_detail(view: OrderView, now: datetime) -> dict[str, Any]:
    """The order with its trail, deadlines, linked orders, the moves allowed now and its
    call's offers with the decision trace."""
    order, linked, moves = view.order, view.linked, view.moves
    return {
        **order_summary(order),
        "call_sid": order.call_sid,
        "ivr_path": order.ivr_path,
        "vip_class": order.vip_class,
        "wait_ms": view.wait_ms,
        "area": order.area.value,
        "address": order.address,
        "description": order.description,
        "last_urged_at": _time(order.last_urged_at),
        "deadlines": [deadline(row, now) for row in order.deadlines],
        "trail": [audit(row) for row in order.events],
        "linked": [order_summary(other) for other in linked],
        "allowed_transitions": moves,
        "decision_trace": {"offers": offers_data(view.offers)},
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
        "wait_ms": record.wait_ms,
        "talk_ms": record.talk_ms,
        "work_order": record.work_order or None,
    }


def call_detail(view: CallView) -> dict[str, Any]:
    """One call record with its offers and the decision trace its work order kept."""
    return {**call_record(view.record), "decision_trace": {"offers": offers_data(view.offers)}}


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
        "avg_wait_ms": seconds_to_ms(row.avg_wait_s),
        "aht_ms": seconds_to_ms(row.aht_s),
    }
