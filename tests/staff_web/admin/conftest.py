"""The whole app (demo config: agents a1001-a1008) with the test accounts, signed-in
browsers, and readers of the accounts and audit entries as the database holds them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.app import create_app
from hotline.appkeys import AUTH
from hotline.settings import Settings
from queues import staff
from queues.audit import AuditEntry
from queues.staff import User
from routing.keys import Keys
from staff_web.auth.passwords import Passwords
from staff_web.auth.services import AuthPolicy, AuthServices
from tests.app_fixtures import FakeClock
from tests.staff_web.auth.conftest import SignOuts, add_accounts, sign_outs
from tests.staff_web.softphone.conftest import ACCOUNTS, Desk, sign_in

__all__ = ["Desk", "sign_outs"]

#: Passwords the policy accepts: for an agent (10+) and for an admin (14+).
AGENT_PASSWORD = "kettle-on-the-hob"
ADMIN_PASSWORD = "kettle-on-the-hob-at-dawn"


@pytest.fixture
async def app(
    settings: Settings,
    redis: aioredis.Redis,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    passwords: Passwords,
    keys: Keys,
    sign_outs: SignOuts,
) -> web.Application:
    return build_admin_app(settings, redis, sessionmaker, clock, passwords, keys, sign_outs)


def build_admin_app(
    settings: Settings,
    redis: aioredis.Redis,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    passwords: Passwords,
    keys: Keys,
    sign_outs: SignOuts | None = None,
) -> web.Application:
    """As create_app builds it (sessions kept in SQL too), with cheap password hashing and
    the sign-out hook recording whom it freed."""
    app = create_app(settings, redis=redis, sessionmaker=sessionmaker, clock=clock)
    policy = AuthPolicy.for_public_url(settings.public_url)
    app[AUTH] = AuthServices.create(
        redis, keys, policy, passwords=passwords, durable=sessionmaker, on_sign_out=sign_outs
    )
    return app


@pytest.fixture
async def users(
    sessionmaker: async_sessionmaker[AsyncSession], passwords: Passwords
) -> dict[str, int]:
    """admin, leader, a1001, a1005, a1003, a9999 (agent not in the config): name → id."""
    return await add_accounts(sessionmaker, passwords, ACCOUNTS)


@pytest.fixture
async def client(
    app: web.Application,
    users: dict[str, int],
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
) -> TestClient[Any, Any]:
    return await aiohttp_client(app, cookie_jar=aiohttp.DummyCookieJar())


Signed = Callable[[str], Awaitable[Desk]]


@pytest.fixture
def signed(client: TestClient[Any, Any]) -> Signed:
    async def make(username: str) -> Desk:
        return await sign_in(client, username)

    return make


@pytest.fixture
async def admin(signed: Signed) -> Desk:
    return await signed("admin")


class Records:
    """What the database holds now, read in a fresh session each time."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    async def user(self, username: str) -> User:
        async with self.sessionmaker() as db:
            found = await staff.by_username(db, username)
        assert found is not None, username
        return found

    async def maybe_user(self, username: str) -> User | None:
        async with self.sessionmaker() as db:
            return await staff.by_username(db, username)

    async def audit(self, object_id: str | None = None) -> list[AuditEntry]:
        query = select(AuditEntry).order_by(AuditEntry.id)
        if object_id is not None:
            query = query.where(AuditEntry.object_id == object_id)
        async with self.sessionmaker() as db:
            return list((await db.execute(query)).scalars())


@pytest.fixture
def records(sessionmaker: async_sessionmaker[AsyncSession]) -> Records:
    return Records(sessionmaker)
