"""The database is locked, or stopped, while calls are answered; it comes back."""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import REAL_DATABASE_URL
from tests.faults.rig import Rig

pytestmark = [pytest.mark.faults, pytest.mark.timeout(300)]

OUTAGE_S = 8  # past SQLite's busy timeout (5 s): its writers give up

LOCKED = [
    # PostgreSQL's writers wait for the lock and get through; SQLite's give up.
    "sqlite",
    *([pytest.param("postgres", marks=pytest.mark.postgres)] if REAL_DATABASE_URL else []),
]
POSTGRES_ONLY = [
    pytest.param(
        "postgres",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(
                not REAL_DATABASE_URL,
                reason="stopping a database needs PostgreSQL (HOTLINE_TEST_DATABASE_URL)",
            ),
        ],
    )
]


@pytest.mark.parametrize("database", LOCKED, indirect=True)
async def test_database_locked_during_answers(rig: Rig) -> None:
    await rig.start()
    first = asyncio.create_task(rig.call(20))
    await rig.until("before the lock", ringing=1, talking=1)
    async with rig.database.locked():
        await asyncio.sleep(OUTAGE_S)  # calls go on being answered and ended meanwhile
    await first
    await rig.call(5)
    tally = await rig.check(settle_s=30)
    assert tally.answered > 0


@pytest.mark.parametrize("database", POSTGRES_ONLY, indirect=True)
async def test_database_stopped_during_answers(rig: Rig) -> None:
    await rig.start()
    first = asyncio.create_task(rig.call(20))
    await rig.until("before the stop", ringing=1, talking=1)
    async with rig.database.stopped():
        await asyncio.sleep(OUTAGE_S)
    await first
    await rig.call(5)
    tally = await rig.check(settle_s=30)
    assert tally.answered > 0
