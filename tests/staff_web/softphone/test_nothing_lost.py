"""Nothing is lost: the database away while calls are answered, wrapped up and ended; a
process dying between the router's accept and the order's write; duplicate callbacks.

The outage is real: the app's sessionmaker is pointed at a database that cannot be opened
(an SQLite file in a folder that does not exist; a PostgreSQL port nobody listens on), and
back. The event sink is pumped by hand so that each step is seen.
"""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

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

from hotline.appkeys import CALLS, CLOCK, KEYS, MATCHING, REDIS, SESSIONMAKER
from hotline.settings import Settings
from hotline.sink_context import stream_writes
from queues import voicemails
from queues.call_records import cdr
from queues.call_records.router_events import RouterEventRow
from queues.work_orders.intake import by_call_sid
from queues.work_orders.numbers import WorkOrderCounter
from queues.work_orders.order_queries import with_trail
from queues.work_orders.orders import WorkOrder
from queues.work_orders.status import Status
from routing.keys import Keys
from routing.offer import OfferResult
from routing.outbox import pending_writes
from switchboard.entry_writer import SQL_DOWN
from switchboard.event_sink import EventSink, SinkPolicy
from tests.app_fixtures import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_URL,
    FakeClock,
    TwilioPoster,
    new_call_sid,
)
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
    health = await twilio.client.get("/healthz")  # what a supervisor or a balancer sees
    seen = await health.json()
    assert (health.status, seen["failing"], seen["redis"]) == (503, ["database"], "ok")
    assert seen["database"].startswith("unreachable")
    assert seen["unwritten"] == await pending_writes(redis, keys, consumer.policy.group)

    outage.end()
    await drain(consumer)
    assert await pending_writes(redis, keys, consumer.policy.group) == 0
    health = await twilio.client.get("/healthz")
    assert (health.status, (await health.json())["unwritten"]) == (200, 0)
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


def offer_token(walked: Walk) -> int:
    query = parse_qs(urlsplit(walked.last.url("//Dial/Client/@statusCallback")).query)
    return int(query["k"][0])


async def test_a_process_dying_after_the_accept_loses_no_work_order(
    signed: SignIn,
    twilio: TwilioPoster,
    app: web.Application,
    sessionmaker: Maker,
    redis: aioredis.Redis,
) -> None:
    """The answered callback's first step runs (the router accepts, CONNECT is in the
    stream), then its process dies: no order write, and its sink had read the CONNECT
    without storing it. Another process's sink claims the entry and logs the order."""
    desk = await signed(AGENT)
    await desk.call("POST", "/api/agent/ready")
    softphone = await desk.socket()
    walked = await walk(twilio, LINE, FAULT, caller=CALLER)
    accepted = await app[MATCHING].router.accept(walked.call_sid, offer_token(walked))
    assert accepted.result is OfferResult.ACCEPTED
    dying = sink(app, "dying")
    await dying.ensure_group()
    taken = await redis.xreadgroup(dying.policy.group, "dying", {dying.stream: ">"})
    assert taken  # read, never stored nor acknowledged: the process is gone
    assert await count(sessionmaker, WorkOrder) == 0

    await drain(sink(app, "survivor", CLAIM_AT_ONCE))
    saved = await softphone.next("saved")
    assert saved == {
        "type": "saved",
        "call_sid": walked.call_sid,
        "work_order": "GD-20261125-000001",
    }
    status, call = await desk.call("GET", f"/api/agent/call/{walked.call_sid}")
    assert (status, call["work_order"], call["state"]) == (200, "GD-20261125-000001", "saved")
    # The carrier's callback arrives after all: the call has its order, and only one.
    assert await leg(twilio, walked, "in-progress") == 200
    assert await count(sessionmaker, WorkOrder) == 1
    assert await caller_hangs_up(twilio, walked, "30") == 200
    async with sessionmaker() as session:
        record = await cdr.get(session, walked.call_sid)
    assert record is not None
    assert (record.outcome, record.work_order) == ("answered", "GD-20261125-000001")
    await softphone.close()


async def test_duplicate_answered_callbacks_and_the_sink_leave_no_gap_in_numbers(
    signed: SignIn,
    twilio: TwilioPoster,
    app: web.Application,
    sessionmaker: Maker,
) -> None:
    """The carrier repeats `answered` while the sink consumes the CONNECT: every one of them
    may log the order at the same moment; one number is taken, and only one."""
    desk = await signed(AGENT)
    await desk.call("POST", "/api/agent/ready")
    walked = await walk(twilio, LINE, FAULT, caller=CALLER)
    consumer = sink(app, "p1")
    await consumer.ensure_group()

    async def sink_until_stored() -> None:
        while not consumer.stored:
            await consumer.pump(block_ms=50)

    statuses = await asyncio.gather(
        *(leg(twilio, walked, "in-progress") for _ in range(4)), sink_until_stored()
    )
    assert statuses[:4] == [200] * 4
    await drain(consumer)
    async with sessionmaker() as session:
        numbers = list((await session.execute(select(WorkOrder.number))).scalars())
        last = (await session.execute(select(WorkOrderCounter.last))).scalar_one()
    assert (numbers, last) == (["GD-20261125-000001"], 1)


