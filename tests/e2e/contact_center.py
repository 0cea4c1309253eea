"""A busy hour for end-to-end tests: many callers and a few agents of mixed grades on the
local carrier, each behaving at random (seeded), and the checks every such run must pass."""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import redis.asyncio as aioredis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.settings import DEMO_CONFIG
from ivr.menus.loading import config_to_yaml, load_config_file
from ivr.menus.schema import Config
from local_carrier import Answer, CallHandle, Ignore, LocalCarrier, Reject, ScriptedAgent
from queues.call_records.cdr import CallRecord
from queues.work_orders.orders import WorkOrder
from routing.keys import Keys
from tests.local_carrier.scripted_caller import HangUp, Press, ScriptedCaller

AGENTS = [f"a100{i}" for i in range(1, 9)]
# Menu keys to each queue on the 95598 line; VIP callers go to `vip` without keys.
ROUTES: dict[str, list[str]] = {
    "fault": ["1", "1"],
    "billing": ["2", "1"],
    "business": ["3", "1"],
    "complaint": ["4", "1"],
    "general": ["0"],
}
VIP_CALLERS = ["+8613800138000", "+8613911112222", "+8613700001111"]
FINAL_EVENTS = {"ABANDON", "EXITWITHTIMEOUT", "COMPLETECALLER", "COMPLETEAGENT"}


def fast_config(max_wait_s: int = 25) -> Config:
    """The demo config with times fit for a test: short rings, wrap-ups, steps and waits
    (the router's times are the server's real seconds; the carrier's are simulated)."""
    document: dict[str, Any] = load_config_file(DEMO_CONFIG).model_dump(mode="json")
    for spec in document["queues"].values():
        spec["hold_seconds"] = 5
        spec["announce_every_s"] = 30
        spec["wait_keys"] = {}
        routing = spec["routing"]
        routing.update(
            ring_timeout_s=4,
            wrap_up_s=1,
            max_wait_s=max_wait_s,
            max_no_answer=4,
            backoff={"reject_s": 1, "busy_s": 1, "no_answer_s": 1},
        )
        for step in routing["plan"]["steps"]:
            if step.get("seconds"):
                step["seconds"] = 2
        routing["on_max_wait"] = {"type": "hangup"}  # a timeout ends the call: easy to count
    return Config.model_validate(document)


def write_fast_config(folder: Path, max_wait_s: int = 25) -> Path:
    path = folder / "fast-hotlines.yaml"
    path.write_text(config_to_yaml(fast_config(max_wait_s)), encoding="utf-8")
    return path


def agent_phones(rng: random.Random) -> dict[str, ScriptedAgent]:
    """Each agent answers most rings (after a while, then talks), rejects or ignores some."""
    phones = {}
    for agent in AGENTS:
        script: list[Answer | Reject | Ignore] = []
        for _ in range(60):
            roll = rng.random()
            if roll < 0.7:
                script.append(Answer(after=rng.uniform(0.5, 3), talk=rng.uniform(5, 40)))
            elif roll < 0.85:
                script.append(Reject(after=rng.uniform(0.5, 2)))
            else:
                script.append(Ignore())
        phones[agent] = ScriptedAgent(agent, script)
    return phones


@dataclass
class Caller:
    number: str
    queue: str
    caller: ScriptedCaller


def callers(rng: random.Random, count: int) -> list[Caller]:
    made = []
    for index in range(count):
        if index % 10 == 3:
            number, queue, keys = VIP_CALLERS[index % 3], "vip", []
        else:
            queue = rng.choice(sorted(ROUTES))
            number, keys = f"+86135{index:08d}", ROUTES[queue]
        steps: list[Any] = [Press(key, barge_in=True) for key in keys]
        if rng.random() < 0.2:  # some lose patience in the queue
            steps.append(HangUp(after_queue_time=rng.uniform(5, 120)))
        made.append(Caller(number, queue, ScriptedCaller(steps)))
    return made


