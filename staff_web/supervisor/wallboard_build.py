"""Builds the wallboard snapshot: live waits and agents from the router's Redis keys, the
day's figures from the call records, the alarms the queues' targets call for."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.menus.schema import Config
from queues.call_records.service_level import QueueFigures, day_bounds, figures_for_day, today
from queues.call_records.service_level import totals as day_totals
from queues.call_records.waiting_curve import INTERVAL, queued_calls_for_day, waiting_curve
from queues.catalogue import QueueSpec, TargetsSpec
from queues.reports.agent_report import AgentRow, agent_report
from queues.reports.queue_report import queue_report
from queues.reports.queue_row import QueueRow
from routing.keys import Keys
from routing.presence import AgentSnapshot, AgentState
from staff_web.supervisor.wallboard_alarms import judge
from staff_web.supervisor.wallboard_snapshot import (
    AgentBoard,
    Alarm,
    CurvePoint,
    QueueBoard,
    Snapshot,
    Totals,
)

#: The oldest waiting calls read for the longest wait: a priority head start moves a call
#: ahead of older ones, so the oldest is among the first few hundred by score.
LONGEST_WAIT_SCAN = 500
#: The day's curve reads every call of the day: at most this often.
CURVE_EVERY_S = 30.0


@dataclass(frozen=True, slots=True)
class LiveQueue:
    waiting: int
    longest_wait_s: int


async def live_queues(
    redis: aioredis.Redis, keys: Keys, queues: list[str], now_ms: int
) -> dict[str, LiveQueue]:
    """Each queue's waiting calls and the longest wait among them (routed-call hashes)."""
    async with redis.pipeline(transaction=False) as pipe:
        for queue in queues:
            pipe.zcard(keys.waiting(queue))
            pipe.zrange(keys.waiting(queue), 0, LONGEST_WAIT_SCAN - 1)
        read = await pipe.execute()
    counts = read[0::2]
    members = cast(list[list[str]], read[1::2])
    async with redis.pipeline(transaction=False) as pipe:
        for calls in members:
            for call in calls:
                pipe.hget(keys.routed_call(call), "enq")
        joined = iter(await pipe.execute())
    out = {}
    for queue, count, calls in zip(queues, counts, members, strict=True):
        arrivals = [int(at) for at in (next(joined) for _ in calls) if at]
        oldest = min(arrivals, default=now_ms)
        out[queue] = LiveQueue(int(count), max(0, (now_ms - oldest) // 1000))
    return out


async def live_agents(redis: aioredis.Redis, keys: Keys) -> list[AgentSnapshot]:
    """Every agent that ever signed in, as the router holds it now."""
    agents = cast(list[str], await redis.zrange(keys.agents(), 0, -1))
    async with redis.pipeline(transaction=False) as pipe:
        for agent in agents:
            pipe.hgetall(keys.agent(agent))
            pipe.hgetall(keys.skills(agent))
        read = await pipe.execute()
    return [
        AgentSnapshot.from_redis(agent, read[2 * i] or {}, read[2 * i + 1] or {})
        for i, agent in enumerate(agents)
    ]


def reason_of(agent: AgentSnapshot) -> str:
    """What the page says beside the state: a break's reason, or what the state waits on."""
    if agent.state is AgentState.RESERVED:
        return "ringing"
    if agent.state in (AgentState.BUSY, AgentState.WRAP_UP):
        return agent.state.value
    return agent.reason


def agent_board(
    agent: AgentSnapshot,
    name: str,
    fallback_skills: dict[str, int],
    day: AgentRow | None,
    now_ms: int,
) -> AgentBoard:
    skills = {queue: int(grade) for queue, grade in agent.skills.items()} or fallback_skills
    return AgentBoard(
        agent_id=agent.agent_id,
        name=name,
        state=agent.state.value,
        reason=reason_of(agent),
        in_state_s=max(0, (now_ms - agent.since_ms) // 1000) if agent.since_ms else 0,
        skills=skills,
        calls_today=day.answered if day else 0,
        talk_s_today=day.talk_ms // 1000 if day else 0,
    )


def queue_board(
    queue: str,
    spec: QueueSpec,
    live: LiveQueue,
    figures: QueueFigures | None,
    agents: list[AgentBoard],
) -> QueueBoard:
    targets = spec.targets
    serving = [a for a in agents if queue in a.skills and a.state != AgentState.OFFLINE]
    return QueueBoard(
        queue=queue,
        names=dict(spec.name),
        waiting=live.waiting,
        longest_wait_s=live.longest_wait_s,
        offered=figures.offered if figures else 0,
        answered=figures.answered if figures else 0,
        abandoned=figures.abandoned if figures else 0,
        short_abandons=figures.short_abandoned if figures else 0,
        service_level=figures.service_level if figures else None,
        threshold_s=targets.service_level_s,
        goal_pct=targets.service_level_goal_pct,
        asa_s=figures.avg_wait_s if figures else None,
        aht_s=figures.aht_s if figures else None,
        agents_by_state=dict(Counter(a.state for a in serving)),
        agents_by_grade=dict(Counter(str(a.skills[queue]) for a in serving)),
    )


def totals_of(
    queues: list[QueueBoard], figures: list[QueueFigures], agents: list[AgentBoard]
) -> Totals:
    return Totals(
        waiting=sum(q.waiting for q in queues),
        longest_wait_s=max((q.longest_wait_s for q in queues), default=0),
        offered=sum(q.offered for q in queues),
        answered=sum(q.answered for q in queues),
        abandoned=sum(q.abandoned for q in queues),
        short_abandons=sum(q.short_abandons for q in queues),
        service_level=day_totals(figures).service_level,
        agents_by_state=dict(Counter(a.state for a in agents)),
    )


class WallboardBuilder:
    """Builds snapshots for one process; keeps the day's curve between its refreshes."""

    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
        sessionmaker: async_sessionmaker[AsyncSession],
        config: Callable[[], Config | None],
        clock: Callable[[], datetime],
        *,
        curve_every_s: float = CURVE_EVERY_S,
    ) -> None:
        self._redis, self._keys, self._sessions = redis, keys, sessionmaker
        self._config, self._clock = config, clock
        self._curve_every_s = curve_every_s
        self._curves: dict[str, list[CurvePoint]] = {}
        self._curve_day: date | None = None
        self._curve_at = 0.0  # when the curve was last read (time.monotonic())
        self._curve_offered = -1  # calls offered today when it was

    async def build(self, event_id: str) -> Snapshot:
        """The board now; `event_id` is the newest router event read before it began."""
        now = self._clock()
        now_ms = int(now.timestamp() * 1000)
        config, day = self._config(), today(now)
        specs = config.queues if config else {}
        names = sorted(specs)
        targets = {q: specs[q].targets for q in names}
        live = await live_queues(self._redis, self._keys, names, now_ms)
        routed = await live_agents(self._redis, self._keys)
        async with self._sessions() as session:
            # The reports' own figures, so the board and the reports always agree.
            found = await figures_for_day(session, day, targets=targets)
            figures = {row.queue: row for row in found}
            by_agent = {row.agent_id: row for row in await agent_report(session, day, day)}
            if self._curve_due(day, sum(f.offered for f in found)):
                self._curves = await day_curves(session, day, now, targets)
        people = {a.id: a for a in config.agents} if config else {}
        agents = []
        for agent in routed:
            spec = people.get(agent.agent_id)
            name, skills = (spec.name, dict(spec.skills)) if spec else ("", {})
            agents.append(agent_board(agent, name, skills, by_agent.get(agent.agent_id), now_ms))
        queues: list[QueueBoard] = []
        alarms: list[Alarm] = []
        for queue in names:
            board = queue_board(queue, specs[queue], live[queue], figures.get(queue), agents)
            raised = judge(board, specs[queue].targets)
            board.alarms.extend(alarm.kind for alarm in raised)
            queues.append(board)
            alarms += raised
        return Snapshot(
            event_id=event_id,
            built_at_ms=now_ms,
            day=day.isoformat(),
            queues=queues,
            agents=agents,
            totals=totals_of(queues, list(figures.values()), agents),
            alarms=alarms,
            curves=self._curves,
        )

    def _curve_due(self, day: date, offered: int) -> bool:
        """A new day, a call offered since, or `curve_every_s` passed (calls waiting)."""
        at = time.monotonic()
        due = day != self._curve_day or offered != self._curve_offered
        if due or at - self._curve_at >= self._curve_every_s:
            self._curve_day, self._curve_at, self._curve_offered = day, at, offered
            return True
        return False


async def day_curves(
    session: AsyncSession, day: date, now: datetime, targets: dict[str, TargetsSpec]
) -> dict[str, list[CurvePoint]]:
    """Per queue through the day: the 15-minute report's service level and the calls
    waiting at each interval's end."""
    rows = await queue_report(session, day, day, interval_min=15, targets=targets)
    levels: dict[tuple[str, datetime], QueueRow] = {(r.queue, r.start): r for r in rows}
    waiting = waiting_curve(await queued_calls_for_day(session, day), day, now)
    start, _ = day_bounds(day)
    count = max(1, int((now - start) / INTERVAL) + 1)
    out: dict[str, list[CurvePoint]] = {}
    for queue in sorted({r.queue for r in rows} | set(waiting)):
        waits = dict(waiting.get(queue, []))
        points = []
        for i in range(count):
            at = start + INTERVAL * i
            row = levels.get((queue, at))
            level = row.service_level_pct if row else None
            level = None if level is None else round(level, 1)
            points.append(CurvePoint(int(at.timestamp() * 1000), level, waits.get(at, 0)))
        out[queue] = points
    return out