async def test_a_locked_sqlite_database_delays_the_order_and_loses_nothing(
    signed: SignIn,
    twilio: TwilioPoster,
    app: web.Application,
    sessionmaker: Maker,
) -> None:
    """Another connection holds SQLite's write lock past the busy timeout while the agent
    answers: the order is saved once the lock is let go, with its number."""
    bind: AsyncEngine = sessionmaker.kw["bind"]
    if bind.dialect.name != "sqlite":
        pytest.skip("SQLite's file lock; PostgreSQL's outage is in the test above")
    desk = await signed(AGENT)
    await desk.call("POST", "/api/agent/ready")
    softphone = await desk.socket()
    walked = await walk(twilio, LINE, FAULT, caller=CALLER)
    holder = sqlite3.connect(str(bind.url.database), isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")  # WAL: readers go on, every writer waits and fails
        assert await leg(twilio, walked, "in-progress") == 200
        assert (await softphone.next("connected"))["work_order"] == ""
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    await drain(sink(app, "p1"))
    saved = await softphone.next("saved")
    assert saved["work_order"] == "GD-20261125-000001"
    assert await count(sessionmaker, WorkOrder) == 1
    await softphone.close()


async def test_a_voicemail_and_its_call_end_wait_out_an_outage(
    twilio: TwilioPoster,
    app: web.Application,
    sessionmaker: Maker,
    outage: Outage,
    clock: FakeClock,
) -> None:
    clock.now = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)  # Sunday 10:00: the 400 line is closed
    walked = await walk(twilio, "4008000000", [], caller=CALLER)
    params = {
        **twilio.base_params(walked.call_sid, CALLER, "4008000000"),
        "RecordingUrl": "https://api.twilio.com/recordings/RE1",
        "RecordingDuration": "17",
    }
    outage.begin()
    thanks = await twilio.post(walked.last.url("//Record/@action"), params)
    assert (thanks.status, thanks.verbs()[-1]) == (200, "Hangup")
    assert await caller_hangs_up(twilio, walked, "25") == 200
    outage.end()
    await drain(sink(app, "p1"))
    async with sessionmaker() as session:
        stored = await voicemails.recent(session)
        record = await cdr.get(session, walked.call_sid)
    assert [(v.call_sid, v.duration_s, v.path) for v in stored] == [(walked.call_sid, 17, "closed")]
    assert record is not None
    assert (record.ivr_outcome, record.duration_s, record.caller) == ("voicemail", 25, CALLER)


async def test_a_wrap_up_before_the_order_reached_sql_is_saving_and_keeps_its_order(
    signed: SignIn,
    twilio: TwilioPoster,
    app: web.Application,
    sessionmaker: Maker,
) -> None:
    """The order is not in SQL yet (only the accept ran): the agent's own call answers 202
    saving, never 404; a second form queues behind the first, and the last one wins."""
    desk = await signed(AGENT)
    await desk.call("POST", "/api/agent/ready")
    softphone = await desk.socket()
    walked = await walk(twilio, LINE, FAULT, caller=CALLER)
    accepted = await app[MATCHING].router.accept(walked.call_sid, offer_token(walked))
    assert accepted.result is OfferResult.ACCEPTED
    await app[CALLS].update(walked.call_sid, answered_ms="1")
    assert await leg(twilio, walked, "completed", CallDuration="20") == 200
    first = WRAP_UP | {"call_sid": walked.call_sid, "department": ""}
    status, answer = await desk.call("POST", "/api/agent/wrap-up", first)
    assert (status, answer["state"]) == (202, "saving")
    second = first | {"description": "整栋楼停电，已报修"}
    status, answer = await desk.call("POST", "/api/agent/wrap-up", second)
    assert (status, answer["state"]) == (202, "saving")
    other = WRAP_UP | {"call_sid": new_call_sid()}
    status, answer = await desk.call("POST", "/api/agent/wrap-up", other)
    assert status == 404  # not a call of this agent: nothing is queued

    await drain(sink(app, "p1"))
    kinds = [await softphone.next("saved") for _ in range(3)]
    assert [k.get("order", {}).get("description") for k in kinds] == [
        None,
        "整栋楼停电",
        "整栋楼停电，已报修",
    ]
    async with sessionmaker() as session:
        order = await by_call_sid(session, walked.call_sid)
    assert order is not None
    assert order.description == "整栋楼停电，已报修"
    status, answer = await desk.call("POST", "/api/agent/wrap-up", second)
    assert (status, answer["state"]) == (200, "saved")  # nothing queued any more: at once
    await softphone.close()
