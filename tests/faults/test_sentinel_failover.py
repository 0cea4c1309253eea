"""Redis Sentinel fails over: the primary is killed with SIGKILL while callers wait, ring and
talk on two servers; the sentinels promote the replica and the servers carry on with it.

Replication is asynchronous: whatever the replica had not received when the primary died
is repaired as after any loss in Redis (the wait loop's heartbeat puts callers back at
their place, the event stream's records are written again). The time from the promotion to
the first call offered to an agent afterwards is measured and printed."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import pytest

from local_carrier import CallHandle
from tests.faults.own_database import OwnDatabase
from tests.faults.rig import running_rig
from tests.faults.sentinel_set import DOWN_AFTER_MS, SentinelSet

pytestmark = [pytest.mark.faults, pytest.mark.timeout(360)]

#: New calls are offered to agents within this many seconds of the promotion.
ROUTING_AFTER_PROMOTION_S = 10.0


def rings(handles: Sequence[CallHandle]) -> int:
    """Agent legs the servers have asked the carrier to ring, all calls together."""
    return sum(event.kind == "dial" for handle in handles for event in handle.events)


async def test_sigkill_of_the_primary_with_two_servers_mid_traffic(
    tmp_path: Path,
    sentinel_set: SentinelSet,
    database: OwnDatabase,
    capsys: pytest.CaptureFixture[str],
) -> None:
    loop = asyncio.get_running_loop()
    async with running_rig(
        tmp_path, sentinel_set.primary, database, redis_url=sentinel_set.url
    ) as rig:
        await rig.start(servers=2)
        first = asyncio.create_task(rig.call(30))
        await rig.until("before the kill", answered=8, waiting=2, ringing=1, talking=3)
        await sentinel_set.primary.kill()
        killed_at = loop.time()
        promoted_at = await sentinel_set.until_promoted()
        rung_before = rings(rig.handles)
        newcomers = asyncio.create_task(rig.call(5))  # callers arriving just after it
        while rings(rig.handles) == rung_before:
            assert loop.time() - promoted_at < 60, "nothing offered after the promotion"
            await asyncio.sleep(0.01)
        routed_at = loop.time()
        await first
        await newcomers
        await rig.call(10)
        tally = await rig.check(settle_s=90)
        assert tally.answered > 0
        for server in rig.servers:  # both lived through it, on the new primary
            assert server.process.returncode is None
    promotion_s = promoted_at - killed_at
    routing_s = routed_at - promoted_at
    with capsys.disabled():
        print(
            f"\nsentinel failover ({database.backend}): promoted {promotion_s:.2f} s after the "
            f"SIGKILL (down-after {DOWN_AFTER_MS} ms); first call offered "
            f"{routing_s:.2f} s after the promotion; {tally.answered} answered"
        )
    assert routing_s < ROUTING_AFTER_PROMOTION_S
