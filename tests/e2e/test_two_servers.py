"""The busy hour again with two server processes sharing Redis and the database, behind
one public URL: the carrier alternates webhooks between them, and each server rings agents
through the carrier's REST API (the Twilio driver), as a real deployment does."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from aiohttp.test_utils import unused_port
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from local_carrier import LocalCarrier
from queues.catalogue import AgentSpec
from routing.keys import Keys
from routing.router import Router
from tests.app_fixtures import ACCOUNT_SID, AUTH_TOKEN
from tests.conftest import REAL_REDIS_URL
from tests.e2e.contact_center import (
    agent_phones,
    callers,
    check_run,
    fast_config,
    place_all,
    write_fast_config,
)
from tests.e2e.server_processes import (
    PUBLIC_URL,
    Deployment,
    ServerProcess,
    carrier_rest,
    start_server,
)

SPEED = 10.0

if REAL_REDIS_URL:  # two processes need a Redis they can share: only with a real one
    pytestmark = [pytest.mark.real_redis, pytest.mark.slow, pytest.mark.timeout(400)]

    @pytest.fixture
    def database_url(sessionmaker: async_sessionmaker[AsyncSession]) -> str:
        bind = sessionmaker.kw["bind"]
        return str(bind.url.render_as_string(hide_password=False))

    @pytest.fixture
    async def shared_redis() -> AsyncIterator[tuple[aioredis.Redis, Keys]]:
        keys = Keys(f"t2-{uuid.uuid4().hex[:12]}")
        client = aioredis.Redis.from_url(REAL_REDIS_URL, decode_responses=True)
        try:
            yield client, keys
        finally:
            async for key in client.scan_iter(match=keys.pattern(), count=1000):
                await client.delete(key)
            await client.aclose()

    @pytest.fixture
    def deployment(
        tmp_path: Path, database_url: str, shared_redis: tuple[aioredis.Redis, Keys]
    ) -> Deployment:
        _, keys = shared_redis
        return Deployment(
            redis_url=REAL_REDIS_URL,
            redis_prefix=keys.prefix,
            database_url=database_url,
            config=write_fast_config(tmp_path),
            carrier_port=unused_port(),
        )

    @pytest.fixture
    async def servers(tmp_path: Path, deployment: Deployment) -> AsyncIterator[list[ServerProcess]]:
        """Two `hotline serve` processes on their own ports, one after the other (the first
        publishes the config)."""
        started: list[ServerProcess] = []
        try:
            for index in range(2):
                log = tmp_path / f"server{index}.log"
                started.append(await start_server(deployment, unused_port(), log))
            yield started
        finally:
            for server in started:
                await server.stop()

    async def test_two_servers_share_the_work(
        servers: list[ServerProcess],
        deployment: Deployment,
        shared_redis: tuple[aioredis.Redis, Keys],
        sessionmaker: async_sessionmaker[AsyncSession],
    ) -> None:
        redis, keys = shared_redis
        bases = [server.base for server in servers]
        carrier = LocalCarrier(bases, AUTH_TOKEN, ACCOUNT_SID, speed=SPEED, public_url=PUBLIC_URL)
        async with carrier_rest(carrier, deployment.carrier_port):
            try:
                rng = random.Random(400)
                config = fast_config()
                router = Router(redis, keys)
                for agent in config.agents:  # before any call: logging in offers nothing
                    carrier.register_agent(agent.id, agent_phones(rng)[agent.id])
                    await _login(router, agent)
                people = callers(rng, 50)
                handles = await place_all(carrier, people)
                grades = {a.id: dict(a.skills) for a in config.agents}
                floors = {n: s.routing.plan.floor for n, s in config.queues.items()}
                verdict = await check_run(
                    handles, people, redis, keys, sessionmaker, grades, floors
                )
                assert verdict.answered >= 25
            finally:
                await carrier.aclose()
        for server in servers:  # both servers answered callers and rang agents
            log = server.log_text()
            assert "call_sid=" in log
            assert "offered" in log

    async def _login(router: Router, agent: AgentSpec) -> None:
        outcome = await router.login(agent.id, agent.skills, order=agent.order)
        assert outcome.offers == ()
