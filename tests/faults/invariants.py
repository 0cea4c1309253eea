"""What every fault scenario must leave behind, checked in one place: every call ended
exactly once, every answered call has one work order and one full call record, no agent is
stuck, no caller waited past the maximum wait."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import cast

import redis.asyncio as aioredis
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from local_carrier import CallHandle
from queues.call_records.cdr import CallRecord
from queues.work_orders.numbers import parse_number
from queues.work_orders.orders import WorkOrder
from routing.keys import Keys
from routing.presence import AgentState
from routing.router import Router
from tests.e2e.contact_center import FINAL_EVENTS

#: What an answered call's record must hold, once the call and its events are in.
ANSWERED_RECORD_FIELDS = (
    "hotline_id", "config_version", "caller", "dialled", "path", "queue", "outcome",
    "arrived_at", "ended_at", "queued_at", "offered_at", "offers", "answered_at",
    "agent_id", "agent_grade", "wait_ms", "talk_ms", "queue_exit", "queue_exit_at",
    "completed_by", "work_order",
)  # fmt: skip
#: What an answered call's work order must hold from the call itself (the wrap-up is the
#: agent's to fill).
ORDER_FIELDS = (
    "number", "hotline_id", "call_sid", "caller", "queue", "ivr_path", "agent_id",
    "agent_grade", "decision_trace",
)  # fmt: skip
STUCK = {AgentState.RESERVED, AgentState.BUSY}


@dataclass(frozen=True)
class Rules:
    """The deployment's limits the checks hold calls to (in the servers' real seconds)."""

    agents: Sequence[str]
    queues: Sequence[str]
    max_wait_s: float
    speed: float  # the carrier's simulated seconds per real second
    # A caller is in the carrier's queue a little past the maximum wait: the next hold
    # segment's end, and a ring that started just before it (ring timeout + margin).
    wait_slack_s: float = 8.0


@dataclass(frozen=True)
class Tally:
    calls: int
    answered: int
    orders: int


def answered_at_carrier(handle: CallHandle) -> bool:
    """The carrier's truth: the caller was bridged to an agent."""
    return any(event.kind == "bridged" for event in handle.events)


def queue_seconds(handle: CallHandle, speed: float) -> float:
    """Real seconds the caller spent in the carrier's queue, from joining to leaving."""
    joined: float | None = None
    total = 0.0
    for event in handle.events:
        if event.kind == "enqueued":
            joined = event.at
        elif event.kind == "queue-result" and joined is not None:
            total += event.at - joined
            joined = None
    if joined is not None:
        total += handle.session.clock.now() - joined
    return total / speed


