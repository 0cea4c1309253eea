"""What is published is what runs: a publish or a roll-back gives the router that version's
queue rules and grades at once, waiting calls and signed-in agents included, and a call
still on an older version never writes its rules over the live ones."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.app import create_app
from hotline.appkeys import CONFIGS, MATCHING
from hotline.settings import DEMO_CONFIG, Settings
from ivr.menus.loading import load_config_file
from ivr.menus.publishing import publish_config, roll_back
from ivr.menus.schema import Config
from routing.grades import Grade
from routing.keys import Keys
from routing.presence import AgentState
from tests.app_fixtures import FakeClock, TwilioPoster
from tests.ivr.webhooks.walker import walk

LINE = "+8695598"


def demo(edit: Callable[[dict[str, Any]], None]) -> Config:
    document = load_config_file(DEMO_CONFIG).model_dump(mode="json")
    edit(document)
    return Config.model_validate(document)


def slower_fault_ring(document: dict[str, Any]) -> None:
    document["queues"]["fault"]["routing"]["ring_timeout_s"] = 35


async def live_rules(redis: aioredis.Redis, keys: Keys, queue: str) -> dict[str, str]:
    return cast(dict[str, str], await redis.hgetall(keys.queue(queue)))


def rules_of(config: Config, queue: str) -> dict[str, str]:
    return {k: str(v) for k, v in config.queues[queue].rules(queue).to_redis().items()}


def assert_runs(live: dict[str, str], config: Config, queue: str) -> None:
    expected = rules_of(config, queue)
    assert {k: live.get(k) for k in expected} == expected


async def test_publish_and_roll_back_apply_the_rules_at_once(
    client: TestClient[Any, Any],
    app: web.Application,
    redis: aioredis.Redis,
    keys: Keys,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    first = load_config_file(DEMO_CONFIG)
    assert_runs(await live_rules(redis, keys, "fault"), first, "fault")
    second = demo(slower_fault_ring)
    await publish_config(
        sessionmaker, app[CONFIGS], second, author="t", comment="v2", now=clock.now
    )
    # no call has come under version 2 yet: the rules are its own already
    assert_runs(await live_rules(redis, keys, "fault"), second, "fault")
    await roll_back(sessionmaker, app[CONFIGS], 1, now=clock.now)
    assert_runs(await live_rules(redis, keys, "fault"), first, "fault")


async def test_a_call_on_an_older_version_leaves_the_live_rules_alone(
    client: TestClient[Any, Any],
    twilio: TwilioPoster,
    app: web.Application,
    settings: Settings,
    redis: aioredis.Redis,
    keys: Keys,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    aiohttp_client: Callable[[web.Application], Awaitable[TestClient[Any, Any]]],
) -> None:
    """The call's next step reaches another process, one started after the publish."""
    in_progress = await walk(twilio, LINE, ["1"])  # at the fault menu, under version 1
    second = demo(slower_fault_ring)
    await publish_config(
        sessionmaker, app[CONFIGS], second, author="t", comment="v2", now=clock.now
    )
    other = create_app(settings, redis=redis, sessionmaker=sessionmaker, clock=clock)
    elsewhere = TwilioPoster(await aiohttp_client(other))
    params = elsewhere.base_params(in_progress.call_sid, "+8613600000000", LINE)
    queued = await elsewhere.post(
        in_progress.last.url("//Gather/@action"), {**params, "Digits": "1"}
    )
    assert queued.doc.findtext("Enqueue") == "fault"
    assert_runs(await live_rules(redis, keys, "fault"), second, "fault")


def two_step_complaints(document: dict[str, Any]) -> None:
    document["queues"]["complaint"]["routing"]["plan"]["steps"] = [
        {"grades": "4", "seconds": 30},
        {"grades": "2-4"},
    ]


async def test_a_shrunk_tier_plan_routes_a_call_in_a_removed_step(
    twilio: TwilioPoster,
    app: web.Application,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    router = app[MATCHING].router
    waiting = await walk(twilio, LINE, ["4", "1"])  # nobody signed in: straight to step 3
    assert waiting.last.doc.findtext("Enqueue") == "complaint"
    assert (await router.position(waiting.call_sid)).step == 2  # type: ignore[union-attr]
    await publish_config(
        sessionmaker,
        app[CONFIGS],
        demo(two_step_complaints),
        author="t",
        comment="2 steps",
        now=clock.now,
    )
    assert (await router.position(waiting.call_sid)).step == 1  # type: ignore[union-attr]
    await app[MATCHING].agent_ready("a1006")  # 中级 in complaints: the new last step's grade
    agent = await router.agent("a1006")
    assert agent is not None
    assert (agent.state, agent.call_id) == (AgentState.RESERVED, waiting.call_sid)


def regraded_a1004(document: dict[str, Any]) -> None:
    agent = next(a for a in document["agents"] if a["id"] == "a1004")
    agent["skills"] = {"billing": 3, "general": 1}  # out of fault, promoted in billing


async def test_a_signed_in_agent_is_routed_by_the_new_grades_without_signing_out(
    twilio: TwilioPoster,
    app: web.Application,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    router = app[MATCHING].router
    await app[MATCHING].agent_ready("a1004")
    await publish_config(
        sessionmaker,
        app[CONFIGS],
        demo(regraded_a1004),
        author="t",
        comment="grades",
        now=clock.now,
    )
    agent = await router.agent("a1004")
    assert agent is not None
    assert agent.state is AgentState.READY
    assert agent.skills == {"billing": Grade.SENIOR, "general": Grade.JUNIOR}
    fault = await walk(twilio, LINE, ["1", "1"])  # a fault call: a1004 serves fault no more
    assert fault.last.doc.findtext("Enqueue") == "fault"
    assert (await router.agent("a1004")).state is AgentState.READY  # type: ignore[union-attr]
    position = await router.position(fault.call_sid)
    assert position is not None
    assert position.state == "waiting"


def longer_gold_head_start(document: dict[str, Any]) -> None:
    document["queues"]["fault"]["routing"]["priority_s"] = {"gold": 600}


async def test_a_call_on_an_older_version_gets_the_live_head_start(
    client: TestClient[Any, Any],
    app: web.Application,
    redis: aioredis.Redis,
    keys: Keys,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    started_under = await app[CONFIGS].version(1)
    await publish_config(
        sessionmaker,
        app[CONFIGS],
        demo(longer_gold_head_start),
        author="t",
        comment="v2",
        now=clock.now,
    )
    await app[MATCHING].enqueue(started_under, "CA-old", "fault", vip_class="gold")
    record = cast(dict[str, str], await redis.hgetall(keys.routed_call("CA-old")))
    assert int(record["enq"]) - int(record["sc"]) == 600_000
