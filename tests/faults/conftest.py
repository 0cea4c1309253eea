"""Fixtures of the fault suite: its own redis-server, its own database, the rig.

The suite needs `redis-server` on PATH (a Redis it may kill); without one it is skipped,
unless HOTLINE_REQUIRE_FAULTS=1 (`.ci/run` sets it), when that is a failure.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import REAL_DATABASE_URL
from tests.faults.own_database import OwnDatabase, own_database
from tests.faults.redis_process import RedisProcess, redis_server_binary
from tests.faults.rig import Rig, running_rig
from tests.faults.sentinel_set import SentinelSet

REQUIRED = os.environ.get("HOTLINE_REQUIRE_FAULTS", "").strip() == "1"

DATABASES = [
    "sqlite",
    *([pytest.param("postgres", marks=pytest.mark.postgres)] if REAL_DATABASE_URL else []),
]


def required_redis_server() -> str:
    binary = redis_server_binary()
    if binary is None:
        reason = "redis-server is not on PATH: the fault suite needs a Redis it may kill"
        if REQUIRED:
            pytest.fail(f"{reason} (HOTLINE_REQUIRE_FAULTS=1)")
        pytest.skip(f"{reason} (apt-get install redis-server; HOTLINE_REQUIRE_FAULTS=1 fails)")
    return binary


@pytest.fixture
async def own_redis(tmp_path: Path) -> AsyncIterator[RedisProcess]:
    process = RedisProcess(required_redis_server(), tmp_path)
    await process.start()
    try:
        yield process
    finally:
        await process.kill()


@pytest.fixture
async def sentinel_set(tmp_path: Path) -> AsyncIterator[SentinelSet]:
    """A primary, a replica and three sentinels of the test's own."""
    made = SentinelSet(required_redis_server(), tmp_path / "sentinel-set")
    try:
        await made.start()
        yield made
    finally:
        await made.stop()


@pytest.fixture(params=DATABASES)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[OwnDatabase]:
    async with own_database(request.param, tmp_path, REAL_DATABASE_URL) as made:
        yield made


@pytest.fixture
async def rig(tmp_path: Path, own_redis: RedisProcess, database: OwnDatabase) -> AsyncIterator[Rig]:
    async with running_rig(tmp_path, own_redis, database) as made:
        yield made
