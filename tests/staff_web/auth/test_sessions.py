"""Session and token store: hashed ids, sliding idle expiry, absolute cap, deletion."""

from __future__ import annotations

import hashlib

import pytest
import redis.asyncio as aioredis

from routing.keys import Keys
from staff_web.auth.scripts import SCRIPTS, AuthScripts
from staff_web.auth.sessions import SessionStore, digest

T0 = 1_800_000_000


@pytest.fixture
def store(redis: aioredis.Redis, keys: Keys) -> SessionStore:
    return SessionStore(redis, keys.session, idle_s=600, max_age_s=3600)


async def test_every_script_loads(redis: aioredis.Redis) -> None:
    scripts = AuthScripts.register(redis)
    for name in SCRIPTS:
        script = getattr(scripts, name)
        assert await redis.script_load(script.script) == script.sha


async def test_created_session_reads_back(store: SessionStore) -> None:
    token, created = await store.create(7, now=T0)
    assert len(token) >= 43
    found = await store.get(token, now=T0 + 1)
    assert found is not None
    assert found.user_id == 7
    assert found.csrf_token == created.csrf_token
    assert found.csrf_token != token


async def test_redis_holds_only_the_hash_of_the_token(
    store: SessionStore, redis: aioredis.Redis, keys: Keys
) -> None:
    token, _ = await store.create(7, now=T0)
    stored = [key async for key in redis.scan_iter(match=keys.pattern())]
    assert stored == [keys.session(hashlib.sha256(token.encode()).hexdigest())]
    assert token not in stored[0]
    assert token not in (await redis.hgetall(stored[0])).values()
    assert 0 < await redis.ttl(stored[0]) <= 600


async def test_unknown_or_odd_tokens_find_nothing(store: SessionStore) -> None:
    assert await store.get("nope", now=T0) is None
    assert await store.get("", now=T0) is None
    assert await store.get("x" * 1000, now=T0) is None


async def test_idle_session_expires(store: SessionStore, redis: aioredis.Redis, keys: Keys) -> None:
    token, _ = await store.create(7, now=T0)
    assert await store.get(token, now=T0 + 600) is None
    assert not await redis.exists(keys.session(digest(token)))


async def test_use_slides_the_idle_expiry(store: SessionStore) -> None:
    token, _ = await store.create(7, now=T0)
    for minute in range(1, 30):  # used every minute for half an hour: still alive
        assert await store.get(token, now=T0 + minute * 60) is not None
    found = await store.get(token, now=T0 + 29 * 60 + 599)
    assert found is not None
    assert found.expires_at == T0 + 29 * 60 + 599 + 600


async def test_sliding_stops_at_the_absolute_lifetime(store: SessionStore) -> None:
    token, _ = await store.create(7, now=T0)
    for step in range(1, 12):
        assert await store.get(token, now=T0 + step * 300) is not None
    assert await store.get(token, now=T0 + 3600) is None


async def test_deleted_session_is_gone(store: SessionStore) -> None:
    token, _ = await store.create(7, now=T0)
    await store.delete(token)
    assert await store.get(token, now=T0) is None


def test_lifetimes_are_checked(redis: aioredis.Redis, keys: Keys) -> None:
    with pytest.raises(ValueError, match="lifetimes"):
        SessionStore(redis, keys.session, idle_s=600, max_age_s=60)
