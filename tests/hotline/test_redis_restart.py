"""A Redis of the test's own killed and started again empty under a running app: no
background loop stops, /healthz says 503 while Redis is away and 200 after, the agent who
was signed in still is, and a call that comes after the restart is offered to them once
they are ready."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.app import create_app
from hotline.appkeys import LOOPS, MATCHING
from hotline.contexts import connect_redis
from hotline.health import CHECK_TIMEOUT_S
from hotline.settings import Settings
from routing.keys import Keys
from staff_web.auth.passwords import Passwords
from tests.app_fixtures import FakeClock, TwilioPoster
from tests.hotline.redis_process import RedisProcess, redis_process
from tests.ivr.webhooks.walker import walk
from tests.staff_web.auth.conftest import add_accounts
from tests.staff_web.softphone.conftest import ACCOUNTS, sign_in

__all__ = ["redis_process"]

pytestmark = pytest.mark.timeout(60)

LINE = "+8695598"
CALLER = "+8613812345678"
FAULT = ["1", "1"]
#: Far over the loops' own retry pauses (0.5-1 s) and a reconnect, on a busy machine.
RECOVERY_S = 20.0


async def until(condition: Callable[[], Awaitable[bool]], what: str) -> None:
    """Until `condition` holds; the app runs in real time against a real Redis process."""
    deadline = time.monotonic() + RECOVERY_S
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {RECOVERY_S}s: {what}")
        await asyncio.sleep(0.1)


@pytest.fixture
async def own_redis(redis_process: RedisProcess) -> AsyncIterator[aioredis.Redis]:
    """The production client (its blocking pool) on the test's own Redis."""
    client = connect_redis(redis_process.url)
    yield client
    await client.aclose()


@pytest.fixture
async def app(
    settings: Settings,
    own_redis: aioredis.Redis,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    passwords: Passwords,
    keys: Keys,
) -> web.Application:
    await add_accounts(sessionmaker, passwords, ACCOUNTS)
    # The app's own sign-in services (no AUTH injected): sessions kept as in production.
    return create_app(settings, redis=own_redis, sessionmaker=sessionmaker, clock=clock)


@pytest.fixture
async def client(
    app: web.Application,
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
) -> TestClient[Any, Any]:
    return await aiohttp_client(app, cookie_jar=aiohttp.DummyCookieJar())


async def health(client: TestClient[Any, Any]) -> tuple[int, dict[str, Any]]:
    response = await client.get("/healthz")
    return response.status, await response.json()


async def test_a_redis_restart_stops_no_loop_and_matching_resumes(
    client: TestClient[Any, Any],
    app: web.Application,
    redis_process: RedisProcess,
    caplog: pytest.LogCaptureFixture,
) -> None:
    status, body = await health(client)
    assert (status, body["status"]) == (200, "ok"), body
    assert {"router-timers", "softphone-fanout", "config-watch"} <= set(body["loops"])
    desk = await sign_in(client, "a1005")
    status, state = await desk.call("POST", "/api/agent/ready")
    assert (status, state["state"]) == (200, "ready"), state

    redis_process.kill()
    status, body = await health(client)
    assert status == 503
    assert body["redis"].startswith("unreachable: ConnectionError"), body
    assert body["database"] == "ok"

    async def timers_saw_it() -> bool:
        return any(r.getMessage() == "router timers failed; retrying" for r in caplog.records)

    await until(timers_saw_it, "the timer loop meets the outage")
    assert app[LOOPS].problems() == {}  # every loop's task lives through it

    matching = app[MATCHING]
    round_before = matching.last_round_at or 0.0
    redis_process.start()  # empty: no functions, no rules, no config pointer, no sessions

    async def healthy() -> bool:
        return (await health(client))[0] == 200

    await until(healthy, "/healthz is 200 again")

    async def timers_run() -> bool:
        return (matching.last_round_at or 0) > round_before

    await until(timers_run, "the timer loop does rounds again")

    # Still signed in, with the same CSRF token; the router forgot the agent's presence
    # with the rest of Redis, and the agent says ready again.
    status, state = await desk.call("GET", "/api/agent/state")
    assert (status, state.get("state")) == (200, "offline"), state
    status, state = await desk.call("POST", "/api/agent/ready")
    assert (status, state["state"]) == (200, "ready"), state
    walked = await walk(TwilioPoster(client), LINE, FAULT, caller=CALLER)
    status, state = await desk.call("GET", "/api/agent/state")
    assert state["state"] == "reserved", state
    assert state["call"]["call_sid"] == walked.call_sid


async def test_a_redis_that_stops_answering_is_a_503_not_a_hang(
    client: TestClient[Any, Any], app: web.Application, redis_process: RedisProcess
) -> None:
    redis_process.pause()
    try:
        started = time.monotonic()
        status, body = await health(client)
        assert time.monotonic() - started < CHECK_TIMEOUT_S + 1.0
        assert (status, body["redis"]) == (503, f"no answer within {CHECK_TIMEOUT_S:.0f}s")
    finally:
        redis_process.resume()

    async def healthy() -> bool:
        return (await health(client))[0] == 200

    await until(healthy, "/healthz is 200 again")
    assert app[LOOPS].problems() == {}


async def test_a_loop_whose_task_died_shows_in_healthz(
    client: TestClient[Any, Any], app: web.Application
) -> None:
    timers = app[LOOPS].loops["router-timers"].task
    assert timers is not None
    timers.cancel()
    await asyncio.wait({timers})
    status, body = await health(client)
    assert status == 503
    assert body["loops"]["router-timers"] == "stopped"
    assert body["failing"] == ["loop router-timers"]
    assert (body["redis"], body["database"]) == ("ok", "ok")
