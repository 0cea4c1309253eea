"""Who is asking: the signed-in user a request carries, and the role and owner checks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import wraps
from typing import Any

from aiohttp import web

from queues.staff import Role, User

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Credential(StrEnum):
    COOKIE = "cookie"
    BEARER = "bearer"


@dataclass(frozen=True, slots=True)
class CurrentUser:
    """The signed-in user of one request, as read from SQL when the request arrived."""

    id: int
    username: str
    display_name: str
    role: Role
    agent_id: str | None
    credential: Credential
    token: str = field(repr=False)
    csrf_token: str = field(repr=False)

    @classmethod
    def of(cls, user: User, credential: Credential, token: str, csrf_token: str) -> CurrentUser:
        return cls(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            role=user.role,
            agent_id=user.agent_id,
            credential=credential,
            token=token,
            csrf_token=csrf_token,
        )

    def public(self) -> dict[str, Any]:
        """The user as `/api/me` shows it (the CSRF token only to a cookie session)."""
        shown: dict[str, Any] = {
            "id": self.id,
            "username": self.username,
            "display_name": self.display_name,
            "role": self.role.value,
            "agent_id": self.agent_id,
            "credential": self.credential.value,
        }
        if self.credential is Credential.COOKIE:
            shown["csrf_token"] = self.csrf_token
        return shown


CURRENT_USER = web.RequestKey("current_user", CurrentUser)


def current_user(request: web.Request) -> CurrentUser | None:
    user: CurrentUser | None = request.get(CURRENT_USER)  # Request.get is untyped for keys
    return user


def signed_in(request: web.Request) -> CurrentUser:
    """The request's user; 401 (a redirect to the login page on pages) when there is none."""
    user = current_user(request)
    if user is None:
        raise web.HTTPUnauthorized(reason="sign in first")
    return user


def require_role(request: web.Request, *roles: Role) -> CurrentUser:
    """The request's user if its role covers one of `roles` (any user when none given)."""
    user = signed_in(request)
    if roles and not any(user.role.covers(role) for role in roles):
        needed = " or ".join(role.value for role in roles)
        raise web.HTTPForbidden(reason=f"needs the {needed} role")
    return user


def require(*roles: Role) -> Callable[[Handler], Handler]:
    """Decorate a handler: 401 when nobody is signed in, 403 when the role falls short."""

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            require_role(request, *roles)
            return await handler(request)

        return guarded

    return decorate


def ensure_owner(user: CurrentUser, agent_id: str | None) -> None:
    """An agent may act only on its own calls and work orders; supervisors on any."""
    if user.role.covers(Role.SUPERVISOR):
        return
    if user.agent_id is None or agent_id != user.agent_id:
        raise web.HTTPForbidden(reason="not your call or work order")
