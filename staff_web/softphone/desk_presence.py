"""Whether an agent's desk is open: each process marks the agents whose softphone page it
holds a socket for, and an agent whose desk is gone for `absent_after_s` (a closed tab, a
lost socket) is put on break with the reason `absent`, so no call rings an empty desk.

The marks are one sorted set shared by every process (agent → last seen, ms): a reload or
a socket moving to another process within the window changes nothing. Only agents whose
desk was opened are watched; an agent driven by an API client alone is not.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import cast

import redis.asyncio as aioredis

from routing.keys import Keys
from routing.presence import AgentState
from switchboard.matching import Matching

log = logging.getLogger(__name__)

ABSENT = "absent"  # the break reason; set by the server, never claimed by an agent
# States in which an absent agent could be offered a call, or soon would be.
ROUTABLE = frozenset({AgentState.READY, AgentState.RESERVED, AgentState.WRAP_UP})
MAX_CHECK_S = 10.0
MARKS_TTL_S = 24 * 3600


class DeskPresence:
    """This process's open desks, their marks in Redis, and the sweep that pauses absent
    agents (`watch`, run in the background by the composition root)."""

    def __init__(
        self, redis: aioredis.Redis, keys: Keys, matching: Matching, *, absent_after_s: int
    ) -> None:
        self._redis = redis
        self._key = keys.open_desks()
        self._matching = matching
        self.absent_after_ms = absent_after_s * 1000
        self._local: Counter[str] = Counter()
        self._all_closed: dict[str, asyncio.Event] = {}

    def _now(self) -> int:
        return self._matching.router.clock()

    async def seen(self, agent_id: str) -> None:
        """The agent's desk is there now (a socket opened or closed, or the page acted)."""
        await self._mark({agent_id: self._now()})

    async def _mark(self, seen: dict[str, int]) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zadd(self._key, seen)
            pipe.expire(self._key, MARKS_TTL_S)  # every server gone: the marks go too
            await pipe.execute()

    @contextlib.contextmanager
    def _counted(self, agent_id: str) -> Iterator[None]:
        self._local[agent_id] += 1
        try:
            yield
        finally:
            self._local[agent_id] -= 1
            if self._local[agent_id] <= 0:
                del self._local[agent_id]
                self._all_closed.pop(agent_id, asyncio.Event()).set()

    @contextlib.asynccontextmanager
    async def desk_open(self, agent_id: str) -> AsyncIterator[None]:
        """For as long as one socket of the agent's own desk is open on this process."""
        with self._counted(agent_id):
            await self._seen_or_log(agent_id)
            try:
                yield
            finally:
                # The absence window starts when the last socket closes, not at its last mark.
                await self._seen_or_log(agent_id)

    def open_here(self, agent_id: str) -> int:
        """How many of the agent's own desk sockets this process holds."""
        return self._local[agent_id]

    async def until_closed_here(self, agent_id: str) -> None:
        """Return once this process holds no desk socket of the agent."""
        if self._local[agent_id]:
            await self._all_closed.setdefault(agent_id, asyncio.Event()).wait()

    async def _seen_or_log(self, agent_id: str) -> None:
        """A socket opens and closes even while Redis is away; the next sweep marks it."""
        try:
            await self.seen(agent_id)
        except Exception as error:
            log.warning("desk mark failed (%s)", error, extra={"agent_id": agent_id})

    async def sweep(self) -> list[str]:
        """Mark this process's open desks, then pause every routable agent absent longer
        than the window; the agents paused."""
        now = self._now()
        if self._local:
            await self._mark(dict.fromkeys(self._local, now))
        cutoff = now - self.absent_after_ms
        stale = cast(list[str], await self._redis.zrangebyscore(self._key, "-inf", cutoff))
        paused = []
        for agent_id in stale:
            snapshot = await self._matching.router.agent(agent_id)
            if snapshot is not None and snapshot.state is AgentState.BUSY:
                continue  # the call goes on (its phone may be elsewhere); checked again later
            if snapshot is not None and snapshot.state in ROUTABLE:
                await self._matching.agent_break(agent_id, ABSENT)
                paused.append(agent_id)
                log.warning(
                    "no desk open for %d s: on break (%s)",
                    self.absent_after_ms // 1000,
                    ABSENT,
                    extra={"agent_id": agent_id},
                )
            # Paused, on break or offline: watched again once the desk opens or acts.
            await self._redis.zrem(self._key, agent_id)
        return paused

    def check_every_s(self) -> float:
        return min(MAX_CHECK_S, max(self.absent_after_ms / 3000, 0.1))

    async def watch(self, stop: asyncio.Event) -> None:
        """Sweep until `stop`; a Redis error is logged and the loop goes on."""
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.check_every_s())
            except TimeoutError:
                try:
                    await self.sweep()
                except Exception:
                    log.exception("absent desks: sweep failed; retrying")
