"""The whole app with the test accounts and one work order, and a browser that tries a
route of `route_table` as one of the roles."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import aiohttp
import pytest
import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from yarl import URL

from hotline.settings import CarrierKind, Settings
from queues.work_orders.categories import Category
from queues.work_orders.deadlines import Area
from queues.work_orders.intake import NewWorkOrder, create_order
from routing.keys import Keys
from staff_web.auth.passwords import Passwords
from tests.app_fixtures import PUBLIC_URL, FakeClock
from tests.staff_web.access.route_table import USERNAMES, Rule, Who
from tests.staff_web.auth.conftest import Browser, add_accounts
from tests.staff_web.softphone.conftest import ACCOUNTS, build_app, sign_in


@dataclass(frozen=True)
class Outcome:
    status: int
    location: str = ""
    body: str = ""
    headers: Any = None

    @property
    def to_sign_in(self) -> bool:
        return self.status in (302, 303) and URL(self.location).path == "/auth/login"


class Visitor:
    """One role's browser: its cookies and, when signed in, the session's CSRF token."""

    def __init__(self, browser: Browser, who: Who, csrf: str = "") -> None:
        self.browser, self.who, self.csrf = browser, who, csrf

    async def send(self, method: str, url: str, rule: Rule, *, csrf: str | None = None) -> Outcome:
        """The sample request; `csrf` overrides the session's token ("" sends none)."""
        token = self.csrf if csrf is None else csrf
        headers = {"X-CSRF-Token": token} if token and method != "GET" else {}
        kwargs: dict[str, Any] = {"params": dict(rule.query)}
        if rule.json is not None:
            kwargs["json"] = rule.json
        form = dict(rule.form) if rule.form is not None else None
        if rule.login_form and self.who is Who.ANONYMOUS:
            form = {**(form or {}), "csrf_token": await self.browser.login_form()}
        if form is not None:
            kwargs["data"] = form
        if rule.socket:
            return await self.open_socket(url, rule)
        response = await self.browser.request(method, url, headers=headers, **kwargs)
        return Outcome(
            response.status,
            response.headers.get("Location", ""),
            await response.text(),
            response.headers,
        )

    async def open_socket(self, url: str, rule: Rule) -> Outcome:
        """101 when the socket opened (and is closed again), else the handshake's status."""
        headers = {"Origin": PUBLIC_URL}
        if self.browser.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.browser.cookies.items())
        try:
            ws = await self.browser.client.ws_connect(
                URL(url).with_query(dict(rule.query)), headers=headers
            )
        except aiohttp.WSServerHandshakeError as refused:
            return Outcome(refused.status)
        await ws.close()
        return Outcome(101)


async def visitor(client: TestClient[Any, Any], who: Who) -> Visitor:
    if who is Who.ANONYMOUS:
        return Visitor(Browser(client), who)
    desk = await sign_in(client, USERNAMES[who])
    return Visitor(desk, who, desk.token)


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
    sessionmaker: async_sessionmaker[AsyncSession],
    passwords: Passwords,
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
) -> TestClient[Any, Any]:
    await add_accounts(sessionmaker, passwords, ACCOUNTS)
    return await aiohttp_client(app, cookie_jar=aiohttp.DummyCookieJar())


def twilio_mode(settings: Settings) -> Settings:
    """The production column: Twilio carries the calls, its Voice SDK rings the agents."""
    return replace(
        settings,
        carrier=CarrierKind.TWILIO,
        twilio_api_key_sid="SK" + "2" * 32,
        twilio_api_key_secret="test-api-key-secret-0123456789abcdef",
        twilio_twiml_app_sid="AP" + "3" * 32,
    )


@pytest.fixture
async def twilio_client(
    settings: Settings,
    redis: aioredis.Redis,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    passwords: Passwords,
    keys: Keys,
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
) -> TestClient[Any, Any]:
    """The app in the Twilio mode (no local carrier), with the test accounts."""
    await add_accounts(sessionmaker, passwords, ACCOUNTS)
    app = build_app(twilio_mode(settings), redis, sessionmaker, clock, passwords, keys)
    return await aiohttp_client(app, cookie_jar=aiohttp.DummyCookieJar())


@pytest.fixture
async def order(sessionmaker: async_sessionmaker[AsyncSession], clock: FakeClock) -> str:
    """The number of a1001's complaint: order pages render a real order."""
    new = NewWorkOrder(
        hotline_id="95598",
        caller="+8613800000001",
        category=Category.COMPLAINT,
        call_sid="CA-route-roles",
        queue="complaint",
        ivr_path="4 投诉举报 > 1 投诉",
        agent_id="a1001",
        agent_grade=3,
        wait_s=12,
        area=Area.CITY,
    )
    async with sessionmaker() as session, session.begin():
        made = await create_order(session, new, now=clock.now)
    return made.number
