"""The admin config API's requests and refusals: the admin-only guard, JSON bodies read
field by field, and the error body `{"error": {"code", "message", "fields"}}`."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import wraps
from typing import Any

from aiohttp import web

from hotline.appkeys import CLOCK
from ivr.menus import drafting
from ivr.menus.yaml_lines import LocatedProblem
from queues.staff import Role
from staff_web.auth.identity import CurrentUser, current_user

NO_STORE = {"Cache-Control": "no-store"}
MAX_TEXT = 1_000_000  # characters of YAML: far beyond any real config
MAX_TITLE = 200
MAX_COMMENT = 500
AdminHandler = Callable[[web.Request, CurrentUser], Awaitable[web.StreamResponse]]


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, fields: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.lines: dict[str, int] = {}

    def response(self) -> web.Response:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        error["fields"] = self.fields
        if self.lines:
            error["lines"] = self.lines
        headers = {"WWW-Authenticate": 'Bearer realm="hotline"'} if self.status == 401 else {}
        return web.json_response({"error": error}, status=self.status, headers=headers)


def invalid(problems: list[LocatedProblem]) -> ApiError:
    error = ApiError(422, "invalid_config", f"the config has {len(problems)} problem(s)")
    for problem in problems:
        path = problem.path or "(config)"
        if path in error.fields:
            error.fields[path] += "; " + problem.reason
        else:
            error.fields[path] = problem.reason
        if problem.line is not None:
            error.lines.setdefault(path, problem.line)
    return error


def admin_only(handler: AdminHandler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """401 without a sign-in, 403 below the admin role; domain errors as the API's shape."""

    @wraps(handler)
    async def guarded(request: web.Request) -> web.StreamResponse:
        try:
            user = current_user(request)
            if user is None:
                raise ApiError(401, "unauthenticated", "sign in first")
            if not user.role.covers(Role.ADMIN):
                raise ApiError(403, "forbidden", "needs the admin role")
            return await handler(request, user)
        except ApiError as error:
            return error.response()
        except (drafting.DraftNotFound, drafting.VersionNotFound) as error:
            return ApiError(404, "not_found", str(error)).response()
        except drafting.DraftFrozen as error:
            return ApiError(409, "draft_published", str(error)).response()
        except drafting.NeverPublished as error:
            return ApiError(409, "never_published", str(error)).response()
        except drafting.DraftInvalid as error:
            return invalid(error.problems).response()

    return guarded


async def json_body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise _bad("body", "not valid JSON") from None
    if not isinstance(body, dict):
        raise _bad("body", "expected a JSON object")
    return body


def required_string(body: dict[str, Any], name: str, *, limit: int, blank: bool = False) -> str:
    value = string_field(body, name, limit=limit, blank=blank)
    if value is None:
        raise _bad(name, "required")
    return value


def string_field(body: dict[str, Any], name: str, *, limit: int, blank: bool = False) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _bad(name, "must be a string")
    if not blank and not value.strip():
        raise _bad(name, "must not be empty")
    if len(value) > limit:
        raise _bad(name, f"at most {limit} characters")
    return value


def int_field(body: dict[str, Any], name: str, *, low: int, high: int | None = None) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(name, "must be a whole number")
    if value < low or (high is not None and value > high):
        raise _bad(name, f"must be {low}-{high}" if high is not None else f"must be at least {low}")
    return value


def _bad(name: str, reason: str) -> ApiError:
    return ApiError(400, "bad_request", f"{name}: {reason}", {name: reason})


def path_id(request: web.Request, name: str) -> int:
    return int(request.match_info[name])  # the route allows digits only


def now(request: web.Request) -> datetime:
    return request.config_dict[CLOCK]()


def when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
