"""Two routers (two clients, as two servers) and a third writer of the router's keys always
agree: after any write, whoever made it, the next offer follows what Redis holds now."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, cast

import pytest
import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from routing.keys import Keys
from routing.lua import register
from routing.offer import Enqueued, EnqueueStatus, Offer
from routing.router import Router
from routing.rules import Backoff, EmptyRule, QueueRules
from routing.trace import GradeCandidates, PassedOver, PassReason
from tests.routing.conftest import Clock

SAMPLE = 3
RULES = QueueRules("q", wrap_up_s=0, backoff=Backoff(0, 0, 0))  # one step, grades 1-4
STAFF = {"j1": 1, "j2": 1, "s3": 3, "e4": 4, "e5": 4}
_REASONS = {r.value: r for r in PassReason}


def client_like(redis: aioredis.Redis, **change: Any) -> aioredis.Redis:
    """Another client of the same server as `redis` (fake or real), with its own pool."""
    pool = redis.connection_pool
    settings: dict[str, Any] = {**pool.connection_kwargs, **change}
    return aioredis.Redis(
        connection_pool=type(pool)(connection_class=pool.connection_class, **settings)
    )


@pytest.fixture
async def writer(redis: aioredis.Redis) -> AsyncIterator[aioredis.Redis]:
    """A third party writing the router's keys with plain commands (an admin tool, say)."""
    client = client_like(redis)
    try:
        yield client
    finally:
        await client.aclose(close_connection_pool=True)  # a pool handed in stays open otherwise


@pytest.fixture
async def routers(
    redis: aioredis.Redis, keys: Keys, clock: Clock
) -> AsyncIterator[tuple[Router, Router]]:
    other = client_like(redis)
    try:
        first = Router(redis, keys, clock=clock, trace_sample=SAMPLE)
        yield first, Router(other, keys, clock=clock, trace_sample=SAMPLE)
    finally:
        await other.aclose(close_connection_pool=True)


async def expected_offer(redis: aioredis.Redis, keys: Keys, now: int) -> tuple[Any, ...]:
    """What an offer made now in queue q must say, read from Redis as it is: the agent first
    in the idle set of the first grade in the plan's direction, each grade's counts from
    the census and the idle sets, and the agents the census samples with their states."""
    rules = cast(dict[str, str], await redis.hgetall(keys.queue("q")))
    census = cast(dict[str, str], await redis.hgetall(keys.census("q")))
    low, high, _ = (int(part) for part in rules["steps"].split(":"))
    low = max(low, int(rules["floor"]))
    order = range(low, high + 1)
    if rules["dir"] == "best_first_relax_down":
        order = range(high, low - 1, -1)
    chosen, grade = "", 0
    for g in order:
        first = cast(list[str], await redis.zrange(keys.idle("q", g), 0, 0))
        if first:
            chosen, grade = first[0], g
            break
    candidates, passed = [], []
    for g in range(1, 5):
        logged_in, on_break = int(census.get(f"m{g}", 0)), int(census.get(f"b{g}", 0))
        idle = 0
        if logged_in > on_break:
            idle = await redis.zcard(keys.idle("q", g)) - (g == grade)
        candidates.append(GradeCandidates(g, low <= g <= high, logged_in, on_break, idle))
        names = census.get(f"s{g}", "").split() if logged_in else []
        for name in [n for n in names if n != chosen][:SAMPLE]:
            if not low <= g <= high:
                passed.append(PassedOver(name, g, PassReason.GRADE))
                continue
            state = cast(str | None, await redis.hget(keys.agent_states(), name))
            if state is None:  # as an older record keeps it: in the agent's hash
                st, bo = cast(list[str | None], await redis.hmget(keys.agent(name), ["st", "bo"]))
                state = (bo or "0") if st == "ready" else (st or "offline")
            why = _REASONS.get(state) or (
                PassReason.BACK_OFF if int(state) > now else PassReason.RANKED_LOWER
            )
            passed.append(PassedOver(name, g, why))
    return chosen, grade, (low, high), tuple(candidates), tuple(passed)


def said(offer: Offer) -> tuple[Any, ...]:
    trace = offer.trace
    return offer.agent_id, trace.chosen_grade, trace.grades, trace.candidates, trace.passed_over


class Turns:
    """Calls offered by the two routers in turn, each checked against Redis, then answered
    and completed by the other router, which makes its agent ready again."""

    def __init__(self, routers: tuple[Router, Router], writer: aioredis.Redis, keys: Keys):
        self.routers, self.writer, self.keys = routers, writer, keys
        self.made = 0

    async def offer(self) -> Offer:
        router, other = self.routers[self.made % 2], self.routers[1 - self.made % 2]
        self.made += 1
        now = router.clock()
        expected = await expected_offer(self.writer, self.keys, now)
        offer = (await router.enqueue(f"c{self.made}", "q", now=now)).offer
        assert offer is not None
        assert said(offer) == expected
        await other.accept(offer.call_id, offer.token)
        await other.complete(offer.call_id, offer.token)
        return offer


