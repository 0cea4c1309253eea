"""The sign-in services an app shares (hasher, stores, limiter, sign-out hook) and their policy."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from routing.keys import Keys
from staff_web.auth.identity import CurrentUser
from staff_web.auth.passwords import Passwords
from staff_web.auth.rate_limit import LoginLimiter, LoginLimits
from staff_web.auth.sessions import SessionStore

SignOutHook = Callable[[CurrentUser], Awaitable[None]]


async def no_sign_out_hook(_user: CurrentUser) -> None:
    return None


@dataclass(frozen=True)
class AuthPolicy:
    """Lifetimes, limits and cookie names; `secure_cookies` follows an https public URL."""

    secure_cookies: bool = False
    session_idle_s: int = 8 * 3600
    session_max_age_s: int = 24 * 3600
    api_token_ttl_s: int = 12 * 3600
    limits: LoginLimits = field(default_factory=LoginLimits)
    session_cookie: str = "hotline_session"
    login_csrf_cookie: str = "hotline_login_csrf"
    language_cookie: str = "hotline_lang"
    landing_path: str = "/"

    @classmethod
    def for_public_url(cls, public_url: str) -> AuthPolicy:
        return cls(secure_cookies=public_url.startswith("https://"))


@dataclass(frozen=True)
class AuthServices:
    """Everything the auth middlewares and handlers share, built once per app."""

    policy: AuthPolicy
    passwords: Passwords
    sessions: SessionStore
    api_tokens: SessionStore
    limiter: LoginLimiter
    on_sign_out: SignOutHook

    @classmethod
    def create(
        cls,
        redis: aioredis.Redis,
        keys: Keys,
        policy: AuthPolicy,
        *,
        passwords: Passwords | None = None,
        on_sign_out: SignOutHook | None = None,
        durable: async_sessionmaker[AsyncSession] | None = None,
    ) -> AuthServices:
        """`durable`: the database that keeps a copy of each session (`SessionStore`)."""
        return cls(
            policy=policy,
            passwords=passwords or Passwords(),
            sessions=SessionStore(
                redis,
                keys.session,
                idle_s=policy.session_idle_s,
                max_age_s=policy.session_max_age_s,
                durable=durable,
                kind="session",
            ),
            api_tokens=SessionStore(
                redis,
                keys.api_token,
                idle_s=policy.api_token_ttl_s,
                max_age_s=policy.api_token_ttl_s,
                durable=durable,
                kind="api_token",
            ),
            limiter=LoginLimiter(redis, keys, policy.limits),
            on_sign_out=on_sign_out or no_sign_out_hook,
        )
