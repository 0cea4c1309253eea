"""Several OS processes, each with many tasks, race ≥ 100,000 offers through one Redis.

Collected only when HOTLINE_TEST_REDIS_URL is set: the test is defined conditionally, so a
run without real Redis neither runs nor reports it as skipped (fakeredis cannot share state
across processes, and a skip would hide a missing service in CI).
"""

from __future__ import annotations

import asyncio
import uuid
from typing import cast

import pytest
import redis.asyncio as aioredis

from routing.keys import Keys
from routing.router import Router
from tests.conftest import REAL_REDIS_URL
from tests.routing.race_harness import RULES, Job, race

PROCESSES = 2
TASKS = 25


async def _prepare(prefix: str) -> None:
    client = aioredis.Redis.from_url(REAL_REDIS_URL, decode_responses=True)
    await Router(client, Keys(prefix)).configure_queue(RULES)
    await client.aclose()


async def _final_state(prefix: str) -> tuple[list[str], list[str]]:
    client = aioredis.Redis.from_url(REAL_REDIS_URL, decode_responses=True)
    keys = Keys(prefix)
    waiting = cast(list[str], await client.zrange(keys.waiting(RULES.name), 0, -1))
    leases = cast(list[str], await client.zrange(keys.leases(), 0, -1))
    async for key in client.scan_iter(match=keys.pattern(), count=1000):
        await client.delete(key)
    await client.aclose()
    return waiting, leases


def _jobs(prefix: str, offers: int, naive: bool) -> list[Job]:
    per = offers // PROCESSES + 1
    return [Job(REAL_REDIS_URL, prefix, w, TASKS, per, naive, 240.0) for w in range(PROCESSES)]


if REAL_REDIS_URL:

    @pytest.mark.real_redis
    @pytest.mark.slow
    @pytest.mark.timeout(600)
    def test_race_exactly_once_across_processes() -> None:
        prefix = f"race-{uuid.uuid4().hex[:8]}"
        asyncio.run(_prepare(prefix))
        tallies = race(_jobs(prefix, 100_000, naive=False))
        waiting, leases = asyncio.run(_final_state(prefix))
        assert sum(t.offers for t in tallies) >= 100_000
        assert sum(t.double_offers for t in tallies) == 0
        assert sum(t.double_booked for t in tallies) == 0
        assert sum(t.stale for t in tallies) == 0
        enqueued = [c for t in tallies for c in t.enqueued]
        completed = [c for t in tallies for c in t.completed]
        assert len(set(completed)) == len(completed)  # each call connected once
        assert set(enqueued) == set(completed) | set(waiting)  # none lost
        assert not set(completed) & set(waiting)
        assert leases == []  # no reservation left behind

    @pytest.mark.real_redis
    @pytest.mark.slow
    @pytest.mark.timeout(300)
    def test_race_harness_catches_a_naive_matcher() -> None:
        prefix = f"race-naive-{uuid.uuid4().hex[:8]}"
        tallies = race(_jobs(prefix, 20_000, naive=True))
        asyncio.run(_final_state(prefix))
        assert sum(t.double_offers for t in tallies) + sum(t.double_booked for t in tallies) > 0
