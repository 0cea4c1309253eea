"""PUT /api/agent/wrap-up/draft: the wrap-up form autosaved as the agent types, kept with
the call's work order, so the form survives the wrap-up timer, a ready press, the next offer
and a reload, and the agent can finish it later from the list.

Answers 200 `{"state": "saved", "saved_at"}` once the draft is in SQL, and 202
`{"state": "saving"}` when the agent's own call has no work order in SQL yet (the page keeps
the draft and sends it again); a draft is never refused for being incomplete.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from hotline.appkeys import CALLS, CLOCK, SESSIONMAKER
from queues.work_orders.drafts import DRAFT_FIELDS, save_draft
from queues.work_orders.intake import by_call_sid
from staff_web.auth.identity import signed_in
from staff_web.softphone.forms import (
    CALL_SID,
    MAX_ADDRESS,
    MAX_DEPARTMENT,
    MAX_DESCRIPTION,
    FormInvalid,
    json_object,
)

log = logging.getLogger(__name__)

NO_STORE = {"Cache-Control": "no-store"}
LIMITS = {"address": MAX_ADDRESS, "description": MAX_DESCRIPTION, "department": MAX_DEPARTMENT}
SHORT = 32  # category, sub-type and area are short codes


@dataclass(frozen=True, slots=True)
class DraftRequest:
    """The form as typed: any subset of its fields, as strings within the form's limits."""

    call_sid: str
    fields: dict[str, str]

    @classmethod
    def parse(cls, body: Any) -> DraftRequest:
        raw = json_object(body)
        errors: dict[str, str] = {}
        call_sid = raw.get("call_sid")
        if not isinstance(call_sid, str) or not CALL_SID.match(call_sid):
            errors["call_sid"] = "letters, digits, _ and - only"
        fields: dict[str, str] = {}
        for name in DRAFT_FIELDS:
            value = raw.get(name)
            if value is None:
                continue
            if not isinstance(value, str):
                errors[name] = "must be a string"
            elif len(value) > LIMITS.get(name, SHORT):
                errors[name] = f"at most {LIMITS.get(name, SHORT)} characters, got {len(value)}"
            else:
                fields[name] = value  # as typed: trimmed and checked when the form is saved
        if errors:
            raise FormInvalid(errors)
        return cls(str(call_sid), fields)


async def _own_call_in_flight(request: web.Request, call_sid: str, agent_id: str) -> bool:
    """The call was this agent's, by its live facts (its order is not in SQL yet)."""
    _, state = await request.config_dict[CALLS].facts(call_sid)
    return state.get("agent") == agent_id


async def save_wrap_up_draft(request: web.Request) -> web.Response:
    user = signed_in(request)
    if not user.agent_id:
        raise web.HTTPForbidden(reason="this account has no agent id")
    try:
        draft = DraftRequest.parse(await request.json())
    except ValueError:
        return web.json_response({"errors": {"body": "not valid JSON"}}, status=400)
    except FormInvalid as error:
        return web.json_response({"errors": error.errors}, status=400)
    now = request.config_dict[CLOCK]()
    async with request.config_dict[SESSIONMAKER]() as session, session.begin():
        order = await by_call_sid(session, draft.call_sid)
        if order is None:
            if await _own_call_in_flight(request, draft.call_sid, user.agent_id):
                return web.json_response({"state": "saving"}, status=202, headers=NO_STORE)
            raise web.HTTPNotFound(reason="call_sid: no work order for this call")
        if order.agent_id != user.agent_id:
            raise web.HTTPForbidden(reason="not your call or work order")
        try:
            stored = await save_draft(session, order, draft.fields, now=now)
        except ValueError as error:
            return web.json_response({"errors": {"call_sid": str(error)}}, status=409)
    log.debug("wrap-up draft saved", extra={"call_sid": draft.call_sid, "agent_id": user.agent_id})
    answer = {"state": "saved", "work_order": order.number, "saved_at": stored["saved_at"]}
    return web.json_response(answer, headers=NO_STORE)
