"""Read-only views of the router: a call's position, the wait estimate, a plan's status."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import cast

import redis.asyncio as aioredis

from routing.grades import Grade
from routing.keys import Keys
from routing.presence import AgentSnapshot, AgentState
from routing.rules import EmptyRule
from routing.trace import StepStatus


@dataclass(frozen=True, slots=True)
class CallPosition:
    """Where a call is: `state` waiting / reserved / connected; position 1 is next."""

    call_id: str
    queue: str
    state: str
    position: int  # 0 unless waiting
    waiting: int
    waited_ms: int
    step: int  # 0-based tier step in force when last settled
    over_max_wait: bool
    queue_empty: bool  # the queue's leave-when-empty rule says the caller should leave


@dataclass(frozen=True, slots=True)
class StepInspection:
    """One tier step now: its grades, and whether it could serve (see StepStatus)."""

    index: int
    grades: tuple[int, int]
    duration_s: int | None  # None: the last step lasts for ever
    status: StepStatus
    logged_in: int
    on_break: int
    idle: int


def step_status(logged_in: int, on_break: int, idle: int) -> StepStatus:
    if logged_in == 0:
        return StepStatus.NONE_LOGGED_IN
    if logged_in == on_break:
        return StepStatus.ALL_ON_BREAK
    return StepStatus.AVAILABLE if idle else StepStatus.ALL_BUSY


async def census(redis: aioredis.Redis, keys: Keys, queue: str) -> dict[str, int]:
    raw = cast(dict[str, str], await redis.hgetall(keys.census(queue)))
    return {name: int(value) for name, value in raw.items() if name[0] in "mb"}


async def inspect_plan(redis: aioredis.Redis, keys: Keys, queue: str) -> list[StepInspection]:
    """Each step of the queue's plan with the state of its grades right now."""
    config = cast(dict[str, str], await redis.hgetall(keys.queue(queue)))
    if not config:
        raise KeyError(f"queue {queue!r} is not configured")
    counts = await census(redis, keys, queue)
    async with redis.pipeline(transaction=False) as pipe:
        for grade in Grade:
            pipe.zcard(keys.idle(queue, grade))
        idle_by_grade = dict(zip(Grade, await pipe.execute(), strict=True))
    floor = int(config["floor"])
    steps = config["steps"].split(",")
    out = []
    for index, step in enumerate(steps):
        low, high, duration_ms = (int(part) for part in step.split(":"))
        low = max(low, floor)
        grades = range(low, high + 1)
        logged_in = sum(counts.get(f"m{g}", 0) for g in grades)
        on_break = sum(counts.get(f"b{g}", 0) for g in grades)
        idle = sum(idle_by_grade[Grade(g)] for g in grades)
        last = index == len(steps) - 1
        out.append(
            StepInspection(
                index=index,
                grades=(low, high),
                duration_s=None if last else duration_ms // 1000,
                status=step_status(logged_in, on_break, idle),
                logged_in=logged_in,
                on_break=on_break,
                idle=idle,
            )
        )
    return out


async def position(
    redis: aioredis.Redis, keys: Keys, call_id: str, now_ms: int
) -> CallPosition | None:
    """The call's place in its queue, or None when the router does not know it."""
    fields = cast(dict[str, str], await redis.hgetall(keys.routed_call(call_id)))
    if not fields or fields.get("st") == "done":
        return None
    queue = fields["q"]
    async with redis.pipeline(transaction=False) as pipe:
        pipe.zrank(keys.waiting(queue), call_id)
        pipe.zcard(keys.waiting(queue))
        pipe.hmget(keys.queue(queue), ["max_wait", "leave", "floor"])
        rank, waiting, (max_wait, leave, floor) = await pipe.execute()
    counts = await census(redis, keys, queue)
    grades = range(int(floor or 1), 5)
    logged_in = sum(counts.get(f"m{g}", 0) for g in grades)
    on_break = sum(counts.get(f"b{g}", 0) for g in grades)
    rule = EmptyRule(leave or EmptyRule.NEVER)
    empty = (rule is EmptyRule.NO_AGENTS and logged_in == 0) or (
        rule is EmptyRule.NO_AVAILABLE and logged_in == on_break
    )
    waited = now_ms - int(fields["enq"])
    return CallPosition(
        call_id=call_id,
        queue=queue,
        state=fields["st"],
        position=0 if rank is None else int(rank) + 1,
        waiting=int(waiting),
        waited_ms=waited,
        step=int(fields.get("step", 1)) - 1,
        over_max_wait=waited >= int(max_wait or 0) > 0,
        queue_empty=empty,
    )


async def estimate_wait_s(
    redis: aioredis.Redis, keys: Keys, queue: str, position: int | None = None
) -> int | None:
    """Seconds until a caller at `position` (default: a new caller) is likely offered, or
    None when no agent who could take the call is serving (nobody at the queue's floor
    grade or above is signed in off break): then no honest estimate exists.

    Each serving agent frees up once per average handle time (talk + wrap-up, a moving
    average of recent calls), so `position` callers need about
    position × handle time / serving agents.
    """
    async with redis.pipeline(transaction=False) as pipe:
        pipe.hget(keys.stats(queue), "aht")
        pipe.zcard(keys.waiting(queue))
        pipe.hget(keys.queue(queue), "floor")
        aht_ms, waiting, floor = await pipe.execute()
    counts = await census(redis, keys, queue)
    # Agents below the floor are in the queue's census but never offered its calls.
    able = [g for g in Grade if g >= int(floor or 1)]
    serving = sum(counts.get(f"m{g}", 0) - counts.get(f"b{g}", 0) for g in able)
    if serving <= 0:
        return None
    place = int(waiting) + 1 if position is None else position
    handle_s = int(aht_ms or 0) / 1000 or 180.0  # no history yet: assume three minutes
    return math.ceil(place * handle_s / serving)


async def agent_snapshot(redis: aioredis.Redis, keys: Keys, agent_id: str) -> AgentSnapshot | None:
    async with redis.pipeline(transaction=False) as pipe:
        pipe.hgetall(keys.agent(agent_id))
        pipe.hgetall(keys.skills(agent_id))
        fields, skills = await pipe.execute()
    if not fields:
        return None
    return AgentSnapshot.from_redis(agent_id, fields, skills)


async def agents_by_state(redis: aioredis.Redis, keys: Keys) -> dict[AgentState, int]:
    """How many agents are in each state now, every state named: in one round trip, from
    the states hash (every agent not offline; a ready one's value is its back-off's end)
    and the set of every agent that ever logged in (the rest are offline)."""
    async with redis.pipeline(transaction=False) as pipe:
        pipe.zcard(keys.agents())
        pipe.hvals(keys.agent_states())
        known, states = await pipe.execute()
    counts = dict.fromkeys(AgentState, 0)
    for state in states:
        name = AgentState.READY if state.isdigit() else AgentState(state)
        counts[name] += 1
    counts[AgentState.OFFLINE] = max(0, int(known) - len(states))
    return counts
