"""Per-call facts in Redis: one operation per step, idempotent, batched per event-loop turn,
on fakeredis and real Redis."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from ivr.calls import CALL_TTL_SECONDS, ENDED_TTL_SECONDS, CallFacts, CallState, Recorded
from routing.keys import Keys

FACTS = CallFacts(
    call_sid="CA" + "a" * 32,
    hotline_id="95598",
    version=3,
    caller="+8613800138000",
    dialled="95598",
    vip_class="gold",
    arrived_ms=1_764_000_000_000,
)


async def test_first_facts_are_kept_and_retries_get_them_back(
    redis: aioredis.Redis, keys: Keys
) -> None:
    calls = CallState(redis, keys)
    assert await calls.arrive(FACTS, path="VIP", queue="vip") == FACTS
    later = CallFacts(**{**FACTS.__dict__, "version": 4, "arrived_ms": FACTS.arrived_ms + 9})
    assert await calls.arrive(later) == FACTS
    facts, fields = await calls.facts(FACTS.call_sid)
    assert facts == FACTS
    assert (fields["path"], fields["queue"]) == ("VIP", "vip")
    ttl = await redis.ttl(keys.call(FACTS.call_sid))
    assert 0 < ttl <= CALL_TTL_SECONDS


async def test_choices_build_the_path_and_a_later_choice_wins(
    redis: aioredis.Redis, keys: Keys
) -> None:
    calls = CallState(redis, keys)
    await calls.arrive(FACTS)
    sid = FACTS.call_sid
    first = await calls.record(sid, choice=(0, "2 电费缴费及账单"))
    assert first == Recorded(None, "gold")  # no path asked for; the VIP class comes back
    await calls.record(sid, choice=(0, "1 故障报修"))  # went back, chose again
    recorded = await calls.record(sid, choice=(1, "1 停电"), path_depth=2, queue="fault")
    path = recorded.path
    assert path == "1 故障报修 > 1 停电"
    again = await calls.record(sid, choice=(1, "1 停电"), path_depth=2, queue="fault")
    assert again.path == path  # a retried webhook changes nothing
    _, fields = await calls.facts(sid)
    assert (fields["path"], fields["queue"]) == (path, "fault")


async def test_path_without_choices_is_empty_and_fields_update(
    redis: aioredis.Redis, keys: Keys
) -> None:
    calls = CallState(redis, keys)
    await calls.arrive(FACTS)
    assert (await calls.record(FACTS.call_sid, path_depth=0, outcome="queued")).path == ""
    await calls.update(FACTS.call_sid, outcome="abandoned", waited_s="42")
    _, fields = await calls.facts(FACTS.call_sid)
    assert (fields["outcome"], fields["waited_s"]) == ("abandoned", "42")


async def test_unknown_call_has_no_facts(redis: aioredis.Redis, keys: Keys) -> None:
    facts, fields = await CallState(redis, keys).facts("CA" + "0" * 32)
    assert facts is None
    assert fields == {}


async def test_concurrent_calls_each_get_their_own_facts(redis: aioredis.Redis, keys: Keys) -> None:
    calls = CallState(redis, keys)
    many = [replace(FACTS, call_sid=f"CA{n:032x}", caller=f"+86138{n:08d}") for n in range(5)]
    assert await asyncio.gather(*(calls.arrive(facts) for facts in many)) == many
    steps = [
        calls.record(f.call_sid, choice=(0, f"{n} 菜单"), path_depth=1) for n, f in enumerate(many)
    ]
    recorded = await asyncio.gather(*steps)
    assert [r.path for r in recorded] == [f"{n} 菜单" for n in range(5)]


async def test_a_failing_operation_fails_only_its_caller(redis: aioredis.Redis, keys: Keys) -> None:
    calls = CallState(redis, keys)
    broken = replace(FACTS, call_sid="CA" + "b" * 32)
    await redis.set(keys.call(broken.call_sid), "not a hash")
    outcomes = await asyncio.gather(
        calls.arrive(broken), calls.arrive(FACTS), return_exceptions=True
    )
    assert isinstance(outcomes[0], ResponseError)
    assert outcomes[1] == FACTS


async def test_an_ended_call_is_remembered_apart_from_its_facts(
    redis: aioredis.Redis, keys: Keys
) -> None:
    calls = CallState(redis, keys)
    await calls.arrive(FACTS)
    assert not await calls.has_ended(FACTS.call_sid)
    await calls.end(FACTS.call_sid)
    await calls.end(FACTS.call_sid)  # a retried end changes nothing
    await redis.delete(keys.call(FACTS.call_sid))  # the facts go first
    assert await calls.has_ended(FACTS.call_sid)
    assert not await calls.has_ended("CA" + "b" * 32)
    ttl = await redis.ttl(keys.ended_call(FACTS.call_sid))
    assert CALL_TTL_SECONDS < ttl <= ENDED_TTL_SECONDS
