"""The agent API under /api/agent/: state, ready / break / offline, the agent's work orders,
the offered call's details, the wrap-up form, the Twilio voice token and the embedded
phone's token.

An agent acts only on itself and its own work orders; supervisors and admins may read any
agent's state and orders with `?agent=<id>`.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web

from hotline.appkeys import (
    AGENT_EVENTS,
    CLOCK,
    DESK_PRESENCE,
    MATCHING,
    PHONE_TOKENS,
    SESSIONMAKER,
)
from queues.staff import Role
from queues.work_orders.order_queries import MAX_PAGE, orders_of_agent
from routing.presence import AgentState, PresenceChange
from staff_web.auth.identity import Credential, CurrentUser, ensure_owner, signed_in
from staff_web.softphone.call_details import describe_call, own_order_summary
from staff_web.softphone.desk_state import CALL_STATES, desk_state, snapshot_of
from staff_web.softphone.forms import (
    BreakRequest,
    FormInvalid,
    WrapUpRequest,
    invalid_response,
)
from staff_web.softphone.voice_access import voice_token
from staff_web.softphone.wrap_up import WrapUpRefused, save_wrap_up
from staff_web.softphone.wrap_up_drafts import save_wrap_up_draft
from switchboard.matching import UnknownAgent

log = logging.getLogger(__name__)

NO_STORE = {"Cache-Control": "no-store"}
DEFAULT_PAGE = 20


def own_agent(user: CurrentUser) -> str:
    """The agent id the user acts as; 403 for an account without one."""
    if not user.agent_id:
        raise web.HTTPForbidden(reason="this account has no agent id")
    return user.agent_id


def viewed_agent(request: web.Request, user: CurrentUser) -> str:
    """`?agent=` (a supervisor reading another agent) or the user's own agent."""
    asked = request.query.get("agent", "").strip()
    if asked and asked != user.agent_id:
        ensure_owner(user, asked)
        return asked
    if user.agent_id:
        return user.agent_id
    raise web.HTTPBadRequest(reason="agent: give ?agent=<id> (this account has no agent id)")


async def read_json(request: web.Request) -> Any:
    try:
        return await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise FormInvalid({"body": "not valid JSON"}) from None


def _state_response(state: dict[str, Any], status: int = 200) -> web.Response:
    return web.json_response(state, status=status, headers=NO_STORE)


async def get_state(request: web.Request) -> web.Response:
    agent_id = viewed_agent(request, signed_in(request))
    return _state_response(await desk_state(request.config_dict, agent_id))


async def _announce(request: web.Request, agent_id: str) -> dict[str, Any]:
    """Every socket of the agent, on any process, re-reads the state; the new state."""
    await request.config_dict[AGENT_EVENTS].publish(agent_id, "state")
    return await desk_state(request.config_dict, agent_id)


async def _refuse_during_call(request: web.Request, agent_id: str, action: str) -> AgentState:
    snapshot = await snapshot_of(request.config_dict, agent_id)
    state = snapshot.state if snapshot else AgentState.OFFLINE
    if state is AgentState.BUSY:
        raise web.HTTPConflict(reason=f"{action}: finish the call first")
    return state


async def go_ready(request: web.Request) -> web.Response:
    """示闲: sign in to the router with the published grades, or come back from break or
    wrap-up. Refused during a call (signing in again would drop it)."""
    user = signed_in(request)
    agent_id = own_agent(user)
    snapshot = await snapshot_of(request.config_dict, agent_id)
    state = snapshot.state if snapshot else AgentState.OFFLINE
    if state in CALL_STATES:
        raise web.HTTPConflict(reason="ready: a call is ringing or connected")
    if state is AgentState.READY:
        return _state_response(await desk_state(request.config_dict, agent_id))
    try:
        await request.config_dict[MATCHING].agent_ready(agent_id)
    except UnknownAgent as error:
        raise web.HTTPBadRequest(
            reason=f"{error}: ask an admin to add the agent to the config"
        ) from None
    if user.credential is Credential.COOKIE:
        # From the page: its desk is watched even if its socket never opens.
        await request.config_dict[DESK_PRESENCE].seen(agent_id)
    log.info("ready (was %s)", state.value, extra={"agent_id": agent_id})
    return _state_response(await _announce(request, agent_id))


async def go_break(request: web.Request) -> web.Response:
    """示忙 with a reason; a ringing offer is withdrawn and goes to another agent."""
    agent_id = own_agent(signed_in(request))
    try:
        asked = BreakRequest.parse(await read_json(request))
    except FormInvalid as error:
        return invalid_response(error)
    await _refuse_during_call(request, agent_id, "break")
    outcome = await request.config_dict[MATCHING].agent_break(agent_id, asked.reason)
    if outcome.change is PresenceChange.UNKNOWN:
        raise web.HTTPConflict(reason="break: not signed in to the router; go ready first")
    log.info("break (%s)", asked.reason, extra={"agent_id": agent_id})
    return _state_response(await _announce(request, agent_id))


