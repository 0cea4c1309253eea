"""The whole hotline on a real port, called through the local carrier like Twilio would."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.test_utils import unused_port
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.app import create_app
from local_carrier import CallHandle, LocalCarrier
from routing.keys import Keys
from tests.app_fixtures import ACCOUNT_SID, AUTH_TOKEN, FakeClock, on_port_settings, serving
from tests.e2e.nginx_balancer import require_nginx
from tests.local_carrier.scripted_caller import ScriptedCaller


@dataclass
class LiveHotline:
    """A running server and a carrier that never waits (simulated time)."""

    base_url: str
    app: web.Application
    carrier: LocalCarrier

    async def call(
        self, to: str, caller: ScriptedCaller, from_: str = "+8613600000000"
    ) -> CallHandle:
        handle = await self.carrier.place_call(from_, to, caller)
        await handle.wait()
        assert handle.errors == [], handle.errors  # the caller never heard a carrier error
        return handle


@pytest.fixture
async def live(
    keys: Keys,
    redis: aioredis.Redis,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> AsyncIterator[LiveHotline]:
    port = unused_port()
    settings = on_port_settings(keys, port)
    base = settings.public_url
    app = create_app(settings, redis=redis, sessionmaker=sessionmaker, clock=clock)
    async with serving(app, port):
        carrier = LocalCarrier([base], AUTH_TOKEN, ACCOUNT_SID, speed=math.inf, public_url=base)
        try:
            yield LiveHotline(base, app, carrier)
        finally:
            await carrier.aclose()


@pytest.fixture
def nginx_path() -> str:
    """nginx to put in front of servers; skipped when absent unless HOTLINE_REQUIRE_NGINX=1."""
    return require_nginx()
