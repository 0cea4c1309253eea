"""The busy hour again with two server processes sharing Redis and the database, behind a
real nginx running the deploy config (docs/deploy/nginx-hotline.conf): the carrier knows only
nginx's URL, nginx's round robin spreads the webhooks, and each server rings agents through
the carrier's REST API (the Twilio driver), as a real deployment does."""

from __future__ import annotations

import random
import re
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
from tests.e2e.nginx_balancer import NginxBalancer
from tests.e2e.server_processes import (
    Deployment,
    ServerProcess,
    carrier_rest,
    start_server,
)

SPEED = 10.0
ADDRESS = re.compile(r"[\d.]+:\d+")  # in $upstream_addr: "host:port[, host:port]"

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
    def balancer(nginx_path: str, tmp_path: Path) -> NginxBalancer:
        """nginx with its port chosen, not yet started: the servers start with its URL."""
        return NginxBalancer(nginx_path, tmp_path / "nginx")

    @pytest.fixture
    def deployment(
        tmp_path: Path,
        database_url: str,
        shared_redis: tuple[aioredis.Redis, Keys],
        balancer: NginxBalancer,
    ) -> Deployment:
        _, keys = shared_redis
        return Deployment(
            redis_url=REAL_REDIS_URL,
            redis_prefix=keys.prefix,
            database_url=database_url,
            config=write_fast_config(tmp_path),
            carrier_port=unused_port(),
            public_url=balancer.url,
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

    @pytest.fixture
    async def front(
        balancer: NginxBalancer, servers: list[ServerProcess]
    ) -> AsyncIterator[NginxBalancer]:
        """nginx in front of both servers, stopped before they are."""
        async with balancer.running([server.base for server in servers]) as running:
            yield running

    async def test_two_servers_share_the_work(
        servers: list[ServerProcess],
        front: NginxBalancer,
        deployment: Deployment,
        shared_redis: tuple[aioredis.Redis, Keys],
        sessionmaker: async_sessionmaker[AsyncSession],
    ) -> None:
        redis, keys = shared_redis
        carrier = LocalCarrier(
            [front.url], AUTH_TOKEN, ACCOUNT_SID, speed=SPEED, public_url=front.url
        )
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
        webhooks = [line for line in front.access_lines() if '"POST /twilio/' in line]
        arrivals = [line for line in webhooks if '"POST /twilio/voice ' in line]
        assert len(arrivals) == len(people)  # every call came in through nginx
        upstreams = {a for line in webhooks for a in ADDRESS.findall(line.split("upstream=")[1])}
        assert upstreams == {server.base.removeprefix("http://") for server in servers}

    async def _login(router: Router, agent: AgentSpec) -> None:
        outcome = await router.login(agent.id, agent.skills, order=agent.order)
        assert outcome.offers == ()
