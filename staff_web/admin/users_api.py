"""The users console's JSON API under `/api/admin/users` (admins only).

GET lists the accounts; POST creates one (201); POST `/{user_id}/{action}` deactivates,
reactivates, resets the password (`password`), changes the role (`role`, and `agent_id`
when becoming an agent) or ties the account to an agent (`agent_id`, empty or null to
untie). Refusals: `{"error", "fields": {field: message}, "codes": {field: code}}` with 400,
404 or 409; nothing is written then.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from hotline.appkeys import AUTH, CLOCK, SESSIONMAKER
from queues import staff
from queues.staff import Role, User
from staff_web.admin.admin_texts import ENGLISH
from staff_web.admin.config_agents import known_agent_ids
from staff_web.admin.user_changes import UserAction, UserChanges, user_facts
from staff_web.admin.user_forms import UserChangeRefused, parse_user_id
from staff_web.auth.identity import require_role
from staff_web.supervisor.units import api_time

NO_STORE = {"Cache-Control": "no-store"}


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        **user_facts(user),
        "last_sign_in_at": api_time(user.last_sign_in_at),
    }


def refused(error: UserChangeRefused) -> web.Response:
    body = {
        "error": error.message,
        "fields": {name: ENGLISH.error(p.code, p.n) for name, p in error.fields.items()},
        "codes": {name: p.code for name, p in error.fields.items()},
    }
    return web.json_response(body, status=error.status, headers=NO_STORE)


async def json_object(request: web.Request) -> dict[str, object]:
    try:
        body = await request.json() if request.can_read_body else {}
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise UserChangeRefused(400, "body: not valid JSON") from None
    if not isinstance(body, dict):
        raise UserChangeRefused(400, "body: expected a JSON object")
    return body


def changes_of(request: web.Request) -> UserChanges:
    return UserChanges(request.config_dict[SESSIONMAKER], request.config_dict[AUTH])


def user_id_of(request: web.Request) -> int:
    user_id = parse_user_id(request.match_info["user_id"])
    if user_id is None:
        raise web.HTTPNotFound(reason="user not found")
    return user_id


async def list_users(request: web.Request) -> web.Response:
    require_role(request, Role.ADMIN)
    async with request.config_dict[SESSIONMAKER]() as db:
        users = await staff.all_users(db)
    known = await known_agent_ids(request)
    body = {
        "items": [user_json(user) for user in users],
        "agent_ids": sorted(known) if known is not None else None,
    }
    return web.json_response(body, headers=NO_STORE)


async def one_user(request: web.Request) -> web.Response:
    require_role(request, Role.ADMIN)
    async with request.config_dict[SESSIONMAKER]() as db:
        user = await staff.by_id(db, user_id_of(request))
    if user is None:
        raise web.HTTPNotFound(reason="user not found")
    return web.json_response(user_json(user), headers=NO_STORE)


async def create_user(request: web.Request) -> web.Response:
    actor = require_role(request, Role.ADMIN)
    try:
        user = await changes_of(request).create_from(
            actor,
            await json_object(request),
            known=await known_agent_ids(request),
            now=request.config_dict[CLOCK](),
        )
    except UserChangeRefused as error:
        return refused(error)
    return web.json_response(user_json(user), status=201, headers=NO_STORE)


async def act_on_user(request: web.Request) -> web.Response:
    actor = require_role(request, Role.ADMIN)
    try:
        action = UserAction(request.match_info["action"])
    except ValueError:
        raise web.HTTPNotFound(reason="no such action") from None
    try:
        outcome = await changes_of(request).apply(
            actor,
            user_id_of(request),
            action,
            await json_object(request),
            known=await known_agent_ids(request),
            now=request.config_dict[CLOCK](),
        )
    except UserChangeRefused as error:
        return refused(error)
    body = {
        "user": user_json(outcome.user),
        "action": action.value,
        "changed": outcome.changed,
        "sessions_ended": outcome.sessions_ended,
    }
    return web.json_response(body, headers=NO_STORE)


def add_users_api_routes(api: web.Application) -> None:
    """Add the routes to the `/api/` sub-app (built with `api_middlewares()`)."""
    api.router.add_get("/admin/users", list_users, name="admin_api_users")
    api.router.add_post("/admin/users", create_user)
    api.router.add_get("/admin/users/{user_id}", one_user, name="admin_api_user")
    api.router.add_post(
        "/admin/users/{user_id}/{action}", act_on_user, name="admin_api_user_action"
    )
