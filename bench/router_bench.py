"""Router benchmark on real Redis: matches/s, enqueue-to-offer latency, memory per item.

    .venv/bin/python bench/router_bench.py --redis-url redis://127.0.0.1:6379/0

Two throughput figures per size, both from one Python process, on the event loop the
server runs on (uvloop where installed; `--loop asyncio` for asyncio's own):

- "matches/s": offers per second of time spent enqueueing. Each round enqueues `--round`
  calls at once through `Router.enqueue`, as a server does when that many callers reach
  their queues together; the router batches them (`routing.batching`) and each enqueue that
  finds an idle agent is a match, made by the same script that queues the call. Between
  rounds, untimed, every offer is accepted and completed through the Router, which frees
  the agents and matches any call that found none, so every round starts alike.
- "cycle/s": offers per wall-clock second while `--concurrency` tasks each enqueue a call,
  accept and complete it through the Router (which gives the freed agent its next call).
  Everything is timed, the agents' side included.

The baseline is a trivial EVALSHA pipelined `--batch` deep, in the same run. Latency is
one `Router.enqueue` awaited at a time with an agent idle. Like the server, the process
freezes its start-up objects out of the garbage collector's full passes. It pins itself to
the first CPU (`--no-pin` to leave it free), so that a Redis on the same machine keeps the
others, and it runs 10 untimed rounds at each size before counting matches. Every loop is
bounded in count and time; the keys live under a unique prefix and are deleted at the end.
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

import redis.asyncio as aioredis

from hotline.cli import freeze_long_lived, new_event_loop
from routing.connection import connection_pool_options
from routing.keys import Keys
from routing.offer import Offer
from routing.router import Router
from routing.rules import Backoff, QueueRules

TRIVIAL = "return ARGV[1]"
#: Logins (or calls) set up at once: within the client pool's connections.
SETUP_CHUNK = 64
#: Untimed rounds before matches are counted at each size.
WARM_UP_ROUNDS = 10


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
    for start in range(0, agents, SETUP_CHUNK):
        logins = []
        for a in range(start, min(agents, start + SETUP_CHUNK)):
            skills = {queue: rng.randint(1, 4) for queue in rng.sample(queues, 2)}
            logins.append(router.login(f"a{a}", skills))
        await asyncio.gather(*logins)


async def settle(router: Router, offers: Sequence[Offer]) -> None:
    """Accept and complete offers, and the offers their completion makes, until none is left."""
    while offers:
        await asyncio.gather(*(router.accept(o.call_id, o.token) for o in offers))
        done = await asyncio.gather(
            *(router.complete(o.call_id, o.token, by_caller=False) for o in offers)
        )
        offers = [nxt for outcome in done for nxt in outcome.offers]


async def match_rate(
    router: Router, names: list[str], rng: random.Random, round_size: int, seconds: float
) -> float:
    """Offers per second of time spent enqueueing, `round_size` calls at a time.

    Each round enqueues `round_size` calls concurrently through `Router.enqueue`, as a server
    does when that many callers reach a queue at once; the offers enqueueing made are
    counted. Between rounds (untimed) every offer is accepted and completed, which frees the
    agents and gives any call that found none its agent, so every round starts alike.
    """
    counter = iter(range(10_000_000))
    matched, spent, rounds = 0, 0.0, 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and matched < 5_000_000:
        calls = [(f"m{next(counter)}", rng.choice(names)) for _ in range(round_size)]
        start = time.perf_counter()
        results = await asyncio.gather(*(router.enqueue(call, queue) for call, queue in calls))
        elapsed = time.perf_counter() - start
        offers = [r.offer for r in results if r.offer is not None]
        rounds += 1
        if rounds > WARM_UP_ROUNDS:  # the first rounds after set-up touch cold memory
            spent += elapsed
            matched += len(offers)
        else:
            deadline = time.monotonic() + seconds
        await settle(router, offers)
    return matched / spent


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


async def staffed(
    redis: aioredis.Redis, agents: int, queues: int
) -> tuple[Router, list[str], random.Random]:
    """A router under a fresh prefix with `queues` queues and `agents` agents logged in."""
    router = Router(redis, Keys(f"bench-{uuid.uuid4().hex[:8]}"))
    rng = random.Random(agents * 100 + queues)
    names = [f"q{i}" for i in range(queues)]
    for name in names:
        await router.configure_queue(QueueRules(name, wrap_up_s=0, backoff=Backoff(0, 0, 0)))
    await login_agents(router, agents, names, rng)
    return router, names, rng


async def measure(
    redis: aioredis.Redis,
    agents: int,
    queues: int,
    round_size: int,
    seconds: float,
    concurrency: int,
) -> Figures:
    router, names, rng = await staffed(redis, agents, queues)
    keys = router.keys
    matches_s = await match_rate(router, names, rng, round_size, seconds)
    per_s = await cycle(router, names, rng, concurrency, seconds)
    samples = []
    for i in range(2000):
        start = time.perf_counter()
        out = await router.enqueue(f"lat{i}", rng.choice(names))
        samples.append((time.perf_counter() - start) * 1000)
        if out.offer is not None:
            await settle(router, [out.offer])
    await cleanup(redis, keys)
    p50, p99 = percentile(samples, 0.5), percentile(samples, 0.99)
    return Figures(agents, queues, matches_s, per_s, p50, p99)


async def interleaved(
    redis: aioredis.Redis, sizes: Sequence[int], queues: int, round_size: int, bursts: int
) -> list[list[float]]:
    """Matches/s of each size in `bursts` short bursts taken in turn, all sizes staffed at once.

    The machine's speed drifts by tens of percent over minutes; sizes measured one after
    the other, minutes apart, compare that drift as much as the router. Here every size is
    set up first (each under its own prefix, so Redis holds all of them throughout) and
    measured in alternation, 0.5 s at a time, so that drift falls on all sizes alike;
    the ratio to quote is the median of the ratios of bursts run back to back.
    """
    pools = [await staffed(redis, agents, queues) for agents in sizes]
    rates: list[list[float]] = [[] for _ in sizes]
    for burst in range(bursts):
        order = range(len(sizes)) if burst % 2 == 0 else reversed(range(len(sizes)))
        for i in order:
            router, names, rng = pools[i]
            rates[i].append(await match_rate(router, names, rng, round_size, 0.5))
    for router, _, _ in pools:
        await cleanup(redis, router.keys)
    return rates


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
            for start in range(0, count, SETUP_CHUNK):
                calls = range(start, min(count, start + SETUP_CHUNK))
                await asyncio.gather(*(router.enqueue(f"c{i}", names[i % 5]) for i in calls))
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


def arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--batch", type=int, default=25, help="baseline pipeline depth")
    parser.add_argument("--round", type=int, default=64, help="calls enqueued at once")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--agents", type=int, nargs="*", default=[100, 1_000, 10_000, 100_000])
    parser.add_argument("--queues", type=int, nargs="*", default=[5, 50])
    parser.add_argument("--loop", choices=["server", "asyncio"], default="server")
    parser.add_argument(
        "--bursts",
        type=int,
        default=8,
        help="interleaved bursts per size comparing the fewest and most agents (0: skip)",
    )
    parser.add_argument(
        "--no-pin",
        action="store_true",
        help="do not pin this process to the first CPU (leaving the others to Redis)",
    )
    return parser.parse_args(argv)


async def run(args: argparse.Namespace, loop_name: str) -> None:
    redis = aioredis.Redis.from_url(
        args.redis_url, decode_responses=True, **connection_pool_options()
    )
    await freeze_long_lived()  # as the server does once started
    info = await redis.info("server")
    print(
        f"redis {info['redis_version']}; event loop {loop_name}; round {args.round};"
        f" batch {args.batch}; concurrency {args.concurrency};"
        f" {args.seconds} s per figure; load average {os.getloadavg()}"
    )
    calls_s, b50, b99 = await baseline(redis, args.batch, args.seconds)
    print(f"baseline trivial EVALSHA: {calls_s:,.0f} calls/s; p50 {b50:.3f} ms, p99 {b99:.3f} ms")
    print("agents  queues  matches/s  x baseline   cycle/s  enqueue-to-offer p50  p99")
    results = []
    vm_peak = 0
    for queues in args.queues:
        for agents in args.agents:
            f = await measure(redis, agents, queues, args.round, args.seconds, args.concurrency)
            results.append(f)
            vm_peak = max(vm_peak, (await redis.info("memory"))["used_memory_vm_functions"])
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
                f" matches {ratio:.2f}x, cycle {cyc:.2f}x"
            )
    if args.bursts and len(args.agents) > 1:
        ends = [min(args.agents), max(args.agents)]
        for queues in args.queues:
            rates = await interleaved(redis, ends, queues, args.round, args.bursts)
            small, large = (statistics.median(r) for r in rates)
            # Each pair ran back to back, so its ratio is free of the drift between pairs.
            pairs = [b / a for a, b in zip(*rates, strict=True)]
            print(
                f"{queues} queues, interleaved ({args.bursts} bursts each):"
                f" {ends[0]} agents {small:,.0f}, {ends[1]} agents {large:,.0f} matches/s;"
                f" median of the burst-pair ratios {statistics.median(pairs):.2f}x"
                f" (pairs: {', '.join(f'{r:.2f}' for r in pairs)})"
            )
    per_call, per_agent = await memory(redis, 10_000)
    print(f"memory: {per_call:,.0f} B per waiting call, {per_agent:,.0f} B per agent")
    print(f"Lua memory of Redis's function libraries, the most after any size: {vm_peak:,} B")
    print(f"median matches/s: {statistics.median(f.matches_per_s for f in results):,.0f}")
    print(f"median cycle/s: {statistics.median(f.cycle_per_s for f in results):,.0f}")
    print(f"load average {os.getloadavg()}")
    await redis.aclose()


def pin_to_first_cpu() -> str:
    """Keep this process on one CPU so that Redis, on the same machine, has the others."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return "not pinned (one CPU)"
    os.sched_setaffinity(0, {cpus[0]})
    return f"pinned to CPU {cpus[0]} of {len(cpus)}"


def main(argv: Sequence[str] | None = None) -> None:
    args = arguments(argv)
    print("bench process", "not pinned" if args.no_pin else pin_to_first_cpu())
    loop = new_event_loop() if args.loop == "server" else asyncio.new_event_loop()
    try:
        loop.run_until_complete(run(args, type(loop).__module__.split(".")[0]))
    finally:
        loop.close()


if __name__ == "__main__":
    main()
