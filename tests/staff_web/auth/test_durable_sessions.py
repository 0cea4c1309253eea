"""Sessions kept in SQL too: a Redis that lost them (flushed, restarted empty) signs nobody
out, while an ended, signed-out or idle session stays ended."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import redis.asyncio as aioredis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from queues import staff
from queues.staff import Role
from queues.staff_sessions import StaffSession
from routing.keys import Keys
from staff_web.auth.sessions import SessionStore, digest

T0 = 1_800_000_000
IDLE_S = 8 * 3600
MAX_S = 24 * 3600


@pytest.fixture
async def user_id(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session, session.begin():
        user = await staff.add_user(
            session,
            username="a1005",
            display_name="A1005",
            role=Role.AGENT,
            agent_id="a1005",
            password_hash="x",
            now=datetime.now(UTC),
        )
        return user.id


@pytest.fixture
def store(
    redis: aioredis.Redis, keys: Keys, sessionmaker: async_sessionmaker[AsyncSession]
) -> SessionStore:
    return SessionStore(redis, keys.session, idle_s=IDLE_S, max_age_s=MAX_S, durable=sessionmaker)


async def forget_everything(redis: aioredis.Redis, keys: Keys) -> None:
    """What an empty restart of Redis leaves: none of our keys."""
    async for key in redis.scan_iter(match=keys.pattern()):
        await redis.delete(key)


async def test_a_session_redis_lost_comes_back_from_sql(
    store: SessionStore, redis: aioredis.Redis, keys: Keys, user_id: int
) -> None:
    token, created = await store.create(user_id, now=T0)
    await forget_everything(redis, keys)
    found = await store.get(token, now=T0 + 60)
    assert found is not None
    assert (found.user_id, found.csrf_token, found.created_at) == (
        user_id,
        created.csrf_token,
        T0,
    )
    assert await redis.exists(keys.session(digest(token)))  # Redis holds it again
    again = await store.get(token, now=T0 + 120)
    assert again is not None
    assert (again.user_id, again.csrf_token) == (user_id, created.csrf_token)


async def test_a_signed_out_session_does_not_come_back(
    store: SessionStore, redis: aioredis.Redis, keys: Keys, user_id: int
) -> None:
    token, _ = await store.create(user_id, now=T0)
    await store.delete(token)
    await forget_everything(redis, keys)
    assert await store.get(token, now=T0 + 60) is None


async def test_an_idle_or_ended_session_does_not_come_back(
    store: SessionStore,
    redis: aioredis.Redis,
    keys: Keys,
    user_id: int,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    idle, _ = await store.create(user_id, now=T0)
    await forget_everything(redis, keys)
    assert await store.get(idle, now=T0 + IDLE_S) is None
    # In use all day (its last use written to SQL now and then), it still ends at its
    # absolute lifetime.
    busy, _ = await store.create(user_id, now=T0)
    for hour in range(1, 24):
        assert await store.get(busy, now=T0 + hour * 3600) is not None
    await forget_everything(redis, keys)
    assert await store.get(busy, now=T0 + 23 * 3600 + 60) is not None
    await forget_everything(redis, keys)
    assert await store.get(busy, now=T0 + MAX_S) is None
    async with sessionmaker() as session:
        assert (await session.scalars(select(StaffSession))).all() == []  # both dropped


async def test_last_use_reaches_sql_now_and_then_not_at_every_request(
    store: SessionStore, user_id: int, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    token, _ = await store.create(user_id, now=T0)

    async def seen_at() -> int:
        async with sessionmaker() as session:
            row = await session.get(StaffSession, digest(token))
            assert row is not None
            return row.seen_at

    await store.get(token, now=T0 + store.sync_every_s - 1)
    assert await seen_at() == T0
    await store.get(token, now=T0 + store.sync_every_s)
    assert await seen_at() == T0 + store.sync_every_s
