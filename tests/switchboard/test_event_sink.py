"""The router's stream consumed into SQL exactly once: duplicates, crashes, dead consumers,
a stream that does not exist yet, and Redis going away."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
import redis.asyncio as aioredis
from aiohttp import web
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.appkeys import CLOCK, KEYS, REDIS, SESSIONMAKER, Clock
from queues.call_records import cdr
from queues.call_records.router_events import RouterEventRow
from routing.keys import Keys
from routing.router import Router
from routing.rules import QueueRules
from switchboard.event_sink import EventSink, EventSinkContext, SinkPolicy

pytestmark = pytest.mark.timeout(30)

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
FAST = SinkPolicy(block_ms=20, backoff_first_s=0.001, backoff_max_s=0.01, claim_every_s=0)


def clock() -> datetime:
    return NOW


def sink(
    redis: aioredis.Redis,
    keys: Keys,
    sessionmaker: async_sessionmaker[AsyncSession],
    name: str,
    **policy: Any,
) -> EventSink:
    settings = {"block_ms": 20, "claim_every_s": 0, **policy}
    return EventSink(
        redis,
        keys,
        sessionmaker,
        clock=clock,
        consumer=name,
        policy=SinkPolicy(**settings),
        monotonic=lambda: 0.0,
    )


async def answered_call(redis: aioredis.Redis, keys: Keys, call_sid: str = "CA1") -> None:
    """The real router writes its events: queued, offered, connected, completed."""
    now = [1_795_000_000_000]
    router = Router(redis, keys, clock=lambda: now[0])
    await router.configure_queue(QueueRules("fault"))
    await router.login("a1", {"fault": 3})
    offer = (await router.enqueue(call_sid, "fault")).offer
    assert offer is not None
    now[0] += 8_000
    await router.accept(call_sid, offer.token)
    now[0] += 60_000
    await router.complete(call_sid, offer.token)


async def stream_length(redis: aioredis.Redis, keys: Keys) -> int:
    return int(await redis.xlen(keys.events()))


async def event_rows(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return int((await session.execute(select(func.count(RouterEventRow.id)))).scalar_one())


async def pending(redis: aioredis.Redis, keys: Keys, group: str = "cdr") -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = await redis.xpending_range(keys.events(), group, "-", "+", 100)
    return rows


async def test_a_stream_that_does_not_exist_yet(
    redis: aioredis.Redis, keys: Keys, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    consumer = sink(redis, keys, sessionmaker, "p1")
    assert await consumer.pump() == 0
    await answered_call(redis, keys)
    total = await stream_length(redis, keys)
    assert await consumer.pump() == total
    assert await event_rows(sessionmaker) == total
    assert await pending(redis, keys) == []
    async with sessionmaker() as session:
        record = await cdr.get(session, "CA1")
    assert record is not None
    assert (record.outcome, record.agent_id, record.agent_grade, record.wait_s, record.talk_s) == (
        "answered",
        "a1",
        3,
        8,
        60,
    )


async def test_events_before_the_first_consumer_are_consumed(
    redis: aioredis.Redis, keys: Keys, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await answered_call(redis, keys)
    assert await sink(redis, keys, sessionmaker, "p1").pump() == await stream_length(redis, keys)


async def test_crash_between_commit_and_ack_is_repaired_without_double_counting(
    redis: aioredis.Redis, keys: Keys, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await answered_call(redis, keys)
    total = await stream_length(redis, keys)
    crashed = sink(redis, keys, sessionmaker, "p1")
    await crashed.ensure_group()
    entries = await crashed._read(">", None)
    for entry_id, fields in entries:  # stored in SQL, then the process dies before XACK
        assert await crashed._store(entry_id, fields)
    assert len(await pending(redis, keys)) == total
    restarted = sink(redis, keys, sessionmaker, "p1")  # same name: reads its own pending
    assert await restarted.pump() == total
    assert restarted.stored == 0  # every write was a no-op
    assert await pending(redis, keys) == []
    assert await event_rows(sessionmaker) == total
    async with sessionmaker() as session:
        record = await cdr.get(session, "CA1")
    assert record is not None
    assert record.offers == 1


async def test_a_dead_consumers_entries_are_claimed_after_the_idle_time(
    redis: aioredis.Redis, keys: Keys, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await answered_call(redis, keys)
    total = await stream_length(redis, keys)
    dead = sink(redis, keys, sessionmaker, "dead")
    await dead.ensure_group()
    entries = await dead._read(">", None)
    assert await dead._store(*entries[0])  # one stored, none acknowledged: then it died
    patient = sink(redis, keys, sessionmaker, "patient", claim_idle_ms=3_600_000)
    assert await patient.pump() == 0  # not idle long enough: still the dead one's
    assert {p["consumer"] for p in await pending(redis, keys)} == {"dead"}
    heir = sink(redis, keys, sessionmaker, "heir", claim_idle_ms=0)
    assert await heir.pump() == total
    assert heir.stored == total - 1
    assert await pending(redis, keys) == []
    assert await event_rows(sessionmaker) == total


async def test_duplicate_delivery_to_two_consumers_writes_once(
    redis: aioredis.Redis, keys: Keys, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await answered_call(redis, keys)
    total = await stream_length(redis, keys)
    one = sink(redis, keys, sessionmaker, "one")
    two = sink(redis, keys, sessionmaker, "two")
    await one.ensure_group()
    entries = await one._read(">", None)
    # A slow consumer's entries were claimed by another while it was still writing them.
    await asyncio.gather(one.handle(entries), two.handle(entries))
    assert one.stored + two.stored == total
    assert await event_rows(sessionmaker) == total


async def test_unreadable_entries_are_set_aside_and_acknowledged(
    redis: aioredis.Redis, keys: Keys, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await redis.xadd(keys.events(), {"ev": "SOMETHINGNEW", "t": "1795000000000", "call": "CA9"})
    await redis.xadd(keys.events(), {"ev": "ABANDON", "t": "soon"})
    assert await sink(redis, keys, sessionmaker, "p1").pump() == 2
    async with sessionmaker() as session:
        rows = list((await session.execute(select(RouterEventRow))).scalars())
    assert sorted(row.name for row in rows) == ["ABANDON", "SOMETHINGNEW"]
    assert all(row.error.startswith("unreadable") for row in rows)
    assert await pending(redis, keys) == []


class FlakyRedis:
    """Redis that is down for the first `failures` reads, then comes back empty."""

    def __init__(self, real: aioredis.Redis, failures: int) -> None:
        self._real = real
        self.failures = failures

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    async def xreadgroup(self, *args: Any, **kwargs: Any) -> Any:
        if self.failures > 0:
            self.failures -= 1
            raise RedisConnectionError("Connection refused")
        return await self._real.xreadgroup(*args, **kwargs)


async def test_redis_outage_and_lost_stream_are_retried(
    redis: aioredis.Redis, keys: Keys, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    flaky = FlakyRedis(redis, failures=3)
    consumer = EventSink(
        flaky,  # type: ignore[arg-type]
        keys,
        sessionmaker,
        clock=clock,
        consumer="p1",
        policy=FAST,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:
        await answered_call(redis, keys, "CA1")
        first = await stream_length(redis, keys)
        await asyncio.wait_for(consumer.wait_stored(first), 10)
        assert flaky.failures == 0
        await redis.delete(keys.events())  # Redis restarted without its data: no group
        await answered_call(redis, keys, "CA2")
        second = await stream_length(redis, keys)
        await asyncio.wait_for(consumer.wait_stored(first + second), 10)
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
    async with sessionmaker() as session:
        both = [await cdr.get(session, sid) for sid in ("CA1", "CA2")]
    assert [r.outcome if r else None for r in both] == ["answered", "answered"]


@pytest.fixture
async def running_app(
    redis: aioredis.Redis, keys: Keys, sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[EventSinkContext]:
    app = web.Application()
    app[REDIS] = redis
    app[KEYS] = keys
    app[SESSIONMAKER] = sessionmaker
    now: Clock = clock
    app[CLOCK] = now
    context = EventSinkContext(consumer="app-1", policy=FAST)
    app.cleanup_ctx.append(context)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        yield context
    finally:
        await asyncio.wait_for(runner.cleanup(), 5)


async def test_the_cleanup_context_runs_the_sink_in_the_background(
    running_app: EventSinkContext, redis: aioredis.Redis, keys: Keys
) -> None:
    assert running_app.sink is not None
    await answered_call(redis, keys)
    await asyncio.wait_for(running_app.sink.wait_stored(await stream_length(redis, keys)), 10)
