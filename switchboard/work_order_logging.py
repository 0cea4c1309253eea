"""Logging the work order (工单) when an agent answers: from what the call gathered in
Redis (path, queue, category, wait, decision trace) and the config's caller profile."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from hotline.appkeys import CALLS, CLOCK, CONFIGS, SESSIONMAKER
from queues.work_orders.categories import category_for_menu, sub_type_for_menu
from queues.work_orders.intake import NewWorkOrder, create_order

if TYPE_CHECKING:  # a webhook's request, or the app's resources outside one
    from switchboard.answering import Scope


def _trace(raw: str) -> dict[str, Any] | None:
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


async def log_work_order(request: Scope, call_sid: str) -> str:
    """Create the call's work order once (a retried callback gets the same number)."""
    calls = request.config_dict[CALLS]
    facts, state = await calls.facts(call_sid)
    if facts is None:
        raise LookupError(f"call {call_sid} has no facts to log a work order from")
    loaded = await request.config_dict[CONFIGS].version(facts.version)
    caller = loaded.caller(facts.caller)
    category = category_for_menu(state.get("category"))
    grade = state.get("agent_grade", "")
    new = NewWorkOrder(
        hotline_id=facts.hotline_id,
        caller=facts.caller,
        category=category,
        sub_type=sub_type_for_menu(category, state.get("category")),
        call_sid=call_sid,
        customer_name=caller.name if caller else "",
        customer_account=caller.account if caller else "",
        vip_class=facts.vip_class,
        queue=state.get("queue", ""),
        ivr_path=state.get("path", ""),
        agent_id=state.get("agent") or None,
        agent_grade=int(grade) if grade.isdigit() else None,
        wait_s=int(state.get("waited_ms", "0") or 0) // 1000,
        decision_trace=_trace(state.get("trace", "")),
        actor=state.get("agent") or "system",
    )
    async with request.config_dict[SESSIONMAKER]() as session, session.begin():
        order = await create_order(session, new, now=request.config_dict[CLOCK]())
        number = order.number
    await calls.update(call_sid, work_order=number)
    return number
