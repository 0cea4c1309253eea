"""A draft on trial: test callers hear it, everyone else the published config, each call
keeps its version to the end; publishing and rolling back move new calls only."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.app import create_app
from hotline.appkeys import CONFIGS, SESSIONMAKER, TRIALS
from hotline.demo import HOTLINES_YAML
from hotline.settings import Settings
from ivr.menus import drafting
from ivr.menus.trial import Trial
from queues import audit
from routing.keys import Keys
from tests.app_fixtures import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL, FakeClock, TwilioPoster
from tests.ivr.webhooks.walker import walk

LINE = "+8695598"
TESTER = "+8613800000999"
CUSTOMER = "+8613600000001"
PUBLISHED_GREETING = "欢迎致电国家电网95598供电服务热线。"
# Keeps the fragment the demo flow test listens for, or the draft would not pass it.
DRAFT_GREETING = "试运行：欢迎致电国家电网95598供电服务热线，我们竭诚为您服务。"
DRAFT_TEXT = HOTLINES_YAML.read_text(encoding="utf-8").replace(PUBLISHED_GREETING, DRAFT_GREETING)


@pytest.fixture
def settings(keys: Keys) -> Settings:
    return Settings(
        public_url=PUBLIC_URL,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        redis_prefix=keys.prefix,
        test_callers=(TESTER, "+8613800000998"),
    )


async def new_draft(sessionmaker: async_sessionmaker[AsyncSession], clock: FakeClock) -> int:
    checked = await drafting.create_draft(
        sessionmaker,
        title="new greeting",
        text=DRAFT_TEXT,
        based_on=None,
        actor="admin",
        now=clock.now,
    )
    assert checked.problems == []
    return checked.draft.id


async def on_trial(app: web.Application, clock: FakeClock, draft_id: int) -> Trial:
    return await drafting.start_trial(
        app[SESSIONMAKER],
        app[TRIALS],
        draft_id,
        length=timedelta(minutes=30),
        actor="admin",
        now=clock.now,
    )


async def greeting(twilio: TwilioPoster, caller: str) -> str:
    return (await walk(twilio, LINE, [], caller=caller)).answers[0].said()


async def test_test_callers_hear_the_trial_and_everyone_else_the_published_config(
    twilio: TwilioPoster,
    app: web.Application,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    assert PUBLISHED_GREETING in await greeting(twilio, TESTER)  # no trial yet
    trial = await on_trial(app, clock, await new_draft(sessionmaker, clock))
    assert trial.version == 2
    assert DRAFT_GREETING in await greeting(twilio, TESTER)
    assert DRAFT_GREETING in await greeting(twilio, "13800000998")  # without +86: the same line
    assert PUBLISHED_GREETING in await greeting(twilio, CUSTOMER)
    latest = app[CONFIGS].latest
    assert latest is not None
    assert latest.version == 1  # the trial is not published
    await drafting.stop_trial(sessionmaker, app[TRIALS], actor="admin", now=clock.now)
    assert PUBLISHED_GREETING in await greeting(twilio, TESTER)


async def test_a_call_keeps_its_version_through_trial_publish_and_roll_back(
    twilio: TwilioPoster,
    app: web.Application,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    draft_id = await new_draft(sessionmaker, clock)
    trial = await on_trial(app, clock, draft_id)
    testing = await walk(twilio, LINE, ["1"], caller=TESTER)  # in the fault menu, on trial
    customer = await walk(twilio, LINE, ["1"], caller=CUSTOMER)  # same menu, published
    assert "v=2" in testing.last.url("//Gather/@action")
    assert "v=1" in customer.last.url("//Gather/@action")

    await drafting.stop_trial(sessionmaker, app[TRIALS], actor="admin", now=clock.now)
    version = await drafting.publish_draft(
        sessionmaker, app[CONFIGS], app[TRIALS], draft_id, comment="", actor="admin", now=clock.now
    )
    assert version == 3 != trial.version
    assert DRAFT_GREETING in await greeting(twilio, CUSTOMER)  # a new call: the new version

    # Both calls already in the menu go on under the version they started with.
    for started, caller, pinned in ((testing, TESTER, "v=2"), (customer, CUSTOMER, "v=1")):
        params = twilio.base_params(started.call_sid, caller, LINE)
        step = await twilio.post(started.last.url("//Gather/@action"), {**params, "Digits": "*"})
        assert step.status == 200
        assert pinned in step.url("//Gather/@action")

    await drafting.roll_back_to(sessionmaker, app[CONFIGS], 1, actor="admin", now=clock.now)
    assert PUBLISHED_GREETING in await greeting(twilio, CUSTOMER)
    async with sessionmaker() as session:
        entries = await audit.entries_for(session, "config", "published")
    assert [(e.action, e.before, e.after) for e in reversed(entries)] == [
        ("publish", {"version": 1}, {"version": 3, "draft_id": draft_id, "title": "new greeting"}),
        ("rollback", {"version": 3}, {"version": 1}),
    ]


async def test_publishing_the_draft_on_trial_ends_its_trial(
    twilio: TwilioPoster,
    app: web.Application,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    draft_id = await new_draft(sessionmaker, clock)
    await on_trial(app, clock, draft_id)
    await drafting.publish_draft(
        sessionmaker,
        app[CONFIGS],
        app[TRIALS],
        draft_id,
        comment="go",
        actor="admin",
        now=clock.now,
    )
    assert await app[TRIALS].current() is None
    await drafting.roll_back_to(sessionmaker, app[CONFIGS], 1, actor="admin", now=clock.now)
    assert PUBLISHED_GREETING in await greeting(twilio, TESTER)  # no trial left behind


async def test_a_trial_ends_by_itself(
    app: web.Application,
    twilio: TwilioPoster,
    redis: aioredis.Redis,
    keys: Keys,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    await greeting(twilio, CUSTOMER)  # the app has started
    await on_trial(app, clock, await new_draft(sessionmaker, clock))
    ttl_ms = await redis.pttl(keys.trial_config())
    assert 29 * 60_000 < ttl_ms <= 30 * 60_000


async def test_a_retried_first_webhook_keeps_the_version_it_was_answered_with(
    twilio: TwilioPoster,
    app: web.Application,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    await on_trial(app, clock, await new_draft(sessionmaker, clock))
    first = await walk(twilio, LINE, [], caller=TESTER)
    await drafting.stop_trial(sessionmaker, app[TRIALS], actor="admin", now=clock.now)
    params = twilio.base_params(first.call_sid, TESTER, LINE)
    again = await twilio.post("/twilio/voice", params)
    assert DRAFT_GREETING in again.said()


async def test_a_pointer_to_a_missing_version_falls_back_to_the_published_one(
    twilio: TwilioPoster,
    app: web.Application,
    clock: FakeClock,
) -> None:
    await greeting(twilio, CUSTOMER)
    await app[TRIALS].start(Trial(999, 1, "admin", clock.now + timedelta(minutes=5)), now=clock.now)
    assert PUBLISHED_GREETING in await greeting(twilio, TESTER)


async def test_a_trial_started_on_one_server_is_heard_on_another(
    app: web.Application,
    twilio: TwilioPoster,
    settings: Settings,
    redis: aioredis.Redis,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    aiohttp_client: Callable[[web.Application], Awaitable[TestClient[Any, Any]]],
) -> None:
    other = create_app(settings, redis=redis, sessionmaker=sessionmaker, clock=clock)
    elsewhere = TwilioPoster(await aiohttp_client(other))
    await greeting(twilio, CUSTOMER)  # both servers are up
    await on_trial(app, clock, await new_draft(sessionmaker, clock))
    assert DRAFT_GREETING in await greeting(elsewhere, TESTER)
    assert PUBLISHED_GREETING in await greeting(elsewhere, CUSTOMER)
