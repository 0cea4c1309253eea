"""The race harness: OS processes × asyncio tasks drive offers through a matcher on real
Redis while an independent checker catches double offers and double-booked agents."""

from __future__ import annotations

import asyncio
import multiprocessing
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, cast

import redis.asyncio as aioredis

from routing.keys import Keys
from routing.offer import OfferResult, ReleaseCause
from routing.router import Router
from routing.rules import Backoff, QueueRules

QUEUE = "race"
RULES = QueueRules(QUEUE, wrap_up_s=0, backoff=Backoff(0, 0, 0))


@dataclass(frozen=True)
class Job:
    url: str
    prefix: str
    worker: int
    tasks: int
    offers: int  # this process stops after about this many offers
    naive: bool
    seconds: float  # hard time bound


@dataclass(frozen=True)
class Tally:
    offers: int
    enqueued: list[str]
    completed: list[str]
    double_offers: int
    double_booked: int
    stale: int


class Matcher(Protocol):
    async def enqueue(self, call: str) -> list[tuple[str, str, int]]: ...
    async def settle(
        self, call: str, agent: str, token: int, ok: bool
    ) -> list[tuple[str, str, int]]: ...


class RouterMatcher:
    """The real router: one Lua script per change."""

    def __init__(self, router: Router) -> None:
        self.router = router
        self.stale = 0

    async def enqueue(self, call: str) -> list[tuple[str, str, int]]:
        out = await self.router.enqueue(call, QUEUE)
        return [(out.offer.call_id, out.offer.agent_id, out.offer.token)] if out.offer else []

    async def settle(
        self, call: str, agent: str, token: int, ok: bool
    ) -> list[tuple[str, str, int]]:
        if not ok:
            out = await self.router.release(call, token, ReleaseCause.FAILED)
        else:
            accepted = await self.router.accept(call, token)
            if accepted.result is not OfferResult.ACCEPTED:
                self.stale += 1
                return []
            out = await self.router.complete(call, token)
        if out.result not in (OfferResult.RELEASED, OfferResult.COMPLETED):
            self.stale += 1
        return [(o.call_id, o.agent_id, o.token) for o in out.offers]


class NaiveMatcher:
    """Deliberately wrong: reads the head call and an idle agent, then writes (no script)."""

    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self.redis, self.keys = redis, keys
        self.stale = 0

    async def match(self) -> list[tuple[str, str, int]]:
        calls = cast(list[str], await self.redis.zrange(self.keys.waiting(QUEUE), 0, 0))
        agents = cast(list[str], await self.redis.zrange(self.keys.idle(QUEUE, 1), 0, 0))
        if not calls or not agents:
            return []
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zrem(self.keys.waiting(QUEUE), calls[0])
            pipe.zrem(self.keys.idle(QUEUE, 1), agents[0])
            pipe.incr(self.keys.fence())
            token = (await pipe.execute())[-1]
        return [(calls[0], agents[0], int(token))]

    async def enqueue(self, call: str) -> list[tuple[str, str, int]]:
        await self.redis.zadd(self.keys.waiting(QUEUE), {call: time.time()})
        return await self.match()

    async def settle(
        self, call: str, agent: str, token: int, ok: bool
    ) -> list[tuple[str, str, int]]:
        if not ok:
            await self.redis.zadd(self.keys.waiting(QUEUE), {call: 0})
        await self.redis.zadd(self.keys.idle(QUEUE, 1), {agent: time.time()})
        return await self.match()


async def _drive(job: Job) -> Tally:
    redis = aioredis.Redis.from_url(job.url, decode_responses=True, max_connections=job.tasks + 4)
    keys = Keys(job.prefix)
    router = Router(redis, keys, trace_sample=0)
    matcher: Matcher
    if job.naive:
        matcher = NaiveMatcher(redis, keys)
        for t in range(job.tasks):
            await redis.zadd(keys.idle(QUEUE, 1), {f"a{job.worker}-{t}": 0})
    else:
        matcher = RouterMatcher(router)
    rng = random.Random(job.worker)
    offers = doubles = booked = 0
    enqueued: list[str] = []
    completed: list[str] = []
    claims = keys.namespace() + "check:"  # the checker's own keys, outside the router's
    deadline = time.monotonic() + job.seconds

    async def handle(pending: list[tuple[str, str, int]]) -> None:
        nonlocal offers, doubles, booked
        while pending:
            call, agent, token = pending.pop()
            offers += 1
            async with redis.pipeline(transaction=False) as pipe:
                pipe.hsetnx(claims + "call", call, agent)
                pipe.hsetnx(claims + "agent", agent, call)
                call_free, agent_free = await pipe.execute()
            doubles += not call_free
            booked += not agent_free
            ok = rng.random() > 0.1
            async with redis.pipeline(transaction=False) as pipe:  # let go before the change
                if call_free:
                    pipe.hdel(claims + "call", call)
                if agent_free:
                    pipe.hdel(claims + "agent", agent)
                await pipe.execute()
            if ok:
                completed.append(call)
            pending.extend(await matcher.settle(call, agent, token, ok))

    async def task(t: int) -> None:
        if not job.naive:
            out = await router.login(f"a{job.worker}-{t}", {QUEUE: rng.randint(1, 4)})
            await handle([(o.call_id, o.agent_id, o.token) for o in out.offers])
        n = 0
        while offers < job.offers and time.monotonic() < deadline:
            call = f"c{job.worker}-{t}-{n}"
            n += 1
            enqueued.append(call)
            await handle(await matcher.enqueue(call))

    await asyncio.gather(*(task(t) for t in range(job.tasks)))
    stale = matcher.stale if isinstance(matcher, RouterMatcher | NaiveMatcher) else 0
    await redis.aclose()
    return Tally(offers, enqueued, completed, doubles, booked, stale)


def _run(job: Job) -> Tally:
    return asyncio.run(_drive(job))


def race(jobs: Sequence[Job]) -> list[Tally]:
    """Run each job in its own spawned process; return their tallies."""
    with multiprocessing.get_context("spawn").Pool(len(jobs)) as pool:
        return pool.map(_run, jobs)
