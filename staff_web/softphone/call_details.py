"""Who is calling and why, as the softphone shows it: caller profile, queue, IVR path, wait,
and the caller's open work orders (from the call's Redis facts, its config version and SQL)."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import ChainMapProxy

from hotline.appkeys import CALLS, CONFIGS, SESSIONMAKER
from queues.db import database_unavailable
from queues.work_orders.drafts import wrap_up_pending
from queues.work_orders.order_queries import open_orders_of_caller
from queues.work_orders.orders import WorkOrder

log = logging.getLogger(__name__)

MAX_OPEN_ORDERS = 10


def order_summary(order: WorkOrder) -> dict[str, Any]:
    """A work order as the softphone lists it."""
    return {
        "number": order.number,
        "call_sid": order.call_sid,
        "caller": order.caller,
        "customer_name": order.customer_name,
        "category": order.category.value,
        "category_label": order.category.label,
        "sub_type": order.sub_type,
        "status": order.status.value,
        "status_label": order.status.label,
        "queue": order.queue,
        "ivr_path": order.ivr_path,
        "department": order.department,
        "description": order.description,
        "created_at": order.created_at.isoformat(),
    }


def own_order_summary(order: WorkOrder) -> dict[str, Any]:
    """An order as its own agent sees it: with the wrap-up fields, the draft typed so far,
    and whether the wrap-up is still owed (finish it from the list)."""
    return order_summary(order) | {
        "area": order.area.value,
        "address": order.address,
        "draft": order.wrap_up_draft,
        "wrap_up_pending": wrap_up_pending(order),
    }


def _int(raw: str | None) -> int:
    return int(raw) if raw and raw.lstrip("-").isdigit() else 0


async def describe_call(app: ChainMapProxy, call_sid: str) -> dict[str, Any] | None:
    """The call's details, or None when the server knows no such call (or it expired)."""
    facts, state = await app[CALLS].facts(call_sid)
    if facts is None:
        return None
    loaded = await app[CONFIGS].version(facts.version)
    caller = loaded.caller(facts.caller)
    queue = state.get("queue", "")
    spec = loaded.config.queues.get(queue)
    hotline = loaded.hotlines.get(facts.hotline_id)
    try:
        async with app[SESSIONMAKER]() as session:
            orders = await open_orders_of_caller(session, facts.caller)
    except Exception as error:
        if not database_unavailable(error):
            raise
        orders = []  # the call is still shown; its caller's history is back with the database
    open_orders = [order_summary(o) for o in orders if o.call_sid != call_sid]
    work_order = state.get("work_order", "")
    return {
        "call_sid": call_sid,
        "caller": facts.caller,
        "caller_name": caller.name if caller else "",
        "customer_account": caller.account if caller else "",
        "vip": facts.vip_class,
        "hotline": facts.hotline_id,
        "hotline_name": hotline.name if hotline else facts.hotline_id,
        "queue": queue,
        "queue_name": dict(spec.name) if spec else {},
        "path": state.get("path", ""),
        "category": state.get("category", ""),
        "waited_ms": _int(state.get("waited_ms")),
        "agent_id": state.get("agent", ""),
        "offered_ms": _int(state.get("offered_ms")),
        "ring_timeout_s": _int(state.get("ring_s")),
        "answered_ms": _int(state.get("answered_ms")),
        "work_order": work_order,
        # An answered call's order is "saving" until SQL has it (then its number is known).
        "state": "saved" if work_order else ("saving" if state.get("answered_ms") else ""),
        "open_orders": open_orders[:MAX_OPEN_ORDERS],
        "open_orders_total": len(open_orders),
    }
