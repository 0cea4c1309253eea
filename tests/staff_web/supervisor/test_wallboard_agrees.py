"""The wallboard's figures for the reports' scripted day (tests/queues/reports/
scripted_day.py) equal the reports' own: per queue, per agent and through the day."""

from __future__ import annotations

from datetime import UTC, date, timedelta

import pytest
import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.settings import DEMO_CONFIG
from ivr.menus.loading import load_config_file
from ivr.menus.schema import Config
from queues.catalogue import TargetsSpec
from queues.reports.agent_report import agent_report
from queues.reports.queue_report import queue_report
from queues.reports.queue_row import totals
from routing.keys import Keys
from routing.router import Router
from staff_web.supervisor.wallboard_build import WallboardBuilder
from tests.queues.reports.scripted_day import local, write_day

pytestmark = pytest.mark.timeout(30)

DAY = date(2026, 11, 27)
NOW = local(12, 0)  # the scripted day is over by noon
TARGETS = {"fault": TargetsSpec(), "general": TargetsSpec(service_level_s=30)}


def tenth(value: float | None) -> float | None:
    """As the board shows figures: to a tenth."""
    return None if value is None else round(value, 1)


def day_config() -> Config:
    """The demo config holding fault and general to the scripted day's targets."""
    config = load_config_file(DEMO_CONFIG)
    queues = {
        name: spec.model_copy(update={"targets": TARGETS.get(name, spec.targets)})
        for name, spec in config.queues.items()
    }
    return config.model_copy(update={"queues": queues})


async def test_the_board_shows_the_reports_figures(
    redis: aioredis.Redis, keys: Keys, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await write_day(sessionmaker)
    now_ms = int(NOW.timestamp() * 1000)
    router = Router(redis, keys, clock=lambda: now_ms)
    config = day_config()
    for name, spec in config.queues.items():
        await router.configure_queue(spec.rules(name))
    for agent in ("a1", "a2"):  # the day's agents, signed in again for the board to list
        await router.login(agent, {"fault": 3, "general": 3}, now=now_ms)
    board = await WallboardBuilder(
        redis, keys, sessionmaker, lambda: config, lambda: NOW.astimezone(UTC)
    ).build("0-0")
    async with sessionmaker() as session:
        daily = await queue_report(session, DAY, DAY, interval_min=None, targets=TARGETS)
        quarters = await queue_report(session, DAY, DAY, interval_min=15, targets=TARGETS)
        agents = await agent_report(session, DAY, DAY)

    shown = {q.queue: q for q in board.queues}
    assert {row.queue for row in daily} == {"fault", "general"}
    for row in daily:
        q = shown[row.queue]
        assert (q.offered, q.answered, q.abandoned, q.short_abandons) == (
            row.offered,
            row.answered,
            row.abandoned,
            row.short_abandoned,
        )
        assert q.service_level == tenth(row.service_level_pct)
        assert q.asa_s == tenth(row.asa_s)
        assert q.aht_s == tenth(row.aht_s)
    # The scripted day's own hand-worked fault figures (test_scripted_day.py), once more.
    assert (shown["fault"].offered, shown["fault"].short_abandons) == (8, 1)
    every = totals(daily)
    assert every is not None
    assert (board.totals.offered, board.totals.answered, board.totals.abandoned) == (
        every.offered,
        every.answered,
        every.abandoned,
    )
    assert board.totals.service_level == tenth(every.service_level_pct)

    people = {a.agent_id: a for a in board.agents}
    assert {person.agent_id for person in agents} <= set(people)
    for person in agents:
        shown_agent = people[person.agent_id]
        assert (shown_agent.calls_today, shown_agent.talk_s_today) == (
            person.answered,
            person.talk_ms // 1000,
        )
    assert people["a1"].calls_today > 0

    # Through the day: each 15-minute point's service level is the interval report's.
    for row in quarters:
        start_ms = int(row.start.timestamp() * 1000)
        [point] = [p for p in board.curves[row.queue] if p.t == start_ms]
        assert point.service_level == tenth(row.service_level_pct)
    assert len(board.curves["fault"]) == int((NOW - local(0, 0)) / timedelta(minutes=15)) + 1
