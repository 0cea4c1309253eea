"""A busy hour through the local carrier: 50 concurrent callers, 8 agents of mixed grades
answering, rejecting or ignoring at random; every outcome is checked."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.test_utils import TestServer, unused_port
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from carriers.local_driver import LocalDriver
from hotline.app import create_app
from hotline.appkeys import MATCHING
from hotline.settings import CarrierKind, Settings
from local_carrier import LocalCarrier
from routing.keys import Keys
from tests.app_fixtures import ACCOUNT_SID, AUTH_TOKEN
from tests.e2e.contact_center import (
    AGENTS,
    agent_phones,
    callers,
    check_run,
    fast_config,
    place_all,
    write_fast_config,
)

pytestmark = pytest.mark.timeout(300)
SPEED = 10.0  # carrier seconds per real second: prompts, rings and talk pass quickly


@pytest.fixture
async def hotline(
    keys: Keys,
    redis: aioredis.Redis,
    sessionmaker: async_sessionmaker[AsyncSession],
    tmp_path: Path,
) -> AsyncIterator[tuple[web.Application, LocalCarrier]]:
    port = unused_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(
        port=port,
        public_url=base,
        carrier=CarrierKind.LOCAL,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        redis_prefix=keys.prefix,
        config_path=write_fast_config(tmp_path),
    )
    carrier = LocalCarrier([base], AUTH_TOKEN, ACCOUNT_SID, speed=SPEED, public_url=base)
    app = create_app(settings, redis=redis, sessionmaker=sessionmaker, carrier=LocalDriver(carrier))
    server = TestServer(app, host="127.0.0.1", port=port)
    await server.start_server()
    try:
        yield app, carrier
    finally:
        await carrier.aclose()
        await server.close()


async def test_fifty_callers_eight_agents(
    hotline: tuple[web.Application, LocalCarrier],
    redis: aioredis.Redis,
    keys: Keys,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    app, carrier = hotline
    rng = random.Random(95598)
    phones = agent_phones(rng)
    for agent, phone in phones.items():
        carrier.register_agent(agent, phone)
        await app[MATCHING].agent_ready(agent)
    people = callers(rng, 50)
    handles = await place_all(carrier, people)
    config = fast_config()
    grades = {a.id: dict(a.skills) for a in config.agents}
    floors = {name: spec.routing.plan.floor for name, spec in config.queues.items()}
    verdict = await check_run(handles, people, redis, keys, sessionmaker, grades, floors)
    assert verdict.answered + verdict.abandoned + verdict.timed_out == 50
    assert verdict.answered >= 25  # most callers reach an agent in this hour
    assert verdict.missed > 0  # rejected and unanswered rings happened, and were survived
    assert set(AGENTS) >= {a for a in AGENTS if phones[a].legs()}
