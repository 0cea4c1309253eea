"""Instructions Redis executes per enqueue that makes an offer, counted by callgrind.

    .venv/bin/python bench/router_instructions.py --queues 5 50

Timings on a shared machine drift by tens of percent from one minute to the next; the
number of instructions a Redis process executes for the same work does not. This starts a
private `redis-server` under `valgrind --tool=callgrind` with instrumentation off, staffs
it as `bench/router_bench.py` does (each agent in 2 of the queues with a random grade,
one-step plans, trace sample 3 per grade), and runs rounds of `--round` enqueues at once
through `Router.enqueue`, instrumented only while a round runs. Between rounds every offer
is accepted and completed, uninstrumented, so that every round starts with every agent
idle and every enqueue matches. Prints instructions per enqueue-with-offer for each queue
count; the same code and arguments give the same figure to within a fraction of a percent.

Needs `valgrind` (with `callgrind_control`) and `redis-server` on the PATH. Redis under
callgrind runs some fifty times slower than usual: the default 1,000 agents and 10 rounds
take about half a minute per queue count.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError

from bench.router_bench import settle, staffed
from bench.webhook_load import free_port
from routing.connection import connection_pool_options

#: Rounds run uninstrumented first: the first rounds after set-up touch fresh memory.
WARM_UP_ROUNDS = 3
TOOLS = ("valgrind", "callgrind_control", "redis-server")


def totals(out_dir: Path) -> int:
    """Instructions counted in the dumps callgrind wrote (the `totals:` line of each)."""
    count = 0
    for dump in out_dir.glob("callgrind.out.*"):
        match = re.search(r"^totals:\s+(\d+)", dump.read_text(errors="replace"), re.M)
        if match:
            count += int(match.group(1))
    return count


class Callgrind:
    """A private redis-server under callgrind, instrumentation off until asked."""

    def __init__(self, tools: dict[str, str], out_dir: Path) -> None:
        self.port = free_port()
        self.out_dir = out_dir
        self.control_tool = tools["callgrind_control"]
        self.process = subprocess.Popen(
            [
                tools["valgrind"],
                "--tool=callgrind",
                "--instr-atstart=no",
                f"--callgrind-out-file={out_dir}/callgrind.out.%p",
                tools["redis-server"],
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def control(self, *args: str) -> None:
        subprocess.run(
            [self.control_tool, *args, str(self.process.pid)],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


async def connect(port: int) -> aioredis.Redis:
    redis = aioredis.Redis.from_url(
        f"redis://127.0.0.1:{port}/0", decode_responses=True, **connection_pool_options()
    )
    deadline = time.monotonic() + 120  # valgrind takes a while to start Redis
    while True:
        try:
            await redis.ping()
            return redis
        except (OSError, RedisConnectionError):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


async def measure(server: Callgrind, agents: int, queues: int, rounds: int, size: int) -> int:
    """Offers made while instrumented (every enqueue must match), then a dump."""
    redis = await connect(server.port)
    router, names, rng = await staffed(redis, agents, queues)
    offers = 0
    for n in range(WARM_UP_ROUNDS + rounds):
        calls = [(f"i{n}-{i}", rng.choice(names)) for i in range(size)]
        timed = n >= WARM_UP_ROUNDS
        if timed:
            server.control("--instr=on")
        results = await asyncio.gather(*(router.enqueue(call, queue) for call, queue in calls))
        if timed:
            server.control("--instr=off")
        made = [r.offer for r in results if r.offer is not None]
        if len(made) != size:
            raise SystemExit(f"round {n}: {len(made)} of {size} enqueues matched")
        offers += len(made) if timed else 0
        await settle(router, made)
    server.control("--dump")
    await redis.aclose()
    return offers


def dumped(out_dir: Path) -> int:
    """The dump's count: callgrind writes it a moment after it was asked for."""
    deadline = time.monotonic() + 60
    while (count := totals(out_dir)) == 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    return count


def arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agents", type=int, default=1_000)
    parser.add_argument("--queues", type=int, nargs="*", default=[5, 50])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--round", type=int, default=64, help="enqueues at once")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = arguments(argv)
    tools = {tool: shutil.which(tool) or "" for tool in TOOLS}
    missing = [tool for tool, path in tools.items() if not path]
    if missing:
        sys.exit(f"needs {', '.join(missing)} on the PATH (Debian: valgrind, redis-server)")
    if args.round > args.agents:
        sys.exit("--round must not exceed --agents: every enqueue must find an idle agent")
    for queues in args.queues:
        with tempfile.TemporaryDirectory(prefix="callgrind-") as out:
            server = Callgrind(tools, Path(out))
            try:
                offers = asyncio.run(measure(server, args.agents, queues, args.rounds, args.round))
                per_offer = dumped(Path(out)) // offers
            finally:
                server.stop()
        print(
            f"{args.agents} agents, {queues} queues: {per_offer:,} instructions in Redis"
            f" per enqueue-with-offer ({args.rounds} rounds of {args.round})"
        )


if __name__ == "__main__":
    main()
