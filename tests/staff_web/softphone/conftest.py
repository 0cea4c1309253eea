"""The whole app with the softphone wired in, signed-in browsers, and a desk socket helper."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.app import create_app
from hotline.appkeys import AUTH
from hotline.settings import Settings
from queues.staff import Role
from routing.keys import Keys
from staff_web.auth.passwords import Passwords
from staff_web.auth.services import AuthPolicy, AuthServices
from tests.app_fixtures import PUBLIC_URL, FakeClock
from tests.staff_web.auth.conftest import PASSWORD, Browser, add_accounts

__all__ = ["PASSWORD", "Browser"]

ACCOUNTS = [
    ("admin", Role.ADMIN, None),
    ("leader", Role.SUPERVISOR, None),
    ("a1001", Role.AGENT, "a1001"),  # VIP grade 4
    ("a1005", Role.AGENT, "a1005"),  # fault grade 4 in the demo config
    ("a1003", Role.AGENT, "a1003"),
    ("a9999", Role.AGENT, "a9999"),  # an account whose agent is not in the config
]


def build_app(
    settings: Settings,
    redis: aioredis.Redis,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    passwords: Passwords,
    keys: Keys,
) -> web.Application:
    app = create_app(settings, redis=redis, sessionmaker=sessionmaker, clock=clock)
    policy = AuthPolicy.for_public_url(settings.public_url)
    app[AUTH] = AuthServices.create(redis, keys, policy, passwords=passwords)
    return app


@pytest.fixture
async def app(
    settings: Settings,
    redis: aioredis.Redis,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    passwords: Passwords,
    keys: Keys,
) -> web.Application:
    return build_app(settings, redis, sessionmaker, clock, passwords, keys)


@pytest.fixture
async def client(
    app: web.Application,
    users: dict[str, int],
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
) -> TestClient[Any, Any]:
    return await aiohttp_client(app, cookie_jar=aiohttp.DummyCookieJar())


@pytest.fixture
async def users(
    sessionmaker: async_sessionmaker[AsyncSession], passwords: Passwords
) -> dict[str, int]:
    return await add_accounts(sessionmaker, passwords, ACCOUNTS)


class Desk(Browser):
    """A signed-in browser with its CSRF token, speaking JSON to the agent API."""

    token: str = ""

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        headers = {"X-CSRF-Token": self.token} if method != "GET" else {}
        kwargs: dict[str, Any] = {} if body is None else {"json": body}
        response = await self.request(method, path, headers=headers, **kwargs)
        return response.status, await response.json()

    async def socket(self, path: str = "/softphone/ws") -> DeskSocket:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        ws = await self.client.ws_connect(path, headers={"Cookie": cookie, "Origin": PUBLIC_URL})
        return DeskSocket(ws)


class DeskSocket:
    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws

    async def next(self, kind: str | None = None, within_s: float = 5.0) -> dict[str, Any]:
        """The next message (of `kind`), skipping others; fails after `within_s` seconds."""
        async with asyncio.timeout(within_s):
            while True:
                message = await self.ws.receive()
                assert message.type == aiohttp.WSMsgType.TEXT, message
                data: dict[str, Any] = json.loads(message.data)
                if kind is None or data["type"] == kind:
                    return data

    async def state_until(self, wanted: str, within_s: float = 5.0) -> dict[str, Any]:
        async with asyncio.timeout(within_s):
            while True:
                data = await self.next("state", within_s)
                if data["state"]["state"] == wanted:
                    state: dict[str, Any] = data["state"]
                    return state

    async def close(self) -> None:
        await self.ws.close()


async def sign_in(client: TestClient[Any, Any], username: str) -> Desk:
    desk = Desk(client)
    response = await desk.sign_in(username)
    assert response.status == 303, await response.text()
    desk.token = await desk.csrf_token()
    return desk


SignIn = Callable[[str], Awaitable[Desk]]


@pytest.fixture
def signed(client: TestClient[Any, Any]) -> SignIn:
    async def make(username: str) -> Desk:
        return await sign_in(client, username)

    return make
