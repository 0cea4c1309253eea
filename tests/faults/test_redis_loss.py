"""Redis loses everything (a flush, an empty restart) or is down for 10 s, with callers
waiting, ringing, talking and arriving."""

from __future__ import annotations

import asyncio

import pytest

from tests.faults.rig import Rig

pytestmark = [pytest.mark.faults, pytest.mark.timeout(300)]


@pytest.mark.xfail(
    strict=True,
    reason=(
        "callerpath: the waitUrl heartbeat rebuilds a call only from its state in Redis, not "
        "from its signed URLs, so callers Redis forgot hold for ever past the maximum wait"
    ),
)
async def test_flush_with_callers_waiting_and_arriving(hotline: Rig) -> None:
    await hotline.start()
    first = asyncio.create_task(hotline.call(20))
    await hotline.until("before the flush", waiting=3, talking=1)
    await hotline.redis_process.flush()
    await hotline.login_agents()  # the softphones sign in again
    await first
    await hotline.call(10)
    tally = await hotline.check()
    assert tally.answered > 0


@pytest.mark.xfail(
    strict=True,
    reason=(
        "callerpath: the waitUrl heartbeat rebuilds a call only from its state in Redis, not "
        "from its signed URLs, so callers Redis forgot hold for ever past the maximum wait"
    ),
)
async def test_empty_restart_with_callers_waiting_and_arriving(hotline: Rig) -> None:
    await hotline.start()
    first = asyncio.create_task(hotline.call(20))
    await hotline.until("before the restart", waiting=3, talking=1)
    await hotline.redis_process.kill()
    await hotline.redis_process.start()  # a new, empty node on the same address
    await hotline.login_agents()
    await first
    await hotline.call(10)
    tally = await hotline.check()
    assert tally.answered > 0


@pytest.mark.xfail(
    strict=True,
    reason=(
        "callerpath: a caller who arrives while Redis is down stays in the fail-safe hold "
        "loop for ever instead of joining the real queue once Redis is back"
    ),
)
async def test_down_for_ten_seconds(hotline: Rig) -> None:
    """Redis stops (its data kept on disk) while calls wait and arrive, and comes back."""
    await hotline.start()
    first = asyncio.create_task(hotline.call(20))
    await hotline.until("before the outage", waiting=3, talking=1)
    await hotline.redis_process.kill(save=True)
    outage = asyncio.create_task(asyncio.sleep(10))
    await first
    await hotline.call(5)  # callers who arrive while Redis is down
    await outage
    await hotline.redis_process.start()
    await hotline.call(5)
    tally = await hotline.check()
    assert tally.answered > 0
