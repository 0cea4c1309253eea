"""Auth middlewares: resolve the user from cookie or bearer token; errors as JSON or redirects."""

from __future__ import annotations

import logging
import re
from html import escape

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from yarl import URL

from hotline.appkeys import AUTH_PAGES, SESSIONMAKER
from queues import staff
from queues.db import database_unavailable
from staff_web.auth.context import auth_of, epoch_now
from staff_web.auth.csrf import csrf_protect
from staff_web.auth.identity import CURRENT_USER, Credential, CurrentUser
from staff_web.auth.sessions import SessionStore

log = logging.getLogger(__name__)

BEARER = "bearer "
# A path parameter ends up in log lines and error reasons (HTTP headers): no CR, LF or NUL.
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header[: len(BEARER)].lower() == BEARER:
        return header[len(BEARER) :].strip() or None
    return None


async def resolve_user(request: web.Request, *, accept_bearer: bool) -> CurrentUser | None:
    """The active user behind the request's bearer token (if accepted) or session cookie."""
    auth = auth_of(request)
    store: SessionStore
    token = bearer_token(request) if accept_bearer else None
    if token is not None:
        store, credential = auth.api_tokens, Credential.BEARER
    else:
        token = request.cookies.get(auth.policy.session_cookie)
        store, credential = auth.sessions, Credential.COOKIE
    if not token:
        return None
    session = await store.get(token, now=epoch_now(request))
    if session is None:
        return None
    try:
        async with request.config_dict[SESSIONMAKER]() as db:
            user = await staff.by_id(db, session.user_id)
    except Exception as error:
        # The database is away, the session (in Redis) is not: a user this process has seen
        # active keeps working, so an agent on a call can still save (queued) and see it.
        user = auth.seen_users.get(session.user_id)
        if user is None or not database_unavailable(error):
            raise
    else:
        if user is not None:
            auth.seen_users[user.id] = user
    if user is None or not user.active or ended(session.created_at, user.sessions_since):
        await store.delete(token)  # switched off or ended since: the session ends now
        return None
    return CurrentUser.of(user, credential, token, session.csrf_token)


def ended(created_at: int, sessions_since: int | None) -> bool:
    """A session begun before its user's sessions were ended (password, role, state)."""
    return sessions_since is not None and created_at < sessions_since


def authenticate(*, accept_bearer: bool) -> Middleware:
    """A middleware that puts the signed-in user (if any) under `CURRENT_USER`."""

    @web.middleware
    async def authenticated(request: web.Request, handler: Handler) -> web.StreamResponse:
        user = await resolve_user(request, accept_bearer=accept_bearer)
        if user is not None:
            request[CURRENT_USER] = user
        return await handler(request)

    return authenticated


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """API errors as `{"error": reason}` with the status (and headers such as Retry-After)."""
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        headers = {k: v for k, v in error.headers.items() if k.lower() == "retry-after"}
        if error.status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="hotline"'
        return web.json_response({"error": error.reason}, status=error.status, headers=headers)
    except Exception:
        log.exception("api: %s %s failed", request.method, request.path)
        return web.json_response({"error": "internal error"}, status=500)


@web.middleware
async def clean_path_params(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A control character in a path parameter (`%0D%0A`) is the client's error: 400."""
    for name, value in request.match_info.items():
        if CONTROL.search(value):
            raise web.HTTPBadRequest(reason=f"{name}: control characters are not allowed")
    return await handler(request)


def login_url(request: web.Request, next_path: str | None = None) -> URL:
    """The login page (from the auth pages sub-app's named route), returning to `next_path`."""
    url = request.config_dict[AUTH_PAGES].router["login"].url_for()
    return url.with_query(next=next_path) if next_path else url


@web.middleware
async def page_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Pages: nobody signed in → the login page (then back here); 403 → a short HTML page."""
    try:
        return await handler(request)
    except web.HTTPUnauthorized:
        back = request.path_qs if request.method == "GET" else None
        raise web.HTTPSeeOther(login_url(request, back)) from None
    except web.HTTPForbidden as error:
        body = (
            '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>403</title>'
            f"<h1>无权访问 · Forbidden</h1><p>{escape(error.reason)}</p></html>"
        )
        return web.Response(status=403, text=body, content_type="text/html")


def api_middlewares() -> list[Middleware]:
    """For the `/api/` sub-app: JSON errors outside, then who is asking, then CSRF."""
    return [json_errors, clean_path_params, authenticate(accept_bearer=True), csrf_protect]


def page_middlewares() -> list[Middleware]:
    """For every page sub-app: login redirects outside, then the cookie session, then CSRF."""
    return [page_errors, clean_path_params, authenticate(accept_bearer=False), csrf_protect]
