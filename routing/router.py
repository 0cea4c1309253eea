"""The Router: event-driven matching of waiting calls to agents, one Lua script per change."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, cast

import redis.asyncio as aioredis

from routing import contract, inspection, lua
from routing.batching import Arg, OperationBatcher
from routing.grades import Grade
from routing.inspection import CallPosition, StepInspection
from routing.keys import Keys
from routing.offer import (
    Enqueued,
    EnqueueStatus,
    LapsedOffer,
    LeaveReason,
    Offer,
    OfferResult,
    Outcome,
    ReleaseCause,
)
from routing.presence import AgentSnapshot, PresenceChange, PresenceOutcome
from routing.rules import QueueRules

log = logging.getLogger(__name__)


#: The most passed-over agents per grade a decision trace names: the census keeps the
#: first nine agents of each grade (routing/lua/lib.lua), one of whom may be the chosen.
MAX_TRACE_SAMPLE = 8


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class Router:
    """Matches calls and agents on Redis; any number of processes may share one Redis.

    Every method that frees a call or an agent returns the offers that change made possible;
    the caller rings those agents. `now` (epoch ms) defaults to the injected clock.
    """

    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
        *,
        clock: Callable[[], int] = wall_clock_ms,
        trace_sample: int = 3,
        settle_limit: int = 100,
        call_ttl_s: int = 86_400,
        done_ttl_s: int = 3_600,
        offline_ttl_s: int = 7 * 86_400,
        rng: random.Random | None = None,
    ) -> None:
        if not 0 <= trace_sample <= MAX_TRACE_SAMPLE:
            raise ValueError(f"trace_sample must be 0..{MAX_TRACE_SAMPLE}, not {trace_sample}")
        self.redis = redis
        self.keys = keys
        self.clock = clock
        self._batcher = OperationBatcher(lua.register(redis))
        self._namespace = keys.namespace()
        self._trace_sample = trace_sample
        self._settle_limit = settle_limit
        self._call_ttl_ms = call_ttl_s * 1000
        self._done_ttl_ms = done_ttl_s * 1000
        self._offline_ttl_ms = offline_ttl_s * 1000
        self._rng = rng or random.Random()  # noqa: S311 - spreads load, not a secret

    def _now(self, now: int | None) -> int:
        return self.clock() if now is None else now

    async def _run(self, args: contract.Arguments) -> Any:
        """One operation of the router's library (its arguments say which), sent with the
        others of this event-loop turn."""
        operation, argv = contract.operation(args)
        return await self._batcher.run(operation, self._namespace, argv)

    # Configuration and calls

    async def configure_queue(
        self, rules: QueueRules, *, now: int | None = None
    ) -> tuple[Offer, ...]:
        """Give one queue its rules, applied to the next decision. Its waiting calls are
        placed again under them (a call in a step the plan lost goes to its last step, the
        escalations follow the new durations), and offered what the new rules allow."""
        now = self._now(now)
        flat: list[Arg] = [part for pair in rules.to_redis().items() for part in pair]
        await self._run(contract.Configure(queue=rules.name, now=now, rules=tuple(flat)))
        return await self._dispatch(now, queues=[rules.name], tick=True)

    async def enqueue(
        self,
        call_id: str,
        queue: str,
        *,
        priority_offset_ms: int = 0,
        arrived_ms: int | None = None,
        now: int | None = None,
    ) -> Enqueued:
        """Queue a call (score = arrival − offset) and offer it at once if an agent is idle.

        `arrived_ms` puts back a call the router lost (Redis flushed) at its old place.
        """
        now = self._now(now)
        args = contract.Enqueue(
            call=call_id,
            queue=queue,
            now=now,
            arrived=now if arrived_ms is None else arrived_ms,
            priority_ms=priority_offset_ms,
            rnd=self._rng.random(),
            sample=self._trace_sample,
            settle_limit=self._settle_limit,
            ttl_ms=self._call_ttl_ms,
        )
        row = await self._run(args)
        if len(row) == 1:  # a status alone; an offer made at once comes as the offer
            status, offer = EnqueueStatus(row[0]), None
        else:
            status, offer = EnqueueStatus.QUEUED, Offer.from_script(row)
        log.info("enqueue %s", status, extra={"call_sid": call_id, "queue": queue})
        return Enqueued(status, offer)

    async def accept(self, call_id: str, token: int, *, now: int | None = None) -> Outcome:
        """The agent answered: the offer with this token becomes a connection, its lease
        lapsed or not (the carrier's answer is what the lease waited for)."""
        now = self._now(now)
        args = contract.Accept(call=call_id, token=str(token), now=now)
        result, queue, agent = await self._run(args)
        return Outcome(OfferResult(result), queue, agent)

    async def connect(
        self, call_id: str, agent_id: str, token: int, *, now: int | None = None
    ) -> Outcome:
        """The carrier bridged `agent_id`'s leg of an offer the router no longer holds (it
        was withdrawn or released): the call is connected to that agent all the same. The
        offers returned are for those the change freed: another agent the call was offered
        to, and the agent's own other offer, back in its queue."""
        now = self._now(now)
        args = contract.Connect(call=call_id, agent=agent_id, token=str(token), now=now)
        result, queue, freed, other_queue = await self._run(args)
        if result != OfferResult.ACCEPTED:
            return Outcome(OfferResult(result), queue)
        offers = await self._dispatch(now, queues=[other_queue], agents=[freed], tick=True)
        return Outcome(OfferResult.ACCEPTED, queue, agent_id, offers)

    async def release(
        self, call_id: str, token: int, cause: ReleaseCause, *, now: int | None = None
    ) -> Outcome:
        """The offer failed; the call goes back to its old place and is offered again."""
        now = self._now(now)
        args = contract.Release(
            call=call_id, token=str(token), cause=ReleaseCause(cause).value, now=now
        )
        result, queue, agent = await self._run(args)
        if result != OfferResult.RELEASED:
            return Outcome(OfferResult(result), queue, agent)
        # A release may pause the agent (max_no_answer), which can leave a step of another
        # of its queues unable to serve; that queue was woken at `now`: settle it too.
        offers = await self._dispatch(now, queues=[queue], agents=[agent], tick=True)
        return Outcome(OfferResult.RELEASED, queue, agent, offers)

    async def complete(
        self, call_id: str, token: int, *, by_caller: bool = True, now: int | None = None
    ) -> Outcome:
        """The connected call ended; the agent goes to wrap-up (or straight to ready)."""
        now = self._now(now)
        event = "COMPLETECALLER" if by_caller else "COMPLETEAGENT"
        args = contract.Complete(
            call=call_id, token=str(token), now=now, event=event, ttl_ms=self._done_ttl_ms
        )
        result, queue, agent = await self._run(args)
        if result != OfferResult.COMPLETED:
            return Outcome(OfferResult(result), queue, agent)
        offers = await self._dispatch(now, agents=[agent])
        return Outcome(OfferResult.COMPLETED, queue, agent, offers)

    async def abandon(self, call_id: str, *, now: int | None = None) -> Outcome:
        """The caller hung up; a connected call is completed by the caller instead."""
        return await self.leave(call_id, LeaveReason.ABANDON, now=now)

    async def leave(
        self, call_id: str, reason: LeaveReason, *, key: str = "", now: int | None = None
    ) -> Outcome:
        """The call leaves its queue unconnected (hang-up, max wait, key, empty queue)."""
        now = self._now(now)
        args = contract.Leave(
            call=call_id,
            now=now,
            event=LeaveReason(reason).value,
            pressed=key,
            ttl_ms=self._done_ttl_ms,
        )
        result, queue, agent = await self._run(args)
        if result == "connected":
            token = cast(str, await self.redis.hget(self.keys.routed_call(call_id), "tok"))
            return await self.complete(call_id, int(token), by_caller=True, now=now)
        if result == "unknown":
            return Outcome(OfferResult.UNKNOWN)
        offers = await self._dispatch(now, agents=[agent] if agent else [])
        return Outcome(OfferResult.RELEASED, queue, agent, offers)

    # Agents

    async def login(
        self,
        agent_id: str,
        skills: Mapping[str, Grade | int],
        *,
        order: int = 0,
        now: int | None = None,
    ) -> PresenceOutcome:
        """Log an agent in with a grade per queue; it is ready and offered a call at once."""
        if not agent_id or any(ch.isspace() for ch in agent_id):
            raise ValueError(f"agent id {agent_id!r} must be non-empty, without spaces")
        now = self._now(now)
        grades: list[str | int] = []
        for queue, grade in skills.items():
            grades += [queue, int(Grade.parse(grade, field=f"skills[{queue!r}]"))]
        await self._run(contract.Login(agent=agent_id, now=now, order=order, grades=tuple(grades)))
        offers = await self._dispatch(now, agents=[agent_id], tick=True)
        return PresenceOutcome(PresenceChange.CHANGED, offers)

    async def regrade(
        self,
        agent_id: str,
        skills: Mapping[str, Grade | int],
        *,
        order: int = 0,
        now: int | None = None,
    ) -> PresenceOutcome:
        """Give a signed-in agent new skills (and rank) without a sign-out: it keeps its
        state, a ringing offer and a connected call. An offline agent is left alone
        (`UNKNOWN`): its next login brings them."""
        now = self._now(now)
        grades: list[Arg] = []
        for queue, grade in skills.items():
            grades += [queue, int(Grade.parse(grade, field=f"skills[{queue!r}]"))]
        args = contract.Regrade(agent=agent_id, now=now, order=order, grades=tuple(grades))
        result = await self._run(args)
        if result == "offline":
            return PresenceOutcome(PresenceChange.UNKNOWN)
        if result == "unchanged":
            return PresenceOutcome(PresenceChange.UNCHANGED)
        offers = await self._dispatch(now, agents=[agent_id], tick=True)
        return PresenceOutcome(PresenceChange.CHANGED, offers)

    async def agent_ready(self, agent_id: str, *, now: int | None = None) -> PresenceOutcome:
        """Back from break or wrap-up: the agent takes the best call among its queues."""
        return await self._presence(agent_id, "ready", "", now)

    async def set_break(
        self, agent_id: str, reason: str, *, now: int | None = None
    ) -> PresenceOutcome:
        """Pause the agent; a ringing offer is withdrawn and the call offered elsewhere."""
        return await self._presence(agent_id, "break", reason, now)

    async def set_offline(self, agent_id: str, *, now: int | None = None) -> PresenceOutcome:
        """Log the agent out; a ringing offer is withdrawn and the call offered elsewhere."""
        return await self._presence(agent_id, "offline", "", now)

    async def _presence(
        self, agent_id: str, target: str, reason: str, now: int | None
    ) -> PresenceOutcome:
        now = self._now(now)
        args = contract.Presence(
            agent=agent_id, now=now, target=target, reason=reason, ttl_ms=self._offline_ttl_ms
        )
        result, queue = await self._run(args)
        change = PresenceChange(result)
        if change is not PresenceChange.CHANGED:
            return PresenceOutcome(change)
        agents = [agent_id] if target == "ready" else []
        queues = [queue] if queue else []
        offers = await self._dispatch(now, queues=queues, agents=agents, tick=True)
        return PresenceOutcome(change, offers)

    # Matching

    async def match_queue(
        self, queue: str, *, now: int | None = None, limit: int = 1000
    ) -> list[Offer]:
        """Offer the queue's waiting calls to its idle agents until no pair is left."""
        now = self._now(now)
        offers = []
        for _ in range(limit):
            args = contract.MatchQueue(
                queue=queue,
                now=now,
                rnd=self._rng.random(),
                sample=self._trace_sample,
                settle_limit=self._settle_limit,
            )
            row = await self._run(args)
            if not row:
                break
            offers.append(Offer.from_script(row))
        return offers

    async def match_agent(self, agent_id: str, *, now: int | None = None) -> Offer | None:
        """If the agent is free (its wrap-up or back-off over), give it its best call."""
        now = self._now(now)
        args = contract.MatchAgent(
            agent=agent_id, now=now, sample=self._trace_sample, settle_limit=self._settle_limit
        )
        row = await self._run(args)
        return Offer.from_script(row) if row else None

    async def tick(self, now: int | None = None, *, rounds: int = 20) -> list[Offer]:
        """Handle every schedule instant that is due: escalations, wrap-up and back-off ends.

        Any process may call it; an instant handled twice changes nothing the second time.
        """
        now = self._now(now)
        offers: list[Offer] = []
        for _ in range(rounds):
            due = cast(
                list[str],
                await self.redis.zrange(
                    self.keys.schedule(), 0, now, byscore=True, offset=0, num=100
                ),
            )
            if not due:
                break
            for member in due:
                kind, name = member.split(":", 1)
                if kind == "a":
                    offer = await self.match_agent(name, now=now)
                    offers.extend([offer] if offer else [])
                else:
                    offers.extend(await self.match_queue(name, now=now))
        return offers

    async def lapsed_offers(
        self, *, now: int | None = None, limit: int = 100, recheck_s: int = 5
    ) -> list[LapsedOffer]:
        """Offers whose lease lapsed, still reserved: the caller asks the carrier what
        became of each agent's leg and accepts, releases or asks again. Each lease moves on
        by `recheck_s`, so no other process is handed the same offer meanwhile."""
        now = self._now(now)
        flat: list[str] = await self._run(
            contract.Reap(now=now, limit=limit, recheck_ms=recheck_s * 1000)
        )
        lapsed = [
            LapsedOffer(flat[i], flat[i + 1], int(flat[i + 2])) for i in range(0, len(flat), 3)
        ]
        for offer in lapsed:
            log.warning(
                "lease lapsed: asking the carrier",
                extra={"call_sid": offer.call_id, "agent_id": offer.agent_id},
            )
        return lapsed

    async def next_escalation_at(self) -> int | None:
        """The next schedule instant (ms) any process should call `tick` at, if any."""
        head = cast(
            list[tuple[str, float]],
            await self.redis.zrange(self.keys.schedule(), 0, 0, withscores=True),
        )
        return int(head[0][1]) if head else None

    async def _dispatch(
        self,
        now: int,
        *,
        queues: Iterable[str] = (),
        agents: Iterable[str] = (),
        tick: bool = False,
    ) -> tuple[Offer, ...]:
        offers: list[Offer] = []
        for agent in dict.fromkeys(a for a in agents if a):
            offer = await self.match_agent(agent, now=now)
            offers.extend([offer] if offer else [])
        for queue in dict.fromkeys(q for q in queues if q):
            offers.extend(await self.match_queue(queue, now=now))
        if tick:
            offers.extend(await self.tick(now))
        return tuple(offers)

    # Read-only views

    async def position(self, call_id: str, *, now: int | None = None) -> CallPosition | None:
        return await inspection.position(self.redis, self.keys, call_id, self._now(now))

    async def estimate_wait(self, queue: str, position: int | None = None) -> int | None:
        """Seconds of wait, or None when nobody who could take the call is serving."""
        return await inspection.estimate_wait_s(self.redis, self.keys, queue, position)

    async def inspect_plan(self, queue: str) -> list[StepInspection]:
        return await inspection.inspect_plan(self.redis, self.keys, queue)

    async def known_agents(self) -> list[str]:
        """Every agent that ever logged in (those offline too), by id."""
        return cast(list[str], await self.redis.zrange(self.keys.agents(), 0, -1))

    async def agent(self, agent_id: str) -> AgentSnapshot | None:
        return await inspection.agent_snapshot(self.redis, self.keys, agent_id)

    async def stats(self, queue: str) -> dict[str, Any]:
        raw = cast(dict[str, str], await self.redis.hgetall(self.keys.stats(queue)))
        return {name: int(value) for name, value in raw.items()}
