"""The server's Redis client through Sentinel (`REDIS_URL=redis+sentinel://...`): it finds
the primary, rides out a failover (SIGKILL of the primary, or a demotion that answers
READONLY), and the router's function library works on the new primary."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis
from redis.asyncio.sentinel import SentinelConnectionPool

from hotline.contexts import connect_redis
from routing.keys import Keys
from routing.router import Router
from tests.faults.sentinel_set import MASTER, SentinelSet

pytestmark = [pytest.mark.faults, pytest.mark.timeout(120)]


async def on_node(port: int, key: str) -> tuple[str | None, str]:
    """`key`'s value on the node at `port`, read there directly, and that node's role."""
    node = aioredis.Redis(port=port, decode_responses=True)
    try:
        value = await node.get(key)
        return (None if value is None else str(value)), str(
            (await node.info("replication"))["role"]
        )
    finally:
        await node.aclose()


async def test_the_client_follows_the_primary_through_a_sigkill(sentinel_set: SentinelSet) -> None:
    client = connect_redis(sentinel_set.url)
    router = Router(client, Keys("sentinel-client"))
    try:
        await router.login("a1", {"billing": 3})
        await client.set("before", "kept")
        assert await client.wait(1, 5000) == 1  # the replica has both
        await sentinel_set.primary.kill()
        loop = asyncio.get_running_loop()
        killed_at = loop.time()
        # Issued at once: retried until the sentinels name the replica primary.
        assert await client.get("before") == "kept"
        answered_after = loop.time() - killed_at
        assert await sentinel_set.primary_port() == sentinel_set.replica.port
        # The router's library came over with the data: its calls run on the new primary.
        await router.set_offline("a1")
        await router.login("a1", {"billing": 3})
        snapshot = await router.agent("a1")
        assert snapshot is not None
        await client.set("after", "written")
    finally:
        await client.aclose()
    assert await on_node(sentinel_set.replica.port, "after") == ("written", "master")
    assert answered_after < 15


async def test_a_manual_failover_leaves_writes_going_to_the_new_primary(
    sentinel_set: SentinelSet,
) -> None:
    """`SENTINEL FAILOVER` (maintenance): the primary is demoted, its clients cut off."""
    client = connect_redis(sentinel_set.url)
    old_primary = sentinel_set.primary.port
    try:
        await client.set("k", "1")  # the pool holds a connection to the old primary
        watcher = aioredis.Redis(port=sentinel_set.sentinels[0].port, decode_responses=True)
        try:
            await watcher.sentinel_failover(MASTER)
        finally:
            await watcher.aclose()
        await sentinel_set.until_promoted()
        demoted = aioredis.Redis(port=old_primary, decode_responses=True)
        try:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 20
            while (await demoted.info("replication"))["role"] != "slave":
                assert loop.time() < deadline, "the old primary was never demoted"
                await asyncio.sleep(0.05)
        finally:
            await demoted.aclose()
        # The pool's connection was to the demoted node, which the sentinels cut off: the
        # write connects again, to the node they name now.
        await client.set("k", "2")
    finally:
        await client.aclose()
    assert await on_node(sentinel_set.replica.port, "k") == ("2", "master")


async def test_a_node_answering_readonly_is_left_for_the_one_the_sentinels_name_next(
    sentinel_set: SentinelSet,
) -> None:
    """A connection made to a node that is (by now) a replica gets READONLY for a write: it
    is dropped and the write retried where the sentinels point next, here the primary."""
    client = connect_redis(sentinel_set.url)
    pool = client.connection_pool
    assert isinstance(pool, SentinelConnectionPool)
    manager = pool.sentinel_manager
    named = [("127.0.0.1", sentinel_set.replica.port), ("127.0.0.1", sentinel_set.primary.port)]
    asked: list[tuple[str, int]] = []

    async def stale_then_fresh(service: str) -> tuple[str, int]:
        assert service == MASTER
        asked.append(named[min(len(asked), 1)])
        return asked[-1]

    manager.discover_master = stale_then_fresh
    try:
        try:
            await client.set("k", "written")
        except Exception as e:
            raise AssertionError(asked) from e
    finally:
        await client.aclose()
    assert asked[:2] == named, asked
    assert await on_node(sentinel_set.primary.port, "k") == ("written", "master")