async def test_offers_follow_every_write_whoever_made_it(
    routers: tuple[Router, Router], writer: aioredis.Redis, keys: Keys, clock: Clock
) -> None:
    first, second = routers
    await first.configure_queue(RULES)
    for agent, grade in STAFF.items():
        await second.login(agent, {"q": grade}, now=clock.advance(1))
    turns = Turns(routers, writer, keys)
    assert (await turns.offer()).agent_id == "j1"  # cheapest first, longest idle
    assert (await turns.offer()).agent_id == "j2"

    await writer.hset(keys.queue("q"), "dir", "best_first_relax_down")
    assert (await turns.offer()).agent_id == "e4"

    await writer.hincrby(keys.census("q"), "m3", 2)  # counted by someone else
    await writer.hincrby(keys.census("q"), "b3", 1)
    assert (await turns.offer()).trace.candidates[2][2:4] == (3, 1)

    await writer.hset(keys.agent_states(), "s3", "break")
    assert ("s3", 3, PassReason.BREAK) in (await turns.offer()).trace.passed_over

    await writer.zrem(keys.idle("q", 4), "e4")  # taken out of the idle set
    offer = await turns.offer()
    assert offer.agent_id == "e5"
    assert offer.trace.candidates[3].idle == 0
    await writer.zadd(keys.idle("q", 4), {"e4": 1})
    assert (await turns.offer()).agent_id == "e4"

    await writer.hset(keys.census("q"), "s1", "zz j2")  # the trace's sample of grade 1
    assert (await turns.offer()).trace.passed_over[:2] == (
        ("zz", 1, PassReason.OFFLINE),
        ("j2", 1, PassReason.RANKED_LOWER),
    )

    # j1 leaves the queue, as an admin tool that knows the keys would take it out.
    await writer.hdel(keys.skills("j1"), "q")
    await writer.zrem(keys.idle("q", 1), "j1")
    await writer.zrem(keys.staff("q", 1), "j1")
    await writer.hincrby(keys.census("q"), "m1", -1)
    await writer.hset(keys.census("q"), "s1", "j2")
    await writer.hset(keys.queue("q"), "dir", "cheapest_first_escalate_up")
    assert [(await turns.offer()).agent_id for _ in range(3)] == ["j2", "j2", "j2"]

    await writer.delete(keys.census("q"))
    offer = await turns.offer()
    assert [c.logged_in for c in offer.trace.candidates] == [0, 0, 0, 0]
    assert offer.trace.passed_over == ()

    await writer.hset(keys.queue("q"), "steps", "3:4:0")  # a plan of one step, grades 3-4
    assert (await turns.offer()).trace.grades == (3, 4)

    await writer.hset(keys.queue("q"), "join", EmptyRule.NO_AGENTS.value)  # nobody counted
    assert (await first.enqueue("refused", "q")).status is EnqueueStatus.EMPTY
    assert (await second.enqueue("refused", "q")).status is EnqueueStatus.EMPTY

    await writer.delete(keys.queue("q"))
    assert (await first.enqueue("lost", "q")).status is EnqueueStatus.UNKNOWN_QUEUE
    assert (await second.enqueue("lost", "q")).status is EnqueueStatus.UNKNOWN_QUEUE


async def test_rules_written_by_either_router_apply_to_the_other(
    routers: tuple[Router, Router],
) -> None:
    first, second = routers
    await first.configure_queue(QueueRules("billing"))
    assert (await second.enqueue("c1", "billing")).status is EnqueueStatus.QUEUED
    await second.configure_queue(QueueRules("billing", max_size=1))
    assert (await first.enqueue("c2", "billing")).status is EnqueueStatus.FULL
    await first.configure_queue(QueueRules("billing", max_size=2))
    assert (await second.enqueue("c2", "billing")).status is EnqueueStatus.QUEUED


async def test_an_operation_failing_half_way_leaves_its_batch_reading_redis(
    router: Router, redis: aioredis.Redis, writer: aioredis.Redis, keys: Keys
) -> None:
    """The operations of one batch share what they read; one that fails after some writes
    leaves what is shared as Redis holds it, for the operations after it."""
    await router.configure_queue(QueueRules("q", join_empty=EmptyRule.NO_AGENTS))
    await router.configure_queue(QueueRules("bad"))
    await writer.set(keys.staff("bad", 2), "not a sorted set")
    before, login, after = await asyncio.gather(
        router.enqueue("c0", "q"),
        router.login("x", {"q": 2, "bad": 2}),  # counted in q, then fails on bad's staff
        router.enqueue("c1", "q"),
        return_exceptions=True,
    )
    assert isinstance(login, ResponseError)
    assert isinstance(before, Enqueued)
    assert isinstance(after, Enqueued)
    assert await redis.hget(keys.census("q"), "m2") == "1"
    assert (before.status, after.status) == (EnqueueStatus.EMPTY, EnqueueStatus.QUEUED)
    assert (await router.enqueue("c2", "q")).status is EnqueueStatus.QUEUED


async def delete_namespace(redis: aioredis.Redis, keys: Keys) -> None:
    async for key in redis.scan_iter(match=keys.pattern(), count=1000):
        await redis.delete(key)


@pytest.fixture
async def other_database(redis: aioredis.Redis, keys: Keys) -> AsyncIterator[aioredis.Redis]:
    """The same Redis server as `redis`, database 1 (the same Lua, so the same library)."""
    other = client_like(redis, db=1)
    try:
        yield other
    finally:
        await delete_namespace(other, keys)
        await other.aclose(close_connection_pool=True)


async def test_one_prefix_in_two_databases_is_kept_apart(
    redis: aioredis.Redis, other_database: aioredis.Redis, keys: Keys, clock: Clock
) -> None:
    staffed, unstaffed = Router(redis, keys, clock=clock), Router(other_database, keys, clock=clock)
    for router in (staffed, unstaffed):
        await router.configure_queue(QueueRules("fault", join_empty=EmptyRule.NO_AGENTS))
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