async def go_offline(request: web.Request) -> web.Response:
    """离线: leave every queue; a ringing offer goes to another agent."""
    agent_id = own_agent(signed_in(request))
    await _refuse_during_call(request, agent_id, "offline")
    await request.config_dict[MATCHING].agent_offline(agent_id)
    log.info("offline", extra={"agent_id": agent_id})
    return _state_response(await _announce(request, agent_id))


def _page_param(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name, "")
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise FormInvalid({name: f"a whole number {low}..{high}"})
    return int(raw)


async def work_orders(request: web.Request) -> web.Response:
    """The agent's work orders, newest first, one page (`limit`, `offset`)."""
    agent_id = viewed_agent(request, signed_in(request))
    try:
        limit = _page_param(request, "limit", DEFAULT_PAGE, 1, MAX_PAGE)
        offset = _page_param(request, "offset", 0, 0, 10**9)
    except FormInvalid as error:
        return invalid_response(error)
    async with request.config_dict[SESSIONMAKER]() as session:
        page = await orders_of_agent(session, agent_id, limit=limit, offset=offset)
    answer = {
        "agent_id": agent_id,
        "items": [own_order_summary(order) for order in page.items],
        "total": page.total,
        "limit": page.limit,
        "offset": page.offset,
    }
    return web.json_response(answer, headers=NO_STORE)


async def call_details(request: web.Request) -> web.Response:
    """Who is calling: only while the call rings for or talks with this agent (supervisors
    may read any call)."""
    user = signed_in(request)
    call_sid = request.match_info["call_sid"]
    if not user.role.covers(Role.SUPERVISOR):
        snapshot = await snapshot_of(request.config_dict, own_agent(user))
        if snapshot is None or snapshot.state not in CALL_STATES or snapshot.call_id != call_sid:
            raise web.HTTPNotFound(reason="call: not offered to or connected with you")
    details = await describe_call(request.config_dict, call_sid)
    if details is None:
        raise web.HTTPNotFound(reason="call: unknown or over")
    return web.json_response(details, headers=NO_STORE)


async def wrap_up(request: web.Request) -> web.Response:
    """Save the after-call form on the call's work order (dispatching it when a department
    is given; its draft is done with), then, unless `ready` is false, make the agent ready
    again if it is still in wrap-up. Answers `{"state": "saved", "order", "desk"}`."""
    user = signed_in(request)
    agent_id = own_agent(user)
    try:
        form = WrapUpRequest.parse(await read_json(request))
        saved = await save_wrap_up(
            request.config_dict[SESSIONMAKER],
            form,
            agent_id=agent_id,
            actor=user.username,
            now=request.config_dict[CLOCK](),
        )
    except FormInvalid as error:
        return invalid_response(error)
    except WrapUpRefused as refused:
        return web.json_response({"error": refused.reason}, status=refused.status)
    snapshot = await snapshot_of(request.config_dict, agent_id)
    if form.ready and snapshot is not None and snapshot.state is AgentState.WRAP_UP:
        await request.config_dict[MATCHING].agent_ready(agent_id)
        log.info("wrap-up saved: ready", extra={"call_sid": form.call_sid, "agent_id": agent_id})
    desk = await _announce(request, agent_id)
    answer = {"state": "saved", "order": saved, "desk": desk}
    return web.json_response(answer, headers=NO_STORE)


async def phone_token(request: web.Request) -> web.Response:
    """A short-lived token to register the agent's own embedded phone (the local carrier's
    /carrier/agent-ws refuses a socket without one)."""
    agent_id = own_agent(signed_in(request))
    if PHONE_TOKENS not in request.config_dict:
        raise web.HTTPServiceUnavailable(
            reason="no embedded phone here: with HOTLINE_CARRIER=twilio use the voice token"
        )
    tokens = request.config_dict[PHONE_TOKENS]
    answer = {"token": tokens.mint(agent_id), "identity": agent_id, "ttl": tokens.ttl_s}
    return web.json_response(answer, headers=NO_STORE)


def add_agent_api_routes(api: web.Application, *, prefix: str = "/agent") -> None:
    """Register the agent routes on the `/api/` sub-app (built by `create_api_app()`)."""
    api.router.add_get(f"{prefix}/state", get_state, name="agent_state")
    api.router.add_post(f"{prefix}/ready", go_ready, name="agent_ready")
    api.router.add_post(f"{prefix}/break", go_break, name="agent_break")
    api.router.add_post(f"{prefix}/offline", go_offline, name="agent_offline")
    api.router.add_get(f"{prefix}/work-orders", work_orders, name="agent_work_orders")
    api.router.add_get(f"{prefix}/call/{{call_sid}}", call_details, name="agent_call")
    api.router.add_post(f"{prefix}/wrap-up", wrap_up, name="agent_wrap_up")
    api.router.add_put(f"{prefix}/wrap-up/draft", save_wrap_up_draft, name="agent_wrap_up_draft")
    api.router.add_get(f"{prefix}/voice-token", voice_token, name="agent_voice_token")
    api.router.add_get(f"{prefix}/phone-token", phone_token, name="agent_phone_token")
