"""`/healthz`: Redis, the database and every background loop, each named when it fails,
and how many router events and queued writes still wait to reach SQL."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from aiohttp import web
from sqlalchemy import text

from hotline.appkeys import KEYS, LOOPS, REDIS, SESSIONMAKER
from routing.outbox import pending_writes
from switchboard.event_sink import SinkPolicy

#: A check that takes longer than this counts as failed: a load balancer asking must get
#: an answer, and a Redis or database this slow is not serving calls either.
CHECK_TIMEOUT_S = 2.0


async def check_redis(app: web.Application) -> str:
    await app[REDIS].ping()
    return "ok"


async def check_database(app: web.Application) -> str:
    async with app[SESSIONMAKER]() as session:
        await session.execute(text("SELECT 1"))
    return "ok"


async def unwritten(app: web.Application) -> int | None:
    """Stream entries the event sink has not written to SQL yet (router events, work orders
    of answered calls, queued wrap-ups and call ends): what a database outage holds back.
    None when Redis cannot say."""
    try:
        count = pending_writes(app[REDIS], app[KEYS], SinkPolicy().group)
        return await asyncio.wait_for(count, CHECK_TIMEOUT_S)
    except Exception:
        return None  # Redis itself is reported failing


async def checked(check: Coroutine[Any, Any, str]) -> str:
    try:
        return await asyncio.wait_for(check, CHECK_TIMEOUT_S)
    except TimeoutError:
        return f"no answer within {CHECK_TIMEOUT_S:.0f}s"
    except Exception as error:
        return f"unreachable: {error.__class__.__name__}: {error}"


async def health(request: web.Request) -> web.Response:
    """200 when all is well; 503 with what is wrong (a load balancer takes the server out,
    a supervisor reads why; the failing parts log their own errors)."""
    app = request.app
    redis, database, backlog = await asyncio.gather(
        checked(check_redis(app)), checked(check_database(app)), unwritten(app)
    )
    loops = app[LOOPS].problems()
    body: dict[str, object] = {
        "redis": redis,
        "database": database,
        "loops": {name: loops.get(name, "ok") for name in app[LOOPS].loops},
        "unwritten": backlog,
    }
    failing = [name for name, state in (("redis", redis), ("database", database)) if state != "ok"]
    failing += [f"loop {name}" for name in loops]
    if failing:
        body["status"] = "failing"
        body["failing"] = failing
        return web.json_response(body, status=503)
    body["status"] = "ok"
    return web.json_response(body)
