"""A call's end says how long a wrap-up the agent enters, for the reports' wrap-up time."""

from __future__ import annotations

import redis.asyncio as aioredis

from routing.events import EventName, read_events
from routing.keys import Keys
from routing.router import Router
from routing.rules import QueueRules
from tests.routing.conftest import Clock


async def completion_wrap_ms(redis: aioredis.Redis, keys: Keys) -> list[str]:
    events = await read_events(redis, keys)
    return [e.data["wrap_ms"] for e in events if e.name is EventName.COMPLETECALLER]


async def test_the_queues_wrap_up_or_none_when_the_agent_is_on_break(
    router: Router, clock: Clock, redis: aioredis.Redis, keys: Keys
) -> None:
    await router.configure_queue(QueueRules("q", wrap_up_s=15))
    await router.login("a", {"q": 2})
    first = (await router.enqueue("c1", "q")).offer
    assert first is not None
    await router.accept("c1", first.token, now=clock.advance(1))
    await router.complete("c1", first.token, by_caller=True, now=clock.advance(60))
    # Back from wrap-up, a second call; the agent starts a break while still talking.
    await router.tick(clock.advance(16))
    second = (await router.enqueue("c2", "q")).offer
    assert second is not None
    assert second.agent_id == "a"
    await router.accept("c2", second.token, now=clock.advance(1))
    await router.set_break("a", "lunch")
    await router.complete("c2", second.token, by_caller=True, now=clock.advance(30))
    assert await completion_wrap_ms(redis, keys) == ["15000", "0"]
