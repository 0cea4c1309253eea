"""A supervisor's actions on an agent, under `/api/supervisor/agents/{agent_id}/`: put on
break, sign out, change the grades or the queues served. Each takes effect in routing at
once and is audited (queues/audit.py) with the agent's state before and after.

The routing change comes first (it is what the floor needs now), then the audit row; a
database that fails in between leaves the change made and logged with both states, and
the answer says so (503), so the entry can be added by hand.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from aiohttp import web

from hotline.appkeys import CLOCK, CONFIGS, MATCHING, SESSIONMAKER
from queues import audit
from routing.presence import AgentSnapshot, AgentState, PresenceChange, PresenceOutcome
from staff_web.softphone.forms import MAX_REASON, SYSTEM_REASONS
from staff_web.supervisor.access import manager
from staff_web.supervisor.order_actions import ActionRefused

log = logging.getLogger(__name__)

CONTROL = re.compile(r"[\x00-\x1f\x7f]")
ACTIONS = ("break", "offline", "skills")
NO_STORE = {"Cache-Control": "no-store"}


def refused(status: int, message: str, fields: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"error": message, "fields": fields or {}}, status=status)


def agent_facts(agent: AgentSnapshot | None) -> dict[str, Any] | None:
    """What the audit keeps of an agent's routing state."""
    if agent is None:
        return None
    skills = {queue: int(grade) for queue, grade in sorted(agent.skills.items())}
    return {"state": agent.state.value, "reason": agent.reason, "skills": skills}


async def json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json() if request.can_read_body else {}
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ActionRefused(400, "body: not valid JSON") from None
    if not isinstance(body, dict):
        raise ActionRefused(400, "body: expected a JSON object")
    return body


def break_reason(body: dict[str, Any]) -> str:
    reason = body.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise ActionRefused(400, "reason: required", {"reason": "field_note"})
    reason = reason.strip()
    if len(reason) > MAX_REASON or CONTROL.search(reason) or reason in SYSTEM_REASONS:
        raise ActionRefused(400, f"reason: 1-{MAX_REASON} characters", {"reason": "field_bad"})
    return reason


def new_skills(body: dict[str, Any], queues: set[str]) -> dict[str, int]:
    skills = body.get("skills")
    if not isinstance(skills, dict) or not skills:
        raise ActionRefused(400, "skills: a grade (1-4) per queue served", {"skills": "field_bad"})
    out = {}
    for queue, grade in skills.items():
        if queue not in queues:
            raise ActionRefused(400, f"skills.{queue}: no such queue", {"skills": "field_bad"})
        if isinstance(grade, bool) or not isinstance(grade, int) or not 1 <= grade <= 4:
            raise ActionRefused(400, f"skills.{queue}: grade 1-4", {"skills": "field_bad"})
        out[queue] = grade
    return out


async def act_on_agent(request: web.Request) -> web.Response:
    """POST /supervisor/agents/{agent_id}/{action}: break {reason}, offline, skills {skills}."""
    user = manager(request)
    action, agent_id = request.match_info["action"], request.match_info["agent_id"]
    if action not in ACTIONS:
        raise web.HTTPNotFound(reason=f"no action {action!r}")
    matching = request.config_dict[MATCHING]
    try:
        body = await json_body(request)
        before = await matching.router.agent(agent_id)
        if before is None:
            return refused(404, f"agent {agent_id!r} has never signed in")
        if before.state is AgentState.OFFLINE and action != "offline":
            # The router would put a signed-out agent on break; that is the agent's to do.
            return refused(409, f"agent {agent_id} is offline", {"agent": "offline"})
        outcome = await _apply(request, action, agent_id, body, before)
    except ActionRefused as error:
        return refused(error.status, error.message, error.fields)
    if outcome.change is PresenceChange.UNKNOWN:
        return refused(409, f"agent {agent_id} is offline", {"agent": "offline"})
    if outcome.change is PresenceChange.BUSY:
        return refused(409, f"agent {agent_id} answered the call first", {"agent": "busy"})
    after = await matching.router.agent(agent_id)
    result = {
        "agent_id": agent_id,
        "action": action,
        "change": outcome.change.value,
        "agent": agent_facts(after),
    }
    if outcome.change is PresenceChange.CHANGED:
        try:
            async with request.config_dict[SESSIONMAKER]() as session, session.begin():
                await audit.record(
                    session,
                    at=request.config_dict[CLOCK](),
                    actor=user.username,
                    object_kind="agent",
                    object_id=agent_id,
                    action=action,
                    before=agent_facts(before),
                    after=agent_facts(after),
                )
        except Exception:
            log.exception(
                "agent %s by %s made but not audited: before %r after %r",
                action,
                user.username,
                agent_facts(before),
                agent_facts(after),
                extra={"agent_id": agent_id},
            )
            return refused(503, "done in routing, but the audit entry could not be written")
    log.info("agent %s by %s", action, user.username, extra={"agent_id": agent_id})
    return web.json_response(result, headers=NO_STORE)


async def _apply(
    request: web.Request, action: str, agent_id: str, body: dict[str, Any], before: AgentSnapshot
) -> PresenceOutcome:
    matching = request.config_dict[MATCHING]
    if action == "break":
        return await matching.agent_break(agent_id, break_reason(body))
    if action == "offline":
        return await matching.agent_offline(agent_id)
    loaded = await request.config_dict[CONFIGS].current()
    skills = new_skills(body, set(loaded.config.queues))
    spec = next((a for a in loaded.config.agents if a.id == agent_id), None)
    # A change lasts until the agent signs in again, which brings the config's grades.
    outcome = await matching.router.regrade(agent_id, skills, order=spec.order if spec else 0)
    await matching.deliver(outcome.offers)
    return outcome


def add_agent_action_routes(app: web.Application) -> None:
    """Add the actions to the `/api/` sub-app (built with `api_middlewares()`)."""
    app.router.add_post(
        "/supervisor/agents/{agent_id}/{action}", act_on_agent, name="sv_agent_action"
    )
