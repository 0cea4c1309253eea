"""Secret-token sessions in Redis: browser sessions and API tokens, stored only as sha256."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis

from staff_web.auth.scripts import AuthScripts

TOKEN_BYTES = 32
# token_urlsafe(32) is 43 characters; anything much longer is not ours and not worth hashing.
MAX_TOKEN_LENGTH = 64


def digest(token: str) -> str:
    """The Redis key part for a token: a dump of Redis does not reveal live tokens."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


@dataclass(frozen=True, slots=True)
class StoredSession:
    """What a session token stands for: the user, its CSRF token and its lifetime (epoch s)."""

    user_id: int
    csrf_token: str
    created_at: int
    expires_at: int

    @classmethod
    def from_fields(cls, fields: dict[str, str]) -> StoredSession:
        return cls(
            user_id=int(fields["user_id"]),
            csrf_token=fields["csrf"],
            created_at=int(fields["created_at"]),
            expires_at=int(fields["expires_at"]),
        )


class SessionStore:
    """Tokens → sessions with an idle lifetime (sliding) capped by an absolute one."""

    # Expiry is decided against the `now` passed in (tests move a clock, never sleep);
    # the Redis TTL only collects what nobody reads again.

    def __init__(
        self,
        redis: aioredis.Redis,
        key: Callable[[str], str],
        *,
        idle_s: int,
        max_age_s: int,
    ) -> None:
        if idle_s <= 0 or max_age_s < idle_s:
            raise ValueError(f"session lifetimes: need 0 < idle ({idle_s}) <= max ({max_age_s})")
        self.redis = redis
        self.key = key
        self.idle_s = idle_s
        self.max_age_s = max_age_s
        self.scripts = AuthScripts.register(redis)

    async def create(self, user_id: int, *, now: int) -> tuple[str, StoredSession]:
        """A new session; the token is returned once and never stored."""
        token = new_token()
        session = StoredSession(
            user_id=user_id,
            csrf_token=secrets.token_urlsafe(TOKEN_BYTES),
            created_at=now,
            expires_at=now + self.idle_s,
        )
        key = self.key(digest(token))
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(
                key,
                mapping={
                    "user_id": session.user_id,
                    "csrf": session.csrf_token,
                    "created_at": session.created_at,
                    "expires_at": session.expires_at,
                },
            )
            pipe.expire(key, self.idle_s)
            await pipe.execute()
        return token, session

    async def get(self, token: str, *, now: int) -> StoredSession | None:
        """The live session for a token, its idle expiry moved forward; None if gone."""
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        found: Any = await self.scripts.touch_session(
            keys=[self.key(digest(token))], args=[now, self.idle_s, self.max_age_s]
        )
        if not found:
            return None
        flat = [item.decode() if isinstance(item, bytes) else str(item) for item in found]
        return StoredSession.from_fields(dict(zip(flat[::2], flat[1::2], strict=True)))

    async def delete(self, token: str) -> None:
        if token and len(token) <= MAX_TOKEN_LENGTH:
            await self.redis.delete(self.key(digest(token)))