async def check_once(
    handles: Sequence[CallHandle],
    redis: aioredis.Redis,
    keys: Keys,
    sessionmaker: async_sessionmaker[AsyncSession],
    rules: Rules,
) -> Tally:
    """Every invariant, once; an AssertionError names the first one broken."""
    sids = [handle.sid for handle in handles]
    waits = {h.sid: round(queue_seconds(h, rules.speed), 1) for h in handles}
    held = {sid: s for sid, s in waits.items() if s > rules.max_wait_s + rules.wait_slack_s}
    assert not held, f"held past the maximum wait of {rules.max_wait_s} s: {held}"
    live = [handle.sid for handle in handles if not handle.done]
    assert not live, f"calls still on the line: {live}"
    dropped = {h.sid: [e.detail for e in h.errors] for h in handles if h.errors}
    assert not dropped, f"callers dropped by an error answer: {dropped}"
    answered = {handle.sid for handle in handles if answered_at_carrier(handle)}

    async with sessionmaker() as session:
        records = list(
            (
                await session.execute(select(CallRecord).where(CallRecord.call_sid.in_(sids)))
            ).scalars()
        )
        orders = list((await session.execute(select(WorkOrder))).scalars())
    by_sid = {record.call_sid: record for record in records}
    missing = [sid for sid in sids if sid not in by_sid]
    assert not missing, f"calls without a call record: {missing}"
    unended = {r.call_sid: r.outcome for r in records if r.ended_at is None or not r.outcome}
    assert not unended, f"call records never ended: {unended}"
    outcomes = {sid for sid, record in by_sid.items() if record.outcome == "answered"}
    assert outcomes == answered, (
        f"answered at the carrier but not in the record: {sorted(answered - outcomes)}; "
        f"recorded answered but never bridged: {sorted(outcomes - answered)}"
    )
    empty = {
        sid: [name for name in ANSWERED_RECORD_FIELDS if getattr(by_sid[sid], name) in (None, "")]
        for sid in answered
    }
    empty = {sid: names for sid, names in empty.items() if names}
    assert not empty, f"answered calls' records with empty fields: {empty}"

    per_call = Counter(order.call_sid for order in orders)
    twice = {sid: n for sid, n in per_call.items() if n > 1}
    assert not twice, f"calls with more than one work order: {twice}"
    without = sorted(answered - set(per_call))
    assert not without, f"answered calls without a work order: {without}"
    phantom = sorted(str(sid) for sid in set(per_call) - answered)
    assert not phantom, f"work orders for calls never answered: {phantom}"
    for order in orders:
        blank = [name for name in ORDER_FIELDS if getattr(order, name) in (None, "")]
        assert not blank, f"work order {order.number} has empty fields: {blank}"
        assert by_sid[order.call_sid or ""].work_order == order.number, order.number
    days: dict[date, list[int]] = defaultdict(list)
    for order in orders:
        day, sequence = parse_number(order.number)
        days[day].append(sequence)
    for day, numbers in days.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), (
            f"gaps in the work-order numbers of {day}: {sorted(numbers)}"
        )

    await _check_router(redis, keys, sids, rules)
    return Tally(len(sids), len(answered), len(orders))


async def _check_router(
    redis: aioredis.Redis, keys: Keys, sids: Sequence[str], rules: Rules
) -> None:
    """Nothing left in flight: no agent reserved or busy, no call waiting or reserved, and
    no call ended twice in what the event stream still holds."""
    router = Router(redis, keys)
    snapshots = [await router.agent(agent) for agent in rules.agents]
    stuck = {s.agent_id: s.state.value for s in snapshots if s is not None and s.state in STUCK}
    assert not stuck, f"agents stuck: {stuck}"
    waiting = {q: await redis.zrange(keys.waiting(q), 0, -1) for q in rules.queues}
    waiting = {q: calls for q, calls in waiting.items() if calls}
    assert not waiting, f"calls still waiting in the router: {waiting}"
    leases = await redis.zrange(keys.leases(), 0, -1)
    assert not leases, f"offers still reserved: {leases}"
    raw = cast(list[tuple[str, dict[str, str]]], await redis.xrange(keys.events()))
    finals: Counter[str] = Counter()
    connects: Counter[str] = Counter()
    for _, fields in raw:
        if fields.get("ev") in FINAL_EVENTS:
            finals[fields.get("call", "")] += 1
        elif fields.get("ev") == "CONNECT":
            connects[fields.get("call", "")] += 1
    twice = {sid: n for sid, n in finals.items() if n > 1 and sid in sids}
    assert not twice, f"calls ended more than once: {twice}"
    connected_twice = {sid: n for sid, n in connects.items() if n > 1 and sid in sids}
    assert not connected_twice, f"calls connected more than once: {connected_twice}"


async def check_nothing_lost(
    handles: Sequence[CallHandle],
    redis: aioredis.Redis,
    keys: Keys,
    sessionmaker: async_sessionmaker[AsyncSession],
    rules: Rules,
    *,
    settle_s: float = 15.0,
) -> Tally:
    """`check_once` until it passes or `settle_s` has passed: the servers write records and
    end wrap-ups a moment after the calls end (and a queued write once its store is back),
    so the last failure is the verdict."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + settle_s
    while True:
        try:
            return await check_once(handles, redis, keys, sessionmaker, rules)
        except (AssertionError, RedisError):
            if loop.time() >= deadline:
                raise
        await asyncio.sleep(0.5)
