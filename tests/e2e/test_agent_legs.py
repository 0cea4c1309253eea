"""The agent's leg on the local carrier, the server asking it over each driver (in process,
and Twilio's REST client against its `Calls` API): a lost `answered`, a break while the
phone rings, a caller who hangs up while it rings."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.test_utils import unused_port
from pytest_aiohttp import AiohttpServer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from carriers.driver import CarrierDriver
from carriers.local_driver import LocalDriver
from carriers.twilio_driver import TwilioDriver
from hotline.app import create_app
from hotline.appkeys import MATCHING
from local_carrier import LocalCarrier, create_carrier_app
from queues.call_records import cdr
from queues.work_orders.orders import WorkOrder
from routing.keys import Keys
from routing.presence import AgentState, PresenceChange
from tests.app_fixtures import ACCOUNT_SID, AUTH_TOKEN, FakeClock, on_port_settings, serving
from tests.carriers.test_agent_legs import HeldPhone
from tests.local_carrier.scripted_caller import Press, ScriptedCaller
from tests.switchboard.test_agent_legs import next_event

pytestmark = pytest.mark.timeout(30)

FAULT = [Press("1"), Press("1")]  # 95598: 1 故障报修 > 1 停电 → fault, a1005 first
CALLER = "+8613812345678"


@dataclass
class Line:
    app: web.Application
    carrier: LocalCarrier
    dropped: list[str]  # `answered` callbacks lost on the way (when `lose_answers`)
    lose_answers: bool = False


@pytest.fixture(params=["local", "twilio-rest"])
async def line(
    request: pytest.FixtureRequest,
    keys: Keys,
    redis: aioredis.Redis,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    aiohttp_server: AiohttpServer,
) -> AsyncIterator[Line]:
    port = unused_port()
    settings = on_port_settings(keys, port)
    base = settings.public_url
    carrier = LocalCarrier([base], AUTH_TOKEN, ACCOUNT_SID, speed=math.inf, public_url=base)
    driver: CarrierDriver
    if request.param == "local":
        driver = LocalDriver(carrier)
    else:
        rest = web.Application()
        rest.add_subapp("/carrier/", create_carrier_app(carrier, numbers=[]))
        served = await aiohttp_server(rest, host="127.0.0.1")
        driver = TwilioDriver(ACCOUNT_SID, AUTH_TOKEN, base_url=str(served.make_url("/carrier")))
    app = create_app(settings, redis=redis, sessionmaker=sessionmaker, clock=clock, carrier=driver)
    made = Line(app, carrier, [])

    @web.middleware
    async def lose_answers(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if made.lose_answers and request.path == "/twilio/agent-status":
            form = await request.post()
            if form.get("CallStatus") == "in-progress":
                made.dropped.append(str(form.get("CallSid")))
                return web.Response(status=502)  # lost between the carrier and us
        return await handler(request)

    app.middlewares.append(lose_answers)
    async with serving(app, port):
        try:
            yield made
        finally:
            await carrier.aclose()
            await driver.aclose()


async def orders(sessionmaker: async_sessionmaker[AsyncSession], call_sid: str) -> int:
    async with sessionmaker() as session:
        query = select(func.count()).select_from(WorkOrder).where(WorkOrder.call_sid == call_sid)
        return int((await session.execute(query)).scalar_one())


async def record(sessionmaker: async_sessionmaker[AsyncSession], call_sid: str) -> Any:
    async with sessionmaker() as session:
        return await cdr.get(session, call_sid)


async def test_a_lost_answered_leaves_the_conversation_alone(
    line: Line,
    clock: FakeClock,
    redis: aioredis.Redis,
    keys: Keys,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    phone = HeldPhone()
    phone.pick_up.set()
    line.carrier.register_agent("a1005", phone)
    await line.app[MATCHING].agent_ready("a1005")
    line.lose_answers = True
    pubsub = redis.pubsub()
    await pubsub.subscribe(keys.agent_events("a1005"))
    try:
        call = await line.carrier.place_call(CALLER, "95598", ScriptedCaller(list(FAULT)))
        await phone.talking.wait()
        assert len(line.dropped) == 1
        clock.now += timedelta(seconds=31)  # past ring timeout + margin: the lease lapses
        connected = await next_event(pubsub, "connected")
    finally:
        await pubsub.aclose()  # type: ignore[no-untyped-call]
    snapshot = await line.app[MATCHING].router.agent("a1005")
    assert snapshot is not None
    assert (snapshot.state, snapshot.call_id) == (AgentState.BUSY, call.sid)
    phone.hang_up.set()
    await call.wait()
    assert call.errors == []
    assert "redirected" not in [e.kind for e in call.events]  # never cut, never re-rung
    assert await orders(sessionmaker, call.sid) == 1
    assert connected["work_order"]
    assert phone.ended == ["agent"]


async def test_a_break_while_it_rings_stops_the_phone(
    line: Line, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    phone = HeldPhone()
    line.carrier.register_agent("a1005", phone)
    await line.app[MATCHING].agent_ready("a1005")
    caller = ScriptedCaller(list(FAULT))
    call = await line.carrier.place_call(CALLER, "95598", caller)
    await phone.ringing.wait()
    out = await line.app[MATCHING].agent_break("a1005", "会议")
    assert out.change is PresenceChange.CHANGED
    queued = await caller.wait_queued()  # the Dial ended canceled: back in the queue
    assert queued.queue == "fault"
    phone.pick_up.set()  # too late: the ring was withdrawn
    assert phone.ended == ["canceled"]
    snapshot = await line.app[MATCHING].router.agent("a1005")
    assert snapshot is not None
    assert (snapshot.state, snapshot.no_answer) == (AgentState.BREAK, 0)
    position = await line.app[MATCHING].router.position(call.sid)
    assert position is not None
    assert position.state == "waiting"
    call.hangup()
    await call.wait()
    assert await orders(sessionmaker, call.sid) == 0
    assert (await record(sessionmaker, call.sid)).outcome == "abandoned"


async def test_a_caller_who_hangs_up_while_it_rings_is_an_abandon(
    line: Line, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    phone = HeldPhone()
    line.carrier.register_agent("a1005", phone)
    await line.app[MATCHING].agent_ready("a1005")
    call = await line.carrier.place_call(CALLER, "95598", ScriptedCaller(list(FAULT)))
    await phone.ringing.wait()
    await line.app[MATCHING].agent_ready("a1003")  # free, and would be next for the call
    call.hangup()
    await call.wait()
    assert phone.ended == ["caller"]  # its ring ended with the call
    router = line.app[MATCHING].router
    snapshot = await router.agent("a1005")
    assert snapshot is not None
    assert (snapshot.state, snapshot.no_answer) == (AgentState.READY, 0)
    assert not snapshot.in_back_off(router.clock())
    other = await router.agent("a1003")
    assert other is not None
    assert (other.state, other.call_id) == (AgentState.READY, "")
    assert (await record(sessionmaker, call.sid)).outcome == "abandoned"
    assert await orders(sessionmaker, call.sid) == 0
