"""What the router's library keeps from one call to the next (queue rules, census, idle
counts, sampled states) never outlives a write it did not make itself."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as aioredis

from routing.keys import Keys
from routing.lua import register
from routing.offer import EnqueueStatus
from routing.router import Router
from routing.rules import EmptyRule, QueueRules
from tests.routing.conftest import Clock

EMPTY_WHEN_UNSTAFFED = QueueRules("fault", join_empty=EmptyRule.NO_AGENTS)


async def delete_namespace(redis: aioredis.Redis, keys: Keys, *, but: str = "") -> None:
    async for key in redis.scan_iter(match=keys.pattern(), count=1000):
        if key != but:
            await redis.delete(key)


async def test_a_reconfigured_queue_applies_to_the_next_call(router: Router) -> None:
    await router.configure_queue(QueueRules("billing"))
    assert (await router.enqueue("c1", "billing")).status is EnqueueStatus.QUEUED
    await router.configure_queue(QueueRules("billing", max_size=1))
    assert (await router.enqueue("c2", "billing")).status is EnqueueStatus.FULL


async def test_keys_deleted_behind_its_back_are_read_afresh(
    redis: aioredis.Redis, keys: Keys, router: Router
) -> None:
    await router.configure_queue(EMPTY_WHEN_UNSTAFFED)
    await router.login("a1", {"fault": 2})
    assert (await router.enqueue("c1", "fault")).offer is not None  # a1 counted and kept
    # Everything but the rules is lost (a flush and a restore of the rules, say).
    await delete_namespace(redis, keys, but=keys.queue("fault"))
    assert (await router.enqueue("c2", "fault")).status is EnqueueStatus.EMPTY


@pytest.fixture
async def other_database(redis: aioredis.Redis, keys: Keys) -> AsyncIterator[aioredis.Redis]:
    """The same Redis server as `redis`, database 1 (the same Lua, so the same library)."""
    pool = redis.connection_pool
    settings: dict[str, Any] = {**pool.connection_kwargs, "db": 1}
    other = aioredis.Redis(
        connection_pool=type(pool)(connection_class=pool.connection_class, **settings)
    )
    try:
        yield other
    finally:
        await delete_namespace(other, keys)
        await other.aclose(close_connection_pool=True)  # a pool handed in stays open otherwise


async def test_one_prefix_in_two_databases_is_kept_apart(
    redis: aioredis.Redis, other_database: aioredis.Redis, keys: Keys, clock: Clock
) -> None:
    staffed, unstaffed = Router(redis, keys, clock=clock), Router(other_database, keys, clock=clock)
    for router in (staffed, unstaffed):
        await router.configure_queue(EMPTY_WHEN_UNSTAFFED)
    await staffed.login("a1", {"fault": 2})
    for n in range(3):
        assert (await staffed.enqueue(f"s{n}", "fault")).status is EnqueueStatus.QUEUED
        assert (await unstaffed.enqueue(f"u{n}", "fault")).status is EnqueueStatus.EMPTY


async def test_a_library_deleted_from_redis_is_loaded_again(
    redis: aioredis.Redis, router: Router
) -> None:
    await router.configure_queue(QueueRules("fault"))
    await router.login("a1", {"fault": 2})
    await redis.function_delete(register(redis).function)
    assert (await router.enqueue("c1", "fault")).offer is not None
