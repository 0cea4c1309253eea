"""Logging the work order (工单) when an agent answers: from what the call gathered in
Redis (path, queue, category, wait, decision trace) and the config's caller profile.

Order of the steps, so that no answered call goes without its order:
1. the router accepts the offer, and its Lua writes CONNECT to the event stream in the
   same step (durable before anything else happens);
2. the `answered` callback writes the order to SQL at once, so the agent gets its number;
3. the event sink, consuming that CONNECT exactly once, logs the order again: a no-op when
   step 2 did it (one order per call, `queues/work_orders/intake.py`), the order itself when
   step 2 never ran (the process died) or could not (the database was unavailable: the
   entry stays pending until it is back). The agent is then told "saved".
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from hotline.appkeys import CALLS, CLOCK, CONFIGS, SESSIONMAKER
from ivr.calls import CallState
from ivr.menus.published import ConfigRegistry
from queues.db import database_unavailable
from queues.work_orders.categories import category_for_menu, sub_type_for_menu
from queues.work_orders.intake import NewWorkOrder, by_call_sid, create_order
from switchboard.agent_events import AgentEvents

log = logging.getLogger(__name__)

if TYPE_CHECKING:  # a webhook's request, or the app's resources outside one
    from switchboard.answering import Scope


def _trace(raw: str) -> dict[str, Any] | None:
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


async def order_of_call(
    calls: CallState, configs: ConfigRegistry, call_sid: str
) -> NewWorkOrder | None:
    """The work order the call's Redis state describes; None when Redis has no such call."""
    facts, state = await calls.facts(call_sid)
    if facts is None:
        return None
    loaded = await configs.version(facts.version)
    caller = loaded.caller(facts.caller)
    category = category_for_menu(state.get("category"))
    grade = state.get("agent_grade", "")
    return NewWorkOrder(
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


async def log_work_order(request: Scope, call_sid: str) -> str:
    """Create the call's work order once (a retried callback gets the same number); "" while
    the database is unavailable (the event sink logs it when it is back, step 3 above)."""
    calls = request.config_dict[CALLS]
    new = await order_of_call(calls, request.config_dict[CONFIGS], call_sid)
    if new is None:
        raise LookupError(f"call {call_sid} has no facts to log a work order from")
    try:
        async with request.config_dict[SESSIONMAKER]() as session, session.begin():
            order = await create_order(session, new, now=request.config_dict[CLOCK]())
            number = order.number
    except Exception as error:
        if not database_unavailable(error):
            raise
        log.warning(
            "database unavailable (%r): work order saving via the event stream",
            error,
            extra={"call_sid": call_sid, "agent_id": new.agent_id or ""},
        )
        return ""
    await calls.update(call_sid, work_order=number)
    return number


class WorkOrderIntake:
    """Step 3 for the event sink: the order of a CONNECT consumed, and "saved" after it."""

    def __init__(self, calls: CallState, configs: ConfigRegistry, events: AgentEvents) -> None:
        self.calls = calls
        self.configs = configs
        self.events = events

    async def log(
        self, session: AsyncSession, call_sid: str, agent_id: str, now: datetime
    ) -> str | None:
        """In the sink's transaction: the number of an order this call created, None when
        the order was there already or Redis no longer knows the call."""
        if await by_call_sid(session, call_sid) is not None:
            return None
        new = await order_of_call(self.calls, self.configs, call_sid)
        if new is None:
            log.error(
                "connected, but no call state to log a work order from",
                extra={"call_sid": call_sid, "agent_id": agent_id},
            )
            return None
        order = await create_order(session, new, now=now)
        return order.number

    async def announce(self, call_sid: str, agent_id: str, number: str) -> None:
        """After the commit: the call state and the agent's softphone learn the number."""
        await self.calls.update(call_sid, work_order=number)
        await self.events.publish(agent_id, "saved", call_sid=call_sid, work_order=number)
        log.info(
            "work order %s saved from the event stream",
            number,
            extra={"call_sid": call_sid, "agent_id": agent_id},
        )
