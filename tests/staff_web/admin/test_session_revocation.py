"""A change that ends an account's sessions ends them on every server at once, even where
a Redis copy of the session survives (a restore racing the change)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import aiohttp
import redis.asyncio as aioredis
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.appkeys import AUTH
from hotline.settings import Settings
from routing.keys import Keys
from staff_web.auth.passwords import Passwords
from staff_web.auth.sessions import digest
from tests.app_fixtures import FakeClock
from tests.staff_web.admin.conftest import Desk, build_admin_app
from tests.staff_web.softphone.conftest import sign_in


async def test_a_reset_on_one_server_ends_the_session_on_another(
    admin: Desk,
    users: dict[str, int],
    settings: Settings,
    redis: aioredis.Redis,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    passwords: Passwords,
    keys: Keys,
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
) -> None:
    other = build_admin_app(settings, redis, sessionmaker, clock, passwords, keys)
    server_b = await aiohttp_client(other, cookie_jar=aiohttp.DummyCookieJar())
    agent = await sign_in(server_b, "a1003")
    assert (await agent.get("/api/me")).status == 200
    key = other[AUTH].sessions.key(digest(agent.cookies["hotline_session"]))
    kept: dict[Any, Any] = await redis.hgetall(key)
    assert kept
    url = f"/api/admin/users/{users['a1003']}/reset_password"
    status, _body = await admin.call("POST", url, {"password": "a-brand-new-kettle"})
    assert status == 200
    assert not await redis.exists(key)
    assert (await agent.get("/api/me")).status == 401
    # A restore that read the durable row before the change commits, and writes the Redis
    # copy back after it: the user row's stamp still refuses the session.
    await redis.hset(key, mapping=kept)
    await redis.expire(key, 3600)
    assert (await agent.get("/api/me")).status == 401
    assert (await agent.get("/softphone/")).status == 303
    assert not await redis.exists(key)  # refused, and deleted on the way


async def test_a_session_begun_after_the_change_works(
    admin: Desk, users: dict[str, int], client: TestClient[Any, Any], clock: FakeClock
) -> None:
    """The stamp ends what began up to the change's second, not what the user does next."""
    url = f"/api/admin/users/{users['a1003']}/change_role"
    assert (await admin.call("POST", url, {"role": "supervisor"}))[0] == 200
    clock.now += timedelta(seconds=1)
    leader = await sign_in(client, "a1003")
    assert (await leader.get("/desk/calls")).status == 200
