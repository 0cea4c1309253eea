"""API sign-in: POST/DELETE /api/auth/token (bearer tokens) and GET /api/me."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from hotline.appkeys import SESSIONMAKER
from staff_web.auth.context import auth_of, client_address, epoch_now
from staff_web.auth.identity import Credential, CurrentUser, signed_in
from staff_web.auth.middleware import api_middlewares
from staff_web.auth.rate_limit import TooManyAttempts
from staff_web.auth.signin import SignInFailed, check_credentials

NO_STORE = {"Cache-Control": "no-store"}


@dataclass(frozen=True, slots=True)
class TokenRequest:
    """The body of POST /api/auth/token."""

    username: str
    password: str

    @classmethod
    def parse(cls, body: Any) -> TokenRequest:
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(reason="body: expected a JSON object")
        fields: dict[str, str] = {}
        for name in ("username", "password"):
            value = body.get(name)
            if not isinstance(value, str) or not value.strip():
                raise web.HTTPBadRequest(reason=f"{name}: required, a non-empty string")
            fields[name] = value
        return cls(username=fields["username"].strip(), password=fields["password"])


async def issue_token(request: web.Request) -> web.Response:
    """Username and password in, a bearer token out (rate limited like the login page)."""
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise web.HTTPBadRequest(reason="body: not valid JSON") from None
    asked = TokenRequest.parse(body)
    auth = auth_of(request)
    now = epoch_now(request)
    try:
        user = await check_credentials(
            auth,
            request.config_dict[SESSIONMAKER],
            username=asked.username,
            password=asked.password,
            address=client_address(request),
            now=now,
        )
    except TooManyAttempts as refused:
        raise web.HTTPTooManyRequests(
            reason="too many sign-in attempts",
            headers={"Retry-After": str(refused.retry_after)},
        ) from None
    except SignInFailed:
        raise web.HTTPUnauthorized(reason="wrong username or password") from None
    token, session = await auth.api_tokens.create(user.id, now=now)
    me = CurrentUser.of(user, Credential.BEARER, token, session.csrf_token)
    answer = {
        "token": token,
        "token_type": "Bearer",
        "expires_in": session.expires_at - now,
        "user": me.public(),
    }
    return web.json_response(answer, status=201, headers=NO_STORE)


async def revoke_token(request: web.Request) -> web.Response:
    """Sign the calling bearer token out (cookie sessions sign out on the logout page)."""
    user = signed_in(request)
    if user.credential is not Credential.BEARER:
        raise web.HTTPBadRequest(reason="Authorization: send the bearer token to revoke")
    await auth_of(request).api_tokens.delete(user.token)
    return web.Response(status=204)


async def me(request: web.Request) -> web.Response:
    """Who is signed in; a cookie session also learns its CSRF token for X-CSRF-Token."""
    return web.json_response(signed_in(request).public(), headers=NO_STORE)


def add_auth_api_routes(app: web.Application) -> None:
    """Add the sign-in routes to an `/api/` sub-app built with `api_middlewares()`."""
    app.router.add_post("/auth/token", issue_token, name="auth_token")
    app.router.add_delete("/auth/token", revoke_token)
    app.router.add_get("/me", me, name="me")


def create_api_app() -> web.Application:
    """The `/api/` sub-app: JSON errors, cookie or bearer sign-in, CSRF; other routes join it."""
    app = web.Application(middlewares=api_middlewares())
    add_auth_api_routes(app)
    return app
