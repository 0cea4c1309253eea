"""An agent's desk at one instant: router state and for how long, the call it holds, and
the call it is wrapping up; the same shape for GET /api/agent/state and the socket."""

from __future__ import annotations

from typing import Any

from aiohttp import ChainMapProxy

from hotline.appkeys import CONFIGS, MATCHING, SESSIONMAKER
from queues.work_orders.order_queries import orders_of_agent
from routing.presence import AgentSnapshot, AgentState
from staff_web.softphone.call_details import describe_call, own_order_summary

CALL_STATES = frozenset({AgentState.RESERVED, AgentState.BUSY})


def now_ms(app: ChainMapProxy) -> int:
    """The router's clock (the app's injectable clock), in epoch milliseconds."""
    return app[MATCHING].router.clock()


def state_key(state: dict[str, Any]) -> tuple[Any, ...]:
    """What makes two desk states different enough to push again."""
    call = state.get("call") or {}
    return (state["state"], state["since_ms"], state["reason"], call.get("call_sid"))


async def snapshot_of(app: ChainMapProxy, agent_id: str) -> AgentSnapshot | None:
    return await app[MATCHING].router.agent(agent_id)


async def desk_state(app: ChainMapProxy, agent_id: str) -> dict[str, Any]:
    """State, since when, reason, the current call (ringing or connected) with its details,
    and in wrap-up the deadline and the work order just taken."""
    snapshot = await snapshot_of(app, agent_id)
    loaded = await app[CONFIGS].current()
    spec = next((a for a in loaded.config.agents if a.id == agent_id), None)
    state: dict[str, Any] = {
        "agent_id": agent_id,
        "name": spec.name if spec else "",
        "in_config": spec is not None,
        "grades": dict(spec.skills) if spec else {},
        "state": AgentState.OFFLINE.value,
        "since_ms": 0,
        "reason": "",
        "now_ms": now_ms(app),
        "backoff_until_ms": 0,
        "wrap_until_ms": 0,
        "calls": 0,
        "call": None,
        "wrap_up": None,
    }
    if snapshot is None:
        return state
    state |= {
        "state": snapshot.state.value,
        "since_ms": snapshot.since_ms,
        "reason": snapshot.reason,
        "backoff_until_ms": snapshot.backoff_until_ms,
        "calls": snapshot.calls,
    }
    if snapshot.state in CALL_STATES and snapshot.call_id:
        details = await describe_call(app, snapshot.call_id) or {"call_sid": snapshot.call_id}
        phase = "ringing" if snapshot.state is AgentState.RESERVED else "connected"
        state["call"] = details | {"phase": phase}
    elif snapshot.state is AgentState.WRAP_UP:
        state["wrap_until_ms"] = snapshot.wrap_until_ms
        async with app[SESSIONMAKER]() as session:
            latest = await orders_of_agent(session, agent_id, limit=1)
        # The call just ended is the agent's newest order: the router forgets the call id.
        order = own_order_summary(latest.items[0]) if latest.items else None
        state["wrap_up"] = {"until_ms": snapshot.wrap_until_ms, "order": order}
    return state
