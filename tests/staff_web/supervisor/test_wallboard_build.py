"""The wallboard snapshot on a known router (fake or real Redis) and known call records:
live waits and agents from Redis, the day's figures and each agent's calls from SQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.settings import DEMO_CONFIG
from ivr.menus.loading import load_config_file
from ivr.menus.schema import Config
from queues.call_records.cdr import CallRecord
from queues.call_records.waiting_curve import INTERVAL
from routing.keys import Keys
from routing.router import Router
from staff_web.supervisor.wallboard_build import WallboardBuilder
from staff_web.supervisor.wallboard_snapshot import QueueBoard
from tests.queues.call_records.test_service_level import answered, record

pytestmark = pytest.mark.timeout(30)

# 2026-11-27 10:00 in Shanghai: an hour after the records' morning (09:00).
NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)


@pytest.fixture
def config() -> Config:
    return load_config_file(DEMO_CONFIG)


@pytest.fixture
async def router(redis: aioredis.Redis, keys: Keys, config: Config) -> Router:
    router = Router(redis, keys, clock=lambda: NOW_MS)
    for name, spec in config.queues.items():
        await router.configure_queue(spec.rules(name))
    return router


async def add(sessionmaker: async_sessionmaker[AsyncSession], *rows: CallRecord) -> None:
    async with sessionmaker() as session, session.begin():
        session.add_all(rows)


def builder(
    redis: aioredis.Redis,
    keys: Keys,
    sessionmaker: async_sessionmaker[AsyncSession],
    config: Config,
) -> WallboardBuilder:
    return WallboardBuilder(redis, keys, sessionmaker, lambda: config, lambda: NOW)


def queue(boards: list[QueueBoard], name: str) -> QueueBoard:
    return next(b for b in boards if b.queue == name)


async def test_live_waits_and_agents_from_the_router(
    redis: aioredis.Redis,
    keys: Keys,
    sessionmaker: async_sessionmaker[AsyncSession],
    config: Config,
    router: Router,
) -> None:
    await router.login("a1005", {"fault": 4, "general": 3}, now=NOW_MS - 600_000)
    await router.login("a1003", {"fault": 2, "billing": 2}, now=NOW_MS - 300_000)
    await router.set_break("a1003", "培训", now=NOW_MS - 120_000)
    # a1005 takes the first call; two more wait, the older for 95 s, VIP head start or not.
    first = await router.enqueue("CA1", "fault", now=NOW_MS - 200_000)
    assert first.offer is not None
    assert first.offer.agent_id == "a1005"
    await router.accept("CA1", first.offer.token, now=NOW_MS - 190_000)
    await router.enqueue("CA2", "fault", now=NOW_MS - 95_000)
    await router.enqueue("CA3", "fault", priority_offset_ms=200_000, now=NOW_MS - 10_000)

    snap = await builder(redis, keys, sessionmaker, config).build("7-0")

    fault = queue(snap.queues, "fault")
    assert (fault.waiting, fault.longest_wait_s) == (2, 95)
    assert fault.agents_by_state == {"busy": 1, "break": 1}
    assert fault.agents_by_grade == {"4": 1, "2": 1}
    assert queue(snap.queues, "general").agents_by_state == {"busy": 1}
    assert queue(snap.queues, "vip").waiting == 0
    by_id = {a.agent_id: a for a in snap.agents}
    assert (by_id["a1003"].state, by_id["a1003"].reason, by_id["a1003"].in_state_s) == (
        "break",
        "培训",
        120,
    )
    assert (by_id["a1005"].state, by_id["a1005"].reason, by_id["a1005"].name) == (
        "busy",
        "busy",
        "杨帆",
    )
    assert by_id["a1005"].skills == {"fault": 4, "general": 3}
    assert (snap.totals.waiting, snap.totals.longest_wait_s) == (2, 95)
    assert snap.totals.agents_by_state == {"busy": 1, "break": 1}
    assert (snap.event_id, snap.built_at_ms, snap.day) == ("7-0", NOW_MS, "2026-11-27")
    # Three waiting is below the demo's alarm_waiting (10) and 95 s above its 60 s.
    assert [(a.queue, a.kind) for a in snap.alarms] == [("fault", "longest_wait")]
    assert fault.alarms == ["longest_wait"]
    assert [q["queue"] for q in snap.to_json()["queues"]] == sorted(config.queues)


async def test_the_days_figures_from_the_call_records(
    redis: aioredis.Redis,
    keys: Keys,
    sessionmaker: async_sessionmaker[AsyncSession],
    config: Config,
    router: Router,
) -> None:
    await router.login("a1005", {"fault": 4}, now=NOW_MS)
    abandoned = {"outcome": "abandoned", "queue_exit": "ABANDON", "end_cause": "in_queue"}
    left = {"queue_exit_at": NOW - timedelta(minutes=50)}
    await add(
        sessionmaker,
        answered("c0001", "fault", 0, wait_s=5, talk_s=60),
        answered("c0002", "fault", 1, wait_s=30, talk_s=120),
        answered("c0003", "fault", 20, wait_s=10, talk_s=30),
        record("c0004", "fault", 2, wait_ms=3_000, **abandoned, **left),  # short: < 5 s
        record("c0005", "fault", 3, wait_ms=40_000, **abandoned, **left),
        # Yesterday's call and another agent's: not a1005's today.
        answered("c0006", "fault", -24 * 60, wait_s=1, talk_s=10),
        answered("c0007", "vip", 4, wait_s=1, talk_s=45),
    )
    snap = await builder(redis, keys, sessionmaker, config).build("0-0")

    fault = queue(snap.queues, "fault")
    assert (fault.offered, fault.answered, fault.abandoned, fault.short_abandons) == (5, 3, 1, 1)
    assert fault.service_level == 50.0  # 2 within 20 s of 5 offered less 1 short abandon
    assert (fault.asa_s, fault.aht_s, fault.threshold_s) == (15.0, 70.0, 20)
    assert fault.alarms == ["service_level"]  # 50 % < 80 % with 5 offered
    assert queue(snap.queues, "vip").service_level == 100.0
    assert (snap.totals.offered, snap.totals.answered, snap.totals.service_level) == (
        6,
        4,
        60.0,  # c0001, c0003, c0007 within 20 s of 6 less the short abandon
    )
    # The records' agent "a1" answered four calls today; a1005 none, whatever the router says.
    [a1005] = snap.agents
    assert (a1005.calls_today, a1005.talk_s_today) == (0, 0)
    # The curve: one point per 15 minutes since midnight, up to 10:00 Shanghai.
    points = snap.curves["fault"]
    assert len(points) == 41
    nine = points[36]  # 09:00-09:15
    assert nine.t == int((NOW - timedelta(hours=1)).timestamp() * 1000)
    # c0001 of c0001, c0002, c0005 (c0004 is a short abandon: outside service level).
    assert nine.service_level == 33.3
    assert points[37].service_level == 100.0
    assert points[38].service_level is None
    # c0005 (40 s from 09:03) had left by 09:15; the others too, by their records.
    assert [p.waiting for p in points[35:]] == [0, 0, 0, 0, 0, 0]
    assert timedelta(minutes=15) == INTERVAL


async def test_each_agents_calls_today(
    redis: aioredis.Redis,
    keys: Keys,
    sessionmaker: async_sessionmaker[AsyncSession],
    config: Config,
    router: Router,
) -> None:
    await router.login("a1001", {"vip": 4}, now=NOW_MS)
    mine = [answered(f"c00{i}", "vip", i, wait_s=2, talk_s=40 + i) for i in range(10, 13)]
    for row in mine:
        row.agent_id = "a1001"
    await add(sessionmaker, *mine, answered("c0099", "vip", 5, wait_s=2, talk_s=99))
    snap = await builder(redis, keys, sessionmaker, config).build("0-0")
    [agent] = snap.agents
    assert (agent.calls_today, agent.talk_s_today, agent.state) == (3, 40 * 3 + 33, "ready")