async def place_all(carrier: LocalCarrier, people: list[Caller]) -> list[CallHandle]:
    handles = []
    for person in people:
        handles.append(await carrier.place_call(person.number, "95598", person.caller))
        await asyncio.sleep(0.02)  # arrivals spread out a little, as in life
    await asyncio.wait_for(asyncio.gather(*(h.wait() for h in handles)), timeout=240)
    return handles


@dataclass
class Verdict:
    answered: int
    abandoned: int
    timed_out: int
    missed: int  # offers rejected or not answered


async def check_run(
    handles: list[CallHandle],
    people: list[Caller],
    redis: aioredis.Redis,
    keys: Keys,
    sessionmaker: async_sessionmaker[AsyncSession],
    grades: dict[str, dict[str, int]],
    floors: dict[str, int],
) -> Verdict:
    """Every call ended answered, abandoned or timed out; every answered call has exactly
    one work order and one call record; no agent ever held two calls; grades respected."""
    for handle in handles:
        assert handle.errors == [], (handle.sid, handle.errors)
    raw = cast(list[tuple[str, dict[str, str]]], await redis.xrange(keys.events()))
    events = [fields for _, fields in raw]
    by_call: dict[str, list[dict[str, str]]] = defaultdict(list)
    for event in events:
        if event.get("call"):
            by_call[event["call"]].append(event)
    sids = {h.sid for h in handles}
    connected = set()
    outcome = {"answered": 0, "abandoned": 0, "timed_out": 0}
    for sid in sids:
        kinds = [e["ev"] for e in by_call[sid]]
        finals = [k for k in kinds if k in FINAL_EVENTS]
        assert len(finals) == 1, (sid, kinds)  # ended exactly once, in one way
        assert kinds.count("CONNECT") <= 1, (sid, kinds)
        if "CONNECT" in kinds:
            connected.add(sid)
            outcome["answered"] += 1
        elif finals[0] == "ABANDON":
            outcome["abandoned"] += 1
        else:
            outcome["timed_out"] += 1
    # No agent ever held two calls: offers and calls per agent never overlap.
    holding: dict[str, str | None] = dict.fromkeys(AGENTS)
    for event in events:
        agent, kind, call = event.get("agent", ""), event["ev"], event.get("call", "")
        if not agent or not call:
            continue
        if kind == "OFFER":
            assert holding[agent] is None, f"{agent} offered {call} while holding {holding[agent]}"
            holding[agent] = call
        elif kind in {"RINGNOANSWER", "RINGCANCELED", "COMPLETECALLER", "COMPLETEAGENT"}:
            assert holding[agent] == call, (agent, kind, call, holding[agent])
            holding[agent] = None
        elif kind == "ABANDON" and holding[agent] == call:
            holding[agent] = None
    async with sessionmaker() as session:
        orders = list((await session.execute(select(WorkOrder))).scalars())
        records = list((await session.execute(select(CallRecord))).scalars())
    per_call_orders: dict[str | None, int] = defaultdict(int)
    for order in orders:
        per_call_orders[order.call_sid] += 1
        # Grades: the agent's grade in the queue, never below the queue's floor.
        assert order.agent_id is not None
        assert order.agent_grade == grades[order.agent_id][order.queue], order.number
        assert order.agent_grade >= floors[order.queue], order.number
        trace = order.decision_trace or {}
        low, high = trace["grades"]
        assert low <= order.agent_grade <= high, (order.number, trace["grades"])
    assert {sid for sid, n in per_call_orders.items() if n} == connected
    assert all(n == 1 for n in per_call_orders.values())
    record_sids = [r.call_sid for r in records]
    assert sorted(record_sids) == sorted(sids)  # one record per call, answered or not
    assert len(people) == len(handles)
    missed = len([event for event in events if event["ev"] == "RINGNOANSWER"])
    return Verdict(outcome["answered"], outcome["abandoned"], outcome["timed_out"], missed)
