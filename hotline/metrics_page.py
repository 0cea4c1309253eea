"""`GET /metrics`: the app's Prometheus metrics, with what the router holds read at scrape
time (agents by state, the event sink's backlog).

Open like `/healthz`: Prometheus scrapes each server's own port without a session, and
nothing in it names a caller or an agent (queues, states, routes and error kinds only).
A server reachable from outside keeps the path off its public address (docs/deploy.md).
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from hotline.appkeys import KEYS, METRICS, REDIS
from routing.inspection import agents_by_state
from routing.outbox import pending_writes
from switchboard.event_sink import SinkPolicy

log = logging.getLogger(__name__)

#: Prometheus's own scrape timeout is 10 s by default; a slower Redis leaves its series out.
READ_TIMEOUT_S = 2.0


async def read_router(app: web.Application) -> None:
    """Put what the router holds now into the app's snapshot; on failure, leave it out."""
    snapshot = app[METRICS].snapshot
    redis, keys = app[REDIS], app[KEYS]
    try:
        agents, unwritten = await asyncio.wait_for(
            asyncio.gather(
                agents_by_state(redis, keys), pending_writes(redis, keys, SinkPolicy().group)
            ),
            READ_TIMEOUT_S,
        )
    except Exception as error:
        log.warning("metrics: router state unreadable: %r", error)
        snapshot.agents = snapshot.unwritten = None
        return
    snapshot.agents, snapshot.unwritten = agents, unwritten


async def metrics(request: web.Request) -> web.Response:
    """The exposition format Prometheus reads, as its `Accept` header asks."""
    app = request.app
    await read_router(app)
    body, content_type = app[METRICS].exposition(request.headers.get("Accept", ""))
    return web.Response(body=body, headers={"Content-Type": content_type})
