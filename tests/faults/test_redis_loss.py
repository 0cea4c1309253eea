"""Redis loses everything (a flush, an empty restart) or is down for 10 s, with callers
waiting, ringing, talking and arriving."""

from __future__ import annotations

import asyncio

import pytest

from tests.faults.rig import Rig

pytestmark = [pytest.mark.faults, pytest.mark.timeout(300)]


async def test_flush_with_callers_waiting_and_arriving(rig: Rig) -> None:
    await rig.start()
    first = asyncio.create_task(rig.call(20))
    await rig.until("before the flush", waiting=3, talking=1)
    await rig.redis_process.flush()
    await rig.login_agents()  # the softphones sign in again
    await first
    await rig.call(10)
    tally = await rig.check()
    assert tally.answered > 0


async def test_empty_restart_with_callers_waiting_and_arriving(rig: Rig) -> None:
    await rig.start()
    first = asyncio.create_task(rig.call(20))
    await rig.until("before the restart", waiting=3, talking=1)
    await rig.redis_process.kill()
    await rig.redis_process.start()  # a new, empty node on the same address
    await rig.login_agents()
    await first
    await rig.call(10)
    tally = await rig.check()
    assert tally.answered > 0


async def test_down_for_ten_seconds(rig: Rig) -> None:
    """Redis stops (its data kept on disk) while calls wait and arrive, and comes back."""
    await rig.start()
    first = asyncio.create_task(rig.call(20))
    await rig.until("before the outage", waiting=3, talking=1)
    await rig.redis_process.kill(save=True)
    outage = asyncio.create_task(asyncio.sleep(10))
    await first
    await rig.call(5)  # callers who arrive while Redis is down
    await outage
    await rig.redis_process.start()
    await rig.call(5)
    tally = await rig.check()
    assert tally.answered > 0
