"""The sign-in services' lifetime in an app, and what a request reads from the app."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from aiohttp import web

from hotline.appkeys import AUTH, CLOCK, KEYS, REDIS, SESSIONMAKER, SETTINGS
from staff_web.auth.passwords import Passwords
from staff_web.auth.services import AuthPolicy, AuthServices, SignOutHook

CleanupContext = Callable[[web.Application], AsyncIterator[None]]


def auth_context(
    *,
    on_sign_out: SignOutHook | None = None,
    policy: AuthPolicy | None = None,
    passwords: Passwords | None = None,
) -> CleanupContext:
    """A cleanup_ctx that builds `app[AUTH]` once Redis is up (kept if already injected)."""

    async def auth_ctx(app: web.Application) -> AsyncIterator[None]:
        if AUTH not in app:
            app[AUTH] = AuthServices.create(
                app[REDIS],
                app[KEYS],
                policy or AuthPolicy.for_public_url(app[SETTINGS].public_url),
                passwords=passwords,
                on_sign_out=on_sign_out,
                durable=app[SESSIONMAKER],
            )
        yield

    return auth_ctx


def auth_of(request: web.Request) -> AuthServices:
    return request.config_dict[AUTH]


def epoch_now(request: web.Request) -> int:
    """The app's (injectable) clock in whole epoch seconds, as the Redis scripts take it."""
    return int(request.config_dict[CLOCK]().timestamp())


def client_address(request: web.Request) -> str:
    """The peer address; behind a proxy, configure aiohttp's forwarded handling to trust it."""
    return request.remote or "unknown"
