"""A conversation Redis forgot (a flush, an empty restart) while caller and agent talked:
the router can complete nothing and writes no COMPLETE, yet the call's record gets its path
and queue (from the work order in SQL), its talk time and who hung up from the callbacks,
also through the outbox while the database is down, and the agent ends up free."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import redis.asyncio as aioredis
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from hotline.appkeys import MATCHING
from hotline.settings import Settings
from queues.call_records import cdr
from routing.keys import Keys
from routing.presence import AgentState
from tests.app_fixtures import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL, FakeClock, TwilioPoster
from tests.ivr.webhooks.test_rebuild import lose_everything
from tests.ivr.webhooks.walker import Walk, walk
from tests.staff_web.softphone.test_nothing_lost import Outage, drain, free_port, sink

pytestmark = pytest.mark.timeout(60)

Maker = async_sessionmaker[AsyncSession]
LINE = "+8695598"
CALLER = "+8613812345678"
FAULT = ["1", "1"]  # 1 故障报修 > 1 停电 → fault
PATH = "1 故障报修 > 1 停电"
AGENT = "a1005"
LEG = "CA" + "e" * 32


@pytest.fixture
def settings(keys: Keys) -> Settings:
    """The app without its own sink: the tests pump one by hand."""
    return Settings(
        public_url=PUBLIC_URL,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        redis_prefix=keys.prefix,
        event_sink=False,
    )


@pytest.fixture
async def outage(sessionmaker: Maker) -> AsyncIterator[Outage]:
    live = sessionmaker.kw["bind"]
    if live.dialect.name == "sqlite":
        url = "sqlite+aiosqlite:////nonexistent-hotline-dir/hotline.db"
    else:
        url = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/hotline"
    dead = create_async_engine(url)
    down = Outage(sessionmaker, dead)
    try:
        yield down
    finally:
        down.end()
        await dead.dispose()


async def talking(twilio: TwilioPoster, app: web.Application) -> Walk:
    """A caller put through to the agent, who answers; the sink writes the CONNECT and the
    record knows the answer, the agent and the order (not the path: the call end brings it)."""
    await app[MATCHING].agent_ready(AGENT)
    walked = await walk(twilio, LINE, FAULT, caller=CALLER)
    assert walked.last.doc.findtext("Dial/Client") == AGENT, walked.last.text
    assert await leg(twilio, walked, "in-progress") == 200
    await drain(sink(app, "p1"))
    return walked


async def leg(twilio: TwilioPoster, walked: Walk, status: str, **extra: str) -> int:
    params = {
        **twilio.base_params(LEG, CALLER, f"client:{AGENT}"),
        "ParentCallSid": walked.call_sid,
        "Direction": "outbound-dial",
        "CallStatus": status,
        **extra,
    }
    return (await twilio.post(walked.last.url("//Dial/Client/@statusCallback"), params)).status


async def dial_ended(twilio: TwilioPoster, walked: Walk, talk: str) -> int:
    """The Dial's action on the caller's call: the agent hung up, the caller is still on."""
    params = {
        **twilio.base_params(walked.call_sid, CALLER, LINE),
        "DialCallStatus": "completed",
        "DialCallSid": LEG,
        "DialCallDuration": talk,
    }
    return (await twilio.post(walked.last.url("//Dial/@action"), params)).status


async def caller_ended(twilio: TwilioPoster, walked: Walk, duration: str) -> int:
    params = {
        **twilio.base_params(walked.call_sid, CALLER, LINE),
        "CallStatus": "completed",
        "CallDuration": duration,
    }
    return (await twilio.post("/twilio/status", params)).status


async def record_of(sessionmaker: Maker, call_sid: str) -> cdr.CallRecord:
    async with sessionmaker() as session:
        record = await cdr.get(session, call_sid)
    assert record is not None
    return record


async def agent_state(app: web.Application) -> AgentState:
    snapshot = await app[MATCHING].router.agent(AGENT)
    assert snapshot is not None
    return snapshot.state


async def test_the_agent_hanging_up_a_call_redis_forgot_completes_its_record(
    twilio: TwilioPoster,
    app: web.Application,
    redis: aioredis.Redis,
    keys: Keys,
    clock: FakeClock,
    sessionmaker: Maker,
) -> None:
    """The agent hangs up first: the leg's end brings the talk time, the Dial's end on the
    caller's call says the agent hung up, the caller's end changes neither; a repeated
    callback changes nothing (before: no path, talk time nor who hung up)."""
    walked = await talking(twilio, app)
    await lose_everything(redis, keys)
    await app[MATCHING].agent_ready(AGENT)  # the softphone signs in again
    clock.now += timedelta(seconds=42)
    assert await leg(twilio, walked, "completed", CallDuration="42") == 200
    assert await dial_ended(twilio, walked, "42") == 200
    clock.now += timedelta(seconds=3)
    assert await caller_ended(twilio, walked, "60") == 200
    assert await leg(twilio, walked, "completed", CallDuration="41") == 200  # a retry

    record = await record_of(sessionmaker, walked.call_sid)
    assert (record.outcome, record.agent_id, record.path, record.queue) == (
        "answered",
        AGENT,
        PATH,
        "fault",
    )
    assert (record.talk_ms, record.completed_by, record.duration_s) == (42_000, "agent", 60)
    assert record.work_order.startswith("GD-")
    assert record.ended_at is not None
    assert await agent_state(app) is AgentState.READY


async def test_the_caller_hanging_up_a_call_redis_forgot_while_sql_is_down(
    twilio: TwilioPoster,
    app: web.Application,
    redis: aioredis.Redis,
    keys: Keys,
    clock: FakeClock,
    sessionmaker: Maker,
    outage: Outage,
) -> None:
    """The caller hangs up first (no Dial action comes) while the database is down: the
    leg's talk time and the caller's end are queued, and written when it is back."""
    walked = await talking(twilio, app)
    await lose_everything(redis, keys)
    await app[MATCHING].agent_ready(AGENT)
    clock.now += timedelta(seconds=30)
    outage.begin()
    assert await leg(twilio, walked, "completed", CallDuration="30") == 200
    assert await caller_ended(twilio, walked, "50") == 200
    outage.end()
    await drain(sink(app, "p2"))

    record = await record_of(sessionmaker, walked.call_sid)
    assert (record.outcome, record.path, record.queue) == ("answered", PATH, "fault")
    assert (record.talk_ms, record.completed_by, record.duration_s) == (30_000, "caller", 50)
    assert await agent_state(app) is AgentState.READY
