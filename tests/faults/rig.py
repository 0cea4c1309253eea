"""A deployment for one fault scenario: server processes on the test's own Redis and
database, the local carrier behind a load balancer and a network that may misbehave,
scripted agents and callers, and the shared checks at the end."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis
from aiohttp.test_utils import unused_port
from redis.asyncio.retry import Retry
from redis.backoff import ConstantBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

from hotline.contexts import connect_redis
from hotline.settings import is_sentinel_url
from local_carrier import CallHandle, LocalCarrier
from routing.keys import Keys
from routing.router import Router
from tests.app_fixtures import ACCOUNT_SID, AUTH_TOKEN
from tests.e2e.contact_center import agent_phones, callers, fast_config, write_fast_config
from tests.e2e.server_processes import (
    PUBLIC_URL,
    Deployment,
    ServerProcess,
    carrier_rest,
    start_server,
)
from tests.faults.invariants import Rules, Tally, check_nothing_lost
from tests.faults.network import Network
from tests.faults.own_database import OwnDatabase
from tests.faults.redis_process import RedisProcess

SPEED = 10.0  # the carrier's simulated seconds per real second; the servers run in real time
MAX_WAIT_S = 20
ARRIVAL_GAP_S = 0.1
#: After the last arrival, how long the calls may take to end: the longest wait, a ring,
#: the longest talk (40 simulated s) and a margin.
FINISH_S = MAX_WAIT_S + 20.0


@dataclass(frozen=True)
class InFlight:
    waiting: int
    ringing: int
    talking: int
    answered: int  # so far, ended or not


def in_flight(handles: Sequence[CallHandle]) -> InFlight:
    """How many calls wait in the carrier's queue, ring an agent, talk to one."""
    waiting = ringing = talking = answered = 0
    for handle in handles:
        answered += any(event.kind == "bridged" for event in handle.events)
        if handle.done:
            continue
        if handle.session.membership is not None:
            waiting += 1
            continue
        dial = [e.kind for e in handle.events if e.kind in {"dial", "bridged", "dial-leg"}]
        if dial and dial[-1] == "dial":
            ringing += 1
        elif dial and dial[-1] == "bridged":
            talking += 1
    return InFlight(waiting, ringing, talking, answered)


class Rig:
    """Start with `start()`; `call(n)` places callers; `check()` runs the invariants."""

    def __init__(
        self,
        folder: Path,
        redis: RedisProcess,
        database: OwnDatabase,
        *,
        redis_url: str | None = None,
    ) -> None:
        """`redis` is the process to flush or kill; the servers and the test's client reach
        it at `redis_url` (its own URL unless given: a Sentinel URL, say)."""
        self.folder = folder
        self.redis_process = redis
        self.redis_url = redis_url or redis.url
        self.database = database
        self.keys = Keys("faults")
        self.config = fast_config(MAX_WAIT_S)
        # The servers' Redis goes away and comes back: the test's client reconnects too
        # (through Sentinel it retries as the servers' client does).
        self.redis = (
            connect_redis(self.redis_url)
            if is_sentinel_url(self.redis_url)
            else aioredis.Redis.from_url(
                self.redis_url,
                decode_responses=True,
                retry=Retry(ConstantBackoff(0.2), 25),
                retry_on_error=[RedisConnectionError],
            )
        )
        self.router = Router(self.redis, self.keys)
        self.rng = random.Random(13)
        self.servers: list[ServerProcess] = []
        self.handles: list[CallHandle] = []
        self._stack = AsyncExitStack()
        self._placed = 0

    @property
    def rules(self) -> Rules:
        return Rules(
            agents=[agent.id for agent in self.config.agents],
            queues=sorted(self.config.queues),
            max_wait_s=MAX_WAIT_S,
            speed=SPEED,
        )

    async def start(self, servers: int = 1, **network: Any) -> None:
        """`servers` processes, one after the other (the first migrates and publishes), and
        a carrier whose webhooks go through a `Network(**network)`."""
        deployment = Deployment(
            redis_url=self.redis_url,
            redis_prefix=self.keys.prefix,
            database_url=self.database.url,
            config=write_fast_config(self.folder, MAX_WAIT_S),
            carrier_port=unused_port(),
        )
        for index in range(servers):
            log = self.folder / f"server{index}.log"
            self.servers.append(await start_server(deployment, unused_port(), log))
        bases = [server.base for server in self.servers]
        self.network = Network(bases, AUTH_TOKEN, public_url=PUBLIC_URL, **network)
        self.carrier = LocalCarrier(
            bases, AUTH_TOKEN, ACCOUNT_SID, speed=SPEED, public_url=PUBLIC_URL, poster=self.network
        )
        await self._stack.enter_async_context(carrier_rest(self.carrier, deployment.carrier_port))
        for agent, phone in agent_phones(self.rng).items():
            self.carrier.register_agent(agent, phone)
        await self.login_agents()

    async def login_agents(self) -> None:
        """Sign every agent in and make them ready, as their softphones do (again after
        Redis lost them)."""
        for agent in self.config.agents:
            await self.router.login(agent.id, agent.skills, order=agent.order)

    async def call(self, count: int) -> list[CallHandle]:
        """Place `count` callers, `ARRIVAL_GAP_S` apart; returns at the last arrival."""
        people = callers(self.rng, self._placed + count)[self._placed :]
        self._placed += count
        placed = []
        for person in people:
            placed.append(await self.carrier.place_call(person.number, "95598", person.caller))
            await asyncio.sleep(ARRIVAL_GAP_S)
        self.handles.extend(placed)
        return placed

    async def until(self, what: str, timeout_s: float = 20.0, **least: int) -> InFlight:
        """Wait until at least `least` calls are in flight (waiting=, ringing=, talking=) or
        were answered (answered=)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            now = in_flight(self.handles)
            if all(getattr(now, name) >= n for name, n in least.items()):
                return now
            if loop.time() > deadline:
                raise AssertionError(f"{what}: never {least} in flight, last {now}")
            await asyncio.sleep(0.05)

    async def finish(self, timeout_s: float = FINISH_S) -> None:
        """Let every call end by itself (at most `timeout_s`) and late callbacks arrive."""
        pending = [handle.task for handle in self.handles if not handle.done]
        if pending:
            await asyncio.wait(pending, timeout=timeout_s)
        await self.network.flush_held()

    async def check(self, *, settle_s: float = 15.0) -> Tally:
        await self.finish()
        return await check_nothing_lost(
            self.handles,
            self.redis,
            self.keys,
            self.database.sessionmaker,
            self.rules,
            settle_s=settle_s,
        )

    async def aclose(self) -> None:
        if hasattr(self, "carrier"):
            await self.carrier.aclose()
            await self.network.aclose()
        await self._stack.aclose()
        for server in self.servers:
            await server.stop()
        await self.redis.aclose()


@asynccontextmanager
async def running_rig(
    folder: Path, redis: RedisProcess, database: OwnDatabase, *, redis_url: str | None = None
) -> AsyncIterator[Rig]:
    made = Rig(folder, redis, database, redis_url=redis_url)
    try:
        yield made
    finally:
        await made.aclose()
