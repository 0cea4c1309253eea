"""Shared fixtures: a fresh Redis (fake, and real when configured) and keys per test.

Real services are opted into by environment (`.ci/run` sets them):
- HOTLINE_TEST_REDIS_URL: every `redis` test also runs on this Redis; unreachable → error.
- HOTLINE_TEST_DATABASE_URL: every `sessionmaker` test also runs on this database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import fakeredis
import pytest
import redis.asyncio as aioredis
from redis import Redis as SyncRedis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import queues.models  # noqa: F401  (every table on Base.metadata)
from queues.db import Base, create_engine, create_sessionmaker
from queues.migrate import upgrade
from routing.connection import connection_pool_options
from routing.keys import Keys

#: App-level fixtures (settings, the app, signed Twilio posts) for every room's tests.
pytest_plugins = ["tests.app_fixtures"]

REAL_REDIS_URL = os.environ.get("HOTLINE_TEST_REDIS_URL", "").strip()
REAL_DATABASE_URL = os.environ.get("HOTLINE_TEST_DATABASE_URL", "").strip()

REDIS_BACKENDS = [
    "fake",
    *([pytest.param("real", marks=pytest.mark.real_redis)] if REAL_REDIS_URL else []),
]


@pytest.fixture
def keys() -> Keys:
    return Keys(f"t-{uuid.uuid4().hex[:12]}")


@pytest.fixture(params=REDIS_BACKENDS)
async def redis(request: pytest.FixtureRequest, keys: Keys) -> AsyncIterator[aioredis.Redis]:
    """A Redis client with decoded responses; each test gets its own key prefix."""
    client: aioredis.Redis
    if request.param == "fake":
        client = fakeredis.FakeAsyncRedis(decode_responses=True)
    else:
        client = aioredis.Redis.from_url(
            REAL_REDIS_URL, decode_responses=True, **connection_pool_options()
        )
        await client.ping()  # a configured but absent Redis is an error, never a skip
    try:
        yield client
    finally:
        if request.param == "real":
            async for key in client.scan_iter(match=keys.pattern(), count=1000):
                await client.delete(key)
        await client.aclose()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Leave the real Redis without Hotline's function libraries: each version of the code
    loads its own (routing.batching), and a server still calling one loads it again."""
    if not REAL_REDIS_URL:
        return
    with SyncRedis.from_url(REAL_REDIS_URL, decode_responses=True) as client:
        for entry in client.function_list(library="hotline_*"):
            client.function_delete(dict(zip(entry[::2], entry[1::2], strict=True))["library_name"])


DATABASE_BACKENDS = [
    "sqlite",
    *([pytest.param("postgres", marks=pytest.mark.postgres)] if REAL_DATABASE_URL else []),
]


@pytest.fixture(params=DATABASE_BACKENDS)
async def sessionmaker(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A migrated database: a fresh SQLite file, and PostgreSQL when configured.

    PostgreSQL is shared by the run, so every table is emptied after each test.
    """
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'hotline.db'}"
    else:
        url = REAL_DATABASE_URL
    engine = create_engine(url)
    try:
        await upgrade(engine)
        yield create_sessionmaker(engine)
    finally:
        if request.param == "postgres":
            async with engine.begin() as connection:
                names = ", ".join(t.name for t in Base.metadata.sorted_tables)
                await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        await engine.dispose()
