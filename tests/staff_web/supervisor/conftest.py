"""The desk mounted as create_app will mount it, on the auth tests' users and browser."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.settings import Settings
from queues.work_orders.categories import Category
from queues.work_orders.deadlines import Area
from queues.work_orders.intake import NewWorkOrder, create_order
from staff_web.auth.services import AuthServices
from staff_web.supervisor.desk_api import add_supervisor_api_routes
from staff_web.supervisor.desk_pages import create_desk_app
from tests.app_fixtures import FakeClock
from tests.staff_web.auth.conftest import (  # noqa: F401  (fixtures)
    PASSWORD,
    Browser,
    auth,
    sign_outs,
    signed_in_app,
    users,
)

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]*)"')


def build_desk_app(
    settings: Settings,
    redis: aioredis.Redis,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    services: AuthServices,
) -> web.Application:
    return signed_in_app(
        settings,
        redis,
        sessionmaker,
        clock,
        services,
        add_supervisor_api_routes,
        create_desk_app(),
    )


@pytest.fixture
async def orders(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    users: dict[str, int],  # noqa: F811  (the imported fixture)
) -> dict[str, str]:
    """`mine` (a1001's complaint), `theirs` (a1002's inquiry, linked as a repeat caller's),
    `fault` (a1001's fault repair, arrival due in 45 min): name → number."""
    made = {}
    specs = [
        ("mine", "a1001", Category.COMPLAINT, "+8613800000001"),
        ("theirs", "a1002", Category.INQUIRY, "+8613800000001"),
        ("fault", "a1001", Category.FAULT_REPAIR, "+8613900000009"),
    ]
    for i, (name, agent, category, caller) in enumerate(specs):
        new = NewWorkOrder(
            hotline_id="95598",
            caller=caller,
            category=category,
            call_sid=f"CA-{name}",
            queue="complaint" if category is Category.COMPLAINT else "general",
            ivr_path="4 投诉举报 > 1 投诉",
            agent_id=agent,
            agent_grade=3,
            wait_s=12,
            area=Area.CITY,
        )
        async with sessionmaker() as session, session.begin():
            order = await create_order(session, new, now=clock.now + timedelta(minutes=i))
            made[name] = order.number
    return made


@pytest.fixture
async def browser(
    settings: Settings,
    redis: aioredis.Redis,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    auth: AuthServices,  # noqa: F811  (the imported fixture)
    users: dict[str, int],  # noqa: F811
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
) -> Browser:
    app = build_desk_app(settings, redis, sessionmaker, clock, auth)
    client = await aiohttp_client(app, cookie_jar=aiohttp.DummyCookieJar())
    return Browser(client)


async def page_token(browser: Browser, path: str) -> str:
    """The CSRF token the page's forms carry."""
    response = await browser.get(path)
    found = CSRF_INPUT.search(await response.text())
    assert found, await response.text()
    return found.group(1)


async def bearer(browser: Browser, username: str) -> dict[str, str]:
    response = await browser.client.post(
        "/api/auth/token", json={"username": username, "password": PASSWORD}
    )
    assert response.status == 201, await response.text()
    return {"Authorization": f"Bearer {(await response.json())['token']}"}
