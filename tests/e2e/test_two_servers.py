"""The busy hour again with two server processes sharing Redis and the database, behind
one public URL: the carrier alternates webhooks between them, and each server rings agents
through the carrier's REST API (the Twilio driver), as a real deployment does."""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.test_utils import unused_port
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from local_carrier import LocalCarrier, create_carrier_app
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

ROOT = Path(__file__).resolve().parents[3]
PUBLIC_URL = "http://hotline.internal.test"  # the "load balancer" both servers sit behind
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
    def carrier_port() -> int:
        return unused_port()

    @pytest.fixture
    def servers(
        tmp_path: Path,
        database_url: str,
        shared_redis: tuple[aioredis.Redis, Keys],
        carrier_port: int,
    ) -> Iterator[list[str]]:
        """Two `hotline serve` processes on their own ports, one after the other."""
        _, keys = shared_redis
        config = write_fast_config(tmp_path)
        processes: list[subprocess.Popen[bytes]] = []
        bases = []
        try:
            for index in range(2):
                port = unused_port()
                env = {
                    **os.environ,
                    "HOTLINE_HOST": "127.0.0.1",
                    "HOTLINE_PORT": str(port),
                    "HOTLINE_PUBLIC_URL": PUBLIC_URL,
                    "HOTLINE_CARRIER": "twilio",
                    "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                    "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                    "TWILIO_API_BASE_URL": f"http://127.0.0.1:{carrier_port}/carrier",
                    "REDIS_URL": REAL_REDIS_URL,
                    "HOTLINE_REDIS_PREFIX": keys.prefix,
                    "DATABASE_URL": database_url,
                    "HOTLINE_CONFIG": str(config),
                    "HOTLINE_DEMO_USERS": "0",
                    "HOTLINE_LOG_LEVEL": "INFO",
                }
                with (tmp_path / f"server{index}.log").open("wb") as log:
                    processes.append(
                        subprocess.Popen(
                            [sys.executable, "-m", "hotline", "serve"],
                            cwd=ROOT,
                            env=env,
                            stdout=log,
                            stderr=subprocess.STDOUT,
                        )
                    )
                bases.append(f"http://127.0.0.1:{port}")
                asyncio.run(_wait_healthy(bases[-1]))  # the first publishes the config
            yield bases
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=20)

    async def _wait_healthy(base: str) -> None:
        async with aiohttp.ClientSession() as http:
            for _ in range(200):
                try:
                    async with http.get(base + "/healthz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError(f"server at {base} did not start")

    async def test_two_servers_share_the_work(
        servers: list[str],
        shared_redis: tuple[aioredis.Redis, Keys],
        sessionmaker: async_sessionmaker[AsyncSession],
        carrier_port: int,
        tmp_path: Path,
    ) -> None:
        redis, keys = shared_redis
        carrier = LocalCarrier(servers, AUTH_TOKEN, ACCOUNT_SID, speed=SPEED, public_url=PUBLIC_URL)
        rest = web.Application()
        rest.add_subapp("/carrier/", create_carrier_app(carrier, numbers=[]))
        runner = web.AppRunner(rest)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", carrier_port).start()
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
            verdict = await check_run(handles, people, redis, keys, sessionmaker, grades, floors)
            assert verdict.answered >= 25
        finally:
            await carrier.aclose()
            await runner.cleanup()
        logs = [(tmp_path / f"server{i}.log").read_text(errors="replace") for i in range(2)]
        for log in logs:  # both servers answered callers and rang agents
            assert "call_sid=" in log
            assert "offered" in log

    async def _login(router: Router, agent: AgentSpec) -> None:
        outcome = await router.login(agent.id, agent.skills, order=agent.order)
        assert outcome.offers == ()
