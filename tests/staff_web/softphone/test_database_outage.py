"""The database away while calls are answered, wrapped up and ended: nothing is lost.

The outage is real: the app's sessionmaker is pointed at a database that cannot be opened
(an SQLite file in a folder that does not exist; a PostgreSQL port nobody listens on), and
back. The event sink is pumped by hand so that each step is seen.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import redis.asyncio as aioredis
from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from hotline.appkeys import CLOCK, KEYS, REDIS, SESSIONMAKER
from hotline.contexts import stream_writes
from hotline.settings import Settings
from queues.call_records import cdr
from queues.call_records.router_events import RouterEventRow
from queues.work_orders.intake import by_call_sid
from queues.work_orders.order_queries import with_trail
from queues.work_orders.orders import WorkOrder
from queues.work_orders.status import Status
from routing.keys import Keys
from routing.outbox import pending_writes
from switchboard.event_sink import SQL_DOWN, EventSink, SinkPolicy
from tests.app_fixtures import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL, FakeClock, TwilioPoster
from tests.ivr.webhooks.walker import Walk, walk
from tests.staff_web.softphone.conftest import SignIn

pytestmark = pytest.mark.timeout(60)

Maker = async_sessionmaker[AsyncSession]
LINE = "+8695598"
CALLER = "+8613812345678"
FAULT = ["1", "1"]
AGENT = "a1005"
# Claims at once: the entries a dead consumer read are taken over by the next pump.
CLAIM_AT_ONCE = SinkPolicy(claim_idle_ms=0, claim_every_s=0)


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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Outage:
    """Takes the database away from every session made from here on, and gives it back."""

    def __init__(self, sessionmaker: Maker, dead: AsyncEngine) -> None:
        self.sessionmaker = sessionmaker
        self.live = sessionmaker.kw["bind"]
        self.dead = dead

    def begin(self) -> None:
        self.sessionmaker.configure(bind=self.dead)

    def end(self) -> None:
        self.sessionmaker.configure(bind=self.live)


@pytest.fixture
async def outage(sessionmaker: Maker) -> AsyncIterator[Outage]:
    live: AsyncEngine = sessionmaker.kw["bind"]
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


def sink(app: web.Application, consumer: str, policy: SinkPolicy | None = None) -> EventSink:
    return EventSink(
        app[REDIS],
        app[KEYS],
        app[SESSIONMAKER],
        clock=app[CLOCK],
        consumer=consumer,
        policy=policy,
        writes=stream_writes(app),
    )


async def drain(consumer: EventSink) -> None:
    """Pump until a round finds nothing: own pending entries first, then new ones."""
    while await consumer.pump():
        pass


async def leg(twilio: TwilioPoster, walked: Walk, status: str, **extra: str) -> int:
    status_url = walked.last.url("//Dial/Client/@statusCallback")
    params = {
        **twilio.base_params("CA" + "e" * 32, CALLER, f"client:{AGENT}"),
        "ParentCallSid": walked.call_sid,
        "Direction": "outbound-dial",
        "CallStatus": status,
        **extra,
    }
    return (await twilio.post(status_url, params)).status


async def caller_hangs_up(twilio: TwilioPoster, walked: Walk, duration: str) -> int:
    params = {
        **twilio.base_params(walked.call_sid, CALLER, LINE),
        "CallStatus": "completed",
        "CallDuration": duration,
    }
    return (await twilio.post("/twilio/status", params)).status


async def count(sessionmaker: Maker, model: Any) -> int:
    async with sessionmaker() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


WRAP_UP = {
    "category": "fault_repair",
    "area": "rural",
    "address": "城东路 12 号",
    "description": "整栋楼停电",
    "department": "抢修班",
}


async def test_an_outage_during_answer_wrap_up_and_hang_up_loses_nothing(
    signed: SignIn,
    twilio: TwilioPoster,
    app: web.Application,
    sessionmaker: Maker,
    outage: Outage,
    redis: aioredis.Redis,
    keys: Keys,
    clock: FakeClock,
) -> None:
    desk = await signed(AGENT)
    await desk.call("POST", "/api/agent/ready")
    softphone = await desk.socket()
    walked = await walk(twilio, LINE, FAULT, caller=CALLER)
    consumer = sink(app, "p1")

    outage.begin()
    assert await leg(twilio, walked, "in-progress") == 200
    connected = await softphone.next("connected")
    assert connected["work_order"] == ""  # not in SQL yet: the softphone shows 保存中…
    status, call = await desk.call("GET", f"/api/agent/call/{walked.call_sid}")
    assert (status, call["state"], call["work_order"]) == (200, "saving", "")
    with pytest.raises(SQL_DOWN):
        await consumer.pump()  # the sink cannot write either: its entries stay pending
    clock.now += timedelta(seconds=42)
    assert await leg(twilio, walked, "completed", CallDuration="42") == 200
    status, answer = await desk.call(
        "POST", "/api/agent/wrap-up", WRAP_UP | {"call_sid": walked.call_sid}
    )
    assert (status, answer["state"], answer["desk"]["state"]) == (202, "saving", "ready")
    assert await caller_hangs_up(twilio, walked, "50") == 200
    with pytest.raises(SQL_DOWN):
        await consumer.pump()
    assert await pending_writes(redis, keys, consumer.policy.group) > 0

    outage.end()
    await drain(consumer)
    assert await pending_writes(redis, keys, consumer.policy.group) == 0
    saved_order = await softphone.next("saved")
    saved_wrap_up = await softphone.next("saved")
    assert saved_order == {
        "type": "saved",
        "call_sid": walked.call_sid,
        "work_order": "GD-20261125-000001",
    }
    assert saved_wrap_up["work_order"] == "GD-20261125-000001"
    assert saved_wrap_up["order"]["status"] == "dispatched"

    async with sessionmaker() as session:
        order = await by_call_sid(session, walked.call_sid)
        assert order is not None
        trail = await with_trail(session, order.id)
        record = await cdr.get(session, walked.call_sid)
    assert trail is not None
    assert (trail.number, trail.agent_id, trail.queue, trail.ivr_path) == (
        "GD-20261125-000001",
        AGENT,
        "fault",
        "1 故障报修 > 1 停电",
    )
    assert (trail.address, trail.description, trail.department) == (
        "城东路 12 号",
        "整栋楼停电",
        "抢修班",
    )
    assert trail.status is Status.DISPATCHED
    assert [e.action for e in trail.events] == ["created", "edited", "transition"]
    assert record is not None
    assert (record.outcome, record.agent_id, record.work_order, record.completed_by) == (
        "answered",
        AGENT,
        "GD-20261125-000001",
        "agent",
    )
    assert (record.caller, record.path, record.queue, record.duration_s) == (
        CALLER,
        "1 故障报修 > 1 停电",
        "fault",
        50,
    )
    assert None not in (record.answered_at, record.ended_at, record.queued_at, record.wait_ms)
    assert record.talk_ms == 42_000

    # Every entry was applied once: consuming the stream again changes nothing.
    rows = await count(sessionmaker, RouterEventRow)
    again = sink(app, "p2")
    await again.redis.xgroup_setid(again.stream, again.policy.group, id="0")
    await drain(again)
    assert await count(sessionmaker, RouterEventRow) == rows
    assert await count(sessionmaker, WorkOrder) == 1
    async with sessionmaker() as session:
        replayed = await with_trail(session, order.id)
    assert replayed is not None
    assert len(replayed.events) == 3
    await softphone.close()
