"""Router benchmark on real Redis: matches/s, enqueue-to-offer latency, memory per item.

    .venv/bin/python bench/router_bench.py --redis-url redis://127.0.0.1:6379/0

Two throughput figures per size, both from one Python process:

- "scripts": offers per second of Redis round-trip time spent in the scripts that make
  offers (enqueue, and match_agent for freed agents), pipelined `--batch` deep; accepting and
  completing (which free the agents again) run but are not timed. The baseline is a trivial
  EVALSHA pipelined the same way in the same run.
- "cycle": offers per wall-clock second while `--concurrency` asyncio tasks share one
  connection pool, as a server handles many calls at once; each task enqueues a call through
  `Router.enqueue` and, when it is offered, accepts and completes it through the Router (which
  gives the freed agent its next call). Everything is timed, agents' side included.

Latency is one `Router.enqueue` awaited at a time with an agent idle. Every loop is bounded
in count and time; the keys live under a unique prefix and are deleted at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import redis.asyncio as aioredis

from routing.keys import Keys
from routing.offer import Offer
from routing.router import Router
from routing.rules import Backoff, QueueRules

TRIVIAL = "return ARGV[1]"


@dataclass
class Figures:
    agents: int
    queues: int
    matches_per_s: float
    cycle_per_s: float
    p50_ms: float
    p99_ms: float


def percentile(samples: Sequence[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def baseline(redis: aioredis.Redis, batch: int, seconds: float) -> tuple[float, float, float]:
    """Trivial EVALSHA: calls/s pipelined `batch` deep, and one-at-a-time p50/p99 (ms)."""
    script = redis.register_script(TRIVIAL)
    await script(args=[1])
    done, spent = 0, 0.0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and done < 5_000_000:
        async with redis.pipeline(transaction=False) as pipe:
            for i in range(batch):
                await script(args=[i], client=pipe)
            start = time.perf_counter()
            await pipe.execute()
            spent += time.perf_counter() - start
        done += batch
    samples = []
    for i in range(2000):
        start = time.perf_counter()
        await script(args=[i])
        samples.append((time.perf_counter() - start) * 1000)
    return done / spent, percentile(samples, 0.5), percentile(samples, 0.99)


async def login_agents(router: Router, agents: int, queues: list[str], rng: random.Random) -> None:
    scripts, ns = router.scripts, [router.keys.namespace()]
    for start in range(0, agents, 1000):
        async with router.redis.pipeline(transaction=False) as pipe:
            for a in range(start, min(agents, start + 1000)):
                args: list[Any] = [f"a{a}", router.clock(), 0]
                for queue in rng.sample(queues, 2):
                    args += [queue, rng.randint(1, 4)]
                await scripts.login(keys=ns, args=args, client=pipe)
            await pipe.execute()


async def free(router: Router, offers: list[list[Any]]) -> None:
    """Accept and complete offers (untimed); return what the freed agents were offered."""
    scripts, ns, now = router.scripts, [router.keys.namespace()], router.clock()
    async with router.redis.pipeline(transaction=False) as pipe:
        for row in offers:
            await scripts.accept(keys=ns, args=[row[0], row[3], now], client=pipe)
            args = [row[0], row[3], now, "COMPLETEAGENT", 60_000]
            await scripts.complete(keys=ns, args=args, client=pipe)
        await pipe.execute()


async def cycle(
    router: Router, names: list[str], rng: random.Random, concurrency: int, seconds: float
) -> float:
    """Offers per wall-clock second: `concurrency` tasks each enqueue, accept and complete."""
    deadline = time.monotonic() + seconds
    counter = iter(range(10_000_000))
    offers = 0

    async def serve(offer: Offer) -> None:
        nonlocal offers
        offers += 1
        await router.accept(offer.call_id, offer.token)
        done = await router.complete(offer.call_id, offer.token, by_caller=False)
        for nxt in done.offers:
            await serve(nxt)

    async def task() -> None:
        for _ in range(1_000_000):
            if time.monotonic() >= deadline:
                return
            out = await router.enqueue(f"w{next(counter)}", rng.choice(names))
            if out.offer is not None:
                await serve(out.offer)

    start = time.perf_counter()
    await asyncio.gather(*(task() for _ in range(concurrency)))
    return offers / (time.perf_counter() - start)


async def measure(
    redis: aioredis.Redis, agents: int, queues: int, batch: int, seconds: float, concurrency: int
) -> Figures:
    keys = Keys(f"bench-{uuid.uuid4().hex[:8]}")
    router = Router(redis, keys)
    rng = random.Random(agents * 100 + queues)
    names = [f"q{i}" for i in range(queues)]
    for name in names:
        await router.configure_queue(QueueRules(name, wrap_up_s=0, backoff=Backoff(0, 0, 0)))
    await login_agents(router, agents, names, rng)
    scripts, ns = router.scripts, [keys.namespace()]
    matched, spent, n = 0, 0.0, 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and matched < 2_000_000:
        now = router.clock()
        async with redis.pipeline(transaction=False) as pipe:
            for _ in range(batch):
                n += 1
                args: list[Any] = [f"c{n}", rng.choice(names), now, now, 0, rng.random()]
                args += [3, 100, 86_400_000]
                await scripts.enqueue(keys=ns, args=args, client=pipe)
            start = time.perf_counter()
            rows = cast(list[list[Any]], await pipe.execute())
            spent += time.perf_counter() - start
        offers = [row[1:] for row in rows if len(row) > 1]
        matched += len(offers)
        await free(router, offers)
        # freed agents take the calls that found no idle agent, as Router.complete does
        async with redis.pipeline(transaction=False) as pipe:
            for row in offers:
                wake: list[Any] = [row[1], router.clock(), 3, 100]
                await scripts.match_agent(keys=ns, args=wake, client=pipe)
            start = time.perf_counter()
            extra: list[Any] = await pipe.execute()
            spent += time.perf_counter() - start
        again = [row for row in extra if row]
        matched += len(again)
        await free(router, again)
    per_s = await cycle(router, names, rng, concurrency, seconds)
    samples = []
    for i in range(2000):
        start = time.perf_counter()
        out = await router.enqueue(f"lat{i}", rng.choice(names))
        samples.append((time.perf_counter() - start) * 1000)
        if out.offer is not None:
            await free(router, [[out.offer.call_id, "", "", out.offer.token]])
    await cleanup(redis, keys)
    p50, p99 = percentile(samples, 0.5), percentile(samples, 0.99)
    return Figures(agents, queues, matched / spent, per_s, p50, p99)


async def memory(redis: aioredis.Redis, count: int) -> tuple[float, float]:
    """Bytes of Redis per waiting call and per agent (MEMORY USAGE summed over our keys).

    Agents: logged in and ready, each serving 2 of 5 queues. Calls: waiting in 5 queues with
    no agent. The event stream is left out: it is shared and trimmed, not per item.
    """
    names = ["q0", "q1", "q2", "q3", "q4"]
    per_item = []
    for what in ("calls", "agents"):
        keys = Keys(f"bench-mem-{uuid.uuid4().hex[:8]}")
        router = Router(redis, keys)
        for name in names:
            await router.configure_queue(QueueRules(name))
        base = await usage(redis, keys)
        if what == "agents":
            await login_agents(router, count, names, random.Random(1))
        else:
            scripts, ns, now = router.scripts, [keys.namespace()], router.clock()
            for start in range(0, count, 1000):
                async with redis.pipeline(transaction=False) as pipe:
                    for i in range(start, min(count, start + 1000)):
                        args: list[Any] = [f"c{i}", names[i % 5], now, now, 0, 0.5]
                        args += [0, 100, 86_400_000]
                        await scripts.enqueue(keys=ns, args=args, client=pipe)
                    await pipe.execute()
        per_item.append((await usage(redis, keys) - base) / count)
        await cleanup(redis, keys)
    return per_item[0], per_item[1]


async def usage(redis: aioredis.Redis, keys: Keys) -> int:
    total = 0
    async for key in redis.scan_iter(match=keys.pattern(), count=1000):
        if key == keys.events():
            continue
        total += int(await redis.memory_usage(key, samples=0) or 0)
    return total


async def cleanup(redis: aioredis.Redis, keys: Keys) -> None:
    async for key in redis.scan_iter(match=keys.pattern(), count=1000):
        await redis.delete(key)


async def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--batch", type=int, default=25)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--agents", type=int, nargs="*", default=[100, 1_000, 10_000, 100_000])
    parser.add_argument("--queues", type=int, nargs="*", default=[5, 50])
    args = parser.parse_args(argv)
    redis = aioredis.Redis.from_url(args.redis_url, decode_responses=True)
    info = await redis.info("server")
    print(
        f"redis {info['redis_version']}; batch {args.batch}; concurrency {args.concurrency};"
        f" {args.seconds} s per figure; load average {os.getloadavg()}"
    )
    calls_s, b50, b99 = await baseline(redis, args.batch, args.seconds)
    print(f"baseline trivial EVALSHA: {calls_s:,.0f} calls/s; p50 {b50:.3f} ms, p99 {b99:.3f} ms")
    print("agents  queues  scripts/s  x baseline   cycle/s  enqueue-to-offer p50  p99")
    results = []
    for queues in args.queues:
        for agents in args.agents:
            f = await measure(redis, agents, queues, args.batch, args.seconds, args.concurrency)
            results.append(f)
            print(
                f"{agents:>7} {queues:>6} {f.matches_per_s:>10,.0f}"
                f" {f.matches_per_s / calls_s:>10.2f} {f.cycle_per_s:>9,.0f}"
                f"  {f.p50_ms:>8.3f} ms  {f.p99_ms:>8.3f} ms"
            )
    for queues in args.queues:
        row = [f for f in results if f.queues == queues]
        if len(row) > 1:
            ratio = row[-1].matches_per_s / row[0].matches_per_s
            cyc = row[-1].cycle_per_s / row[0].cycle_per_s
            print(
                f"{queues} queues: {row[-1].agents} vs {row[0].agents} agents:"
                f" scripts {ratio:.2f}x, cycle {cyc:.2f}x"
            )
    per_call, per_agent = await memory(redis, 10_000)
    print(f"memory: {per_call:,.0f} B per waiting call, {per_agent:,.0f} B per agent")
    print(f"median scripts/s: {statistics.median(f.matches_per_s for f in results):,.0f}")
    print(f"median cycle/s: {statistics.median(f.cycle_per_s for f in results):,.0f}")
    print(f"load average {os.getloadavg()}")
    await redis.aclose()


if __name__ == "__main__":
    asyncio.run(main())
