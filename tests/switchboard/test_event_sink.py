"""The router's stream consumed into SQL exactly once: duplicates, crashes, dead consumers,
a stream that does not exist yet, Redis going away, and stopping mid-read or mid-write."""

from __future__ import annotations

import asyncio
import time
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
from hotline.background import stop_task
from hotline.sink_context import EventSinkContext
from queues.call_records import cdr
from queues.call_records.router_events import RouterEventRow
from routing.keys import Keys
from routing.router import Router
from routing.rules import QueueRules
from switchboard.event_sink import EventSink, SinkPolicy

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
        assert await crashed.writer.store(entry_id, fields)
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
    assert await dead.writer.store(*entries[0])  # one stored, none acknowledged: then it died
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


class BlockingReads:
    """Redis that says when the sink is waiting in a blocking read of new entries; with
    `then_hang`, the read takes the entries from Redis and then never returns (the stop
    comes after Redis handed them over, before the sink stored them)."""

    def __init__(self, real: aioredis.Redis, *, then_hang: bool = False) -> None:
        self._real = real
        self._then_hang = then_hang
        self.waiting = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    async def xreadgroup(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("block") is None:
            return await self._real.xreadgroup(*args, **kwargs)
        if self._then_hang:
            await self._real.xreadgroup(*args, **{**kwargs, "block": None})
            self.waiting.set()
            await asyncio.Event().wait()
        self.waiting.set()
        return await self._real.xreadgroup(*args, **kwargs)


async def app_with_sink(
    redis: Any, keys: Keys, sessionmaker: async_sessionmaker[AsyncSession], policy: SinkPolicy
) -> web.AppRunner:
    app = web.Application()
    app[REDIS] = redis
    app[KEYS] = keys
    app[SESSIONMAKER] = sessionmaker
    now: Clock = clock
    app[CLOCK] = now
    app.cleanup_ctx.append(EventSinkContext(consumer="p1", policy=policy))
    runner = web.AppRunner(app)
    await runner.setup()
    return runner


async def cleanup_seconds(runner: web.AppRunner) -> float:
    started = time.monotonic()
    await runner.cleanup()
    return time.monotonic() - started


async def test_the_context_stops_at_once_while_its_read_blocks(
    redis: aioredis.Redis, keys: Keys, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    reads = BlockingReads(redis)
    runner = await app_with_sink(reads, keys, sessionmaker, SinkPolicy(block_ms=60_000))
    await asyncio.wait_for(reads.waiting.wait(), 10)
    assert await cleanup_seconds(runner) < 1.0  # the read would block for a minute


async def test_a_stop_ends_the_wait_for_new_entries_without_a_cancel(
    redis: aioredis.Redis, keys: Keys, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    reads = BlockingReads(redis)
    consumer = sink(reads, keys, sessionmaker, "p1", block_ms=60_000)  # type: ignore[arg-type]
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    await asyncio.wait_for(reads.waiting.wait(), 10)
    started = time.monotonic()
    await stop_task(task, stop, grace_s=30)
    assert time.monotonic() - started < 1.0  # neither the minute's read nor the grace
    assert not task.cancelled()


async def test_entries_taken_by_a_read_cut_short_stay_pending_for_a_claim(
    redis: aioredis.Redis, keys: Keys, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await answered_call(redis, keys)
    total = await stream_length(redis, keys)
    reads = BlockingReads(redis, then_hang=True)
    runner = await app_with_sink(reads, keys, sessionmaker, SinkPolicy(block_ms=60_000))
    await asyncio.wait_for(reads.waiting.wait(), 10)
    assert await cleanup_seconds(runner) < 1.0
    assert await event_rows(sessionmaker) == 0
    assert [(p["consumer"], p["times_delivered"]) for p in await pending(redis, keys)] == [
        ("p1", 1)
    ] * total
    heir = sink(redis, keys, sessionmaker, "heir", claim_idle_ms=0)
    assert await heir.pump() == total
    assert heir.stored == total
    assert await pending(redis, keys) == []
    assert await event_rows(sessionmaker) == total


class GatedSessions:
    """A sessionmaker whose sessions stop before their `gate_at`-th statement until `gate`
    opens; `reached` is set when one is stopped there."""

    def __init__(self, real: async_sessionmaker[AsyncSession], gate_at: int) -> None:
        self._real = real
        self.gate_at = gate_at
        self.statements = 0
        self.gate = asyncio.Event()
        self.reached = asyncio.Event()

    def __call__(self) -> GatedSession:
        return GatedSession(self._real(), self)


class GatedSession:
    def __init__(self, real: AsyncSession, sessions: GatedSessions) -> None:
        self._real = real
        self._sessions = sessions

    async def __aenter__(self) -> GatedSession:
        await self._real.__aenter__()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self._real.__aexit__(*exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        sessions = self._sessions
        sessions.statements += 1
        if sessions.statements == sessions.gate_at:
            sessions.reached.set()
            await sessions.gate.wait()
        return await self._real.execute(*args, **kwargs)


async def test_a_write_in_flight_at_a_stop_is_finished_within_the_grace(
    redis: aioredis.Redis, keys: Keys, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await answered_call(redis, keys)
    total = await stream_length(redis, keys)
    gated = GatedSessions(sessionmaker, gate_at=3)  # the batch's transaction has begun
    consumer = sink(redis, keys, gated, "p1")  # type: ignore[arg-type]
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    await asyncio.wait_for(gated.reached.wait(), 10)
    stopping = asyncio.create_task(stop_task(task, stop, grace_s=10))
    await stop.wait()
    gated.gate.set()  # the write ends within the grace
    await stopping
    assert not task.cancelled()  # it returned on its own, after storing and acknowledging
    assert await pending(redis, keys) == []
    assert await event_rows(sessionmaker) == total


async def test_a_write_cut_short_at_a_stop_is_rolled_back_and_stays_pending(
    redis: aioredis.Redis, keys: Keys, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await answered_call(redis, keys)
    total = await stream_length(redis, keys)
    gated = GatedSessions(sessionmaker, gate_at=3)  # two statements already in the batch
    consumer = sink(redis, keys, gated, "p1")  # type: ignore[arg-type]
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    await asyncio.wait_for(gated.reached.wait(), 10)
    started = time.monotonic()
    await stop_task(task, stop, grace_s=0.2)  # the gate never opens: the grace runs out
    assert time.monotonic() - started < 1.0
    assert task.cancelled()
    assert await event_rows(sessionmaker) == 0  # nothing of the batch was kept
    async with sessionmaker() as session:
        assert await cdr.get(session, "CA1") is None
    assert len(await pending(redis, keys)) == total
    heir = sink(redis, keys, sessionmaker, "heir", claim_idle_ms=0)
    assert await heir.pump() == total
    assert heir.stored == total
    assert await event_rows(sessionmaker) == total
    async with sessionmaker() as session:
        record = await cdr.get(session, "CA1")
    assert record is not None
    assert (record.outcome, record.offers) == ("answered", 1)


class FailsOnceUnexpectedly:
    """Redis whose first read fails with an error nobody planned for."""

    def __init__(self, real: aioredis.Redis) -> None:
        self._real = real
        self.failed = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    async def xreadgroup(self, *args: Any, **kwargs: Any) -> Any:
        if not self.failed:
            self.failed = True
            raise TypeError("unexpected reply shape")
        return await self._real.xreadgroup(*args, **kwargs)


async def test_the_loop_lives_through_an_unexpected_error(
    redis: aioredis.Redis,
    keys: Keys,
    sessionmaker: async_sessionmaker[AsyncSession],
    caplog: pytest.LogCaptureFixture,
) -> None:
    failing = FailsOnceUnexpectedly(redis)
    runner = await app_with_sink(failing, keys, sessionmaker, FAST)
    try:
        await answered_call(redis, keys)
        total = await stream_length(redis, keys)
        context = runner.app.cleanup_ctx[0]
        assert isinstance(context, EventSinkContext)
        assert context.sink is not None
        await asyncio.wait_for(context.sink.wait_stored(total), 10)
    finally:
        await runner.cleanup()
    assert failing.failed
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == [
        "event sink: unexpected failure; retrying in 0.0s"
    ]
