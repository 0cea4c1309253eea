"""One of two server processes is killed with SIGKILL while calls wait, ring and talk; the
load balancer sends everything to the other from then on."""

from __future__ import annotations

import asyncio

import pytest

from tests.faults.rig import Rig

pytestmark = [pytest.mark.faults, pytest.mark.timeout(300)]


async def test_sigkill_one_of_two_servers_mid_traffic(rig: Rig) -> None:
    await rig.start(servers=2)
    first = asyncio.create_task(rig.call(30))
    # Both servers have answered calls, and calls wait, ring and talk, when one dies.
    await rig.until("before the kill", answered=10, waiting=2, ringing=1, talking=3)
    victim = rig.servers[0]
    await victim.kill()
    rig.network.down.add(victim.base)  # the balancer's health check notices
    await first
    await rig.call(10)
    # The survivor takes over what the dead process's event consumer had not acknowledged
    # once it has been idle for the sink's claim time (a minute).
    tally = await rig.check(settle_s=90)
    assert tally.answered > 0
