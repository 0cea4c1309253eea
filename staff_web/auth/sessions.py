"""Secret-token sessions in Redis, with a durable copy in SQL: browser sessions and API
tokens, stored only as sha256."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from queues import staff_sessions
from queues.staff_sessions import StaffSession
from staff_web.auth.scripts import AuthScripts

log = logging.getLogger(__name__)

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
    """Tokens → sessions with an idle lifetime (sliding) capped by an absolute one.

    Redis serves every read. With a `durable` sessionmaker, each session is also kept in
    SQL (`queues.staff_sessions`) and its last use written there now and then (every
    `sync_every_s`), so that a Redis that lost it (restarted empty, flushed) gets it back
    on its next use instead of signing its user out. The SQL copy never outlives the Redis
    one: its last use is at most the real one, so it ends no later.
    """

    # Expiry is decided against the `now` passed in (tests move a clock, never sleep);
    # the Redis TTL only collects what nobody reads again.

    def __init__(
        self,
        redis: aioredis.Redis,
        key: Callable[[str], str],
        *,
        idle_s: int,
        max_age_s: int,
        durable: async_sessionmaker[AsyncSession] | None = None,
        kind: str = "session",
    ) -> None:
        if idle_s <= 0 or max_age_s < idle_s:
            raise ValueError(f"session lifetimes: need 0 < idle ({idle_s}) <= max ({max_age_s})")
        self.redis = redis
        self.key = key
        self.idle_s = idle_s
        self.max_age_s = max_age_s
        self.scripts = AuthScripts.register(redis)
        self.durable = durable
        self.kind = kind
        # Often enough that a restored session has lost little of its idle time, rarely
        # enough that SQL sees one write per session in a while, not one per request.
        self.sync_every_s = max(60, idle_s // 8)

    async def create(self, user_id: int, *, now: int) -> tuple[str, StoredSession]:
        """A new session; the token is returned once and never stored (SQL first, so a
        session Redis holds always has its durable copy)."""
        token = new_token()
        session = StoredSession(
            user_id=user_id,
            csrf_token=secrets.token_urlsafe(TOKEN_BYTES),
            created_at=now,
            expires_at=now + self.idle_s,
        )
        if self.durable is not None:
            async with self.durable() as db, db.begin():
                row = StaffSession(
                    digest=digest(token),
                    kind=self.kind,
                    user_id=user_id,
                    csrf=session.csrf_token,
                    created_at=now,
                    seen_at=now,
                    ends_at=now + self.max_age_s,
                )
                await staff_sessions.add(db, row)
        await self._cache(digest(token), session, synced_at=now)
        return token, session

    async def _cache(self, hashed: str, session: StoredSession, *, synced_at: int) -> None:
        key = self.key(hashed)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(
                key,
                mapping={
                    "user_id": session.user_id,
                    "csrf": session.csrf_token,
                    "created_at": session.created_at,
                    "expires_at": session.expires_at,
                    "synced_at": synced_at,
                },
            )
            pipe.expire(key, max(1, session.expires_at - synced_at))
            await pipe.execute()

    async def get(self, token: str, *, now: int) -> StoredSession | None:
        """The live session for a token, its idle expiry moved forward; None if gone."""
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        hashed = digest(token)
        found: Any = await self.scripts.touch_session(
            keys=[self.key(hashed)], args=[now, self.idle_s, self.max_age_s]
        )
        if not found:
            return await self._restore(hashed, now=now)
        flat = [item.decode() if isinstance(item, bytes) else str(item) for item in found]
        fields = dict(zip(flat[::2], flat[1::2], strict=True))
        session = StoredSession.from_fields(fields)
        if now - int(fields.get("synced_at", 0)) >= self.sync_every_s:
            await self._sync(hashed, session, now=now)
        return session

    async def _sync(self, hashed: str, session: StoredSession, *, now: int) -> None:
        """Write the last use to the durable copy; a database outage signs nobody out."""
        if self.durable is None:
            return
        try:
            async with self.durable() as db, db.begin():
                await staff_sessions.seen(db, self.kind, hashed, now=now)
        except SQLAlchemyError as error:
            log.warning("sessions: last use not kept in SQL (%r); Redis still has it", error)
            return
        # With its expiry again: a sign-out in between leaves no key without one.
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(self.key(hashed), "synced_at", now)
            pipe.expireat(self.key(hashed), session.expires_at)
            await pipe.execute()

    async def _restore(self, hashed: str, *, now: int) -> StoredSession | None:
        """A session Redis does not have, from its durable copy, when it is still alive."""
        if self.durable is None:
            return None
        try:
            async with self.durable() as db, db.begin():
                row = await staff_sessions.find(db, self.kind, hashed)
                if row is None:
                    return None
                if now >= row.ends_at or now >= row.seen_at + self.idle_s:
                    await staff_sessions.remove(db, self.kind, hashed)
                    return None
                await staff_sessions.seen(db, self.kind, hashed, now=now)
        except SQLAlchemyError as error:
            log.warning("sessions: durable copy unreadable (%r); treated as signed out", error)
            return None
        session = StoredSession(
            user_id=row.user_id,
            csrf_token=row.csrf,
            created_at=row.created_at,
            expires_at=min(now + self.idle_s, row.ends_at),
        )
        await self._cache(hashed, session, synced_at=now)
        log.info("sessions: user %d's %s restored from SQL", row.user_id, self.kind)
        return session

    async def delete(self, token: str) -> None:
        """End a session: SQL first, so that a failure leaves nothing to come back."""
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return
        hashed = digest(token)
        if self.durable is not None:
            async with self.durable() as db, db.begin():
                await staff_sessions.remove(db, self.kind, hashed)
        await self.redis.delete(self.key(hashed))
