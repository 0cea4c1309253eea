"""A conversation that ends while Redis is down: the caller hears goodbye, never a queue
again, and the legs' status callbacks (sent once) are applied when Redis is back."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from carriers.driver import CallLeg, LegStatus
from hotline.app import create_app
from hotline.settings import Settings
from ivr.webhooks.held_callbacks import HELD_CALLBACKS
from queues.call_records import cdr
from routing.presence import AgentState
from tests.app_fixtures import FakeClock, TwilioPoster
from tests.ivr.webhooks.test_failsafe import FlakyRedis
from tests.switchboard.test_agent_legs import (
    CALLER,
    LINE,
    LegCarrier,
    leg_callback,
    ring_a1005,
    state_of,
)

LEG = "CA" + "d" * 32


async def test_a_conversation_that_ends_while_redis_is_down_ends_once_it_is_back(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    aiohttp_client: Any,
) -> None:
    flaky, carrier = FlakyRedis(decode_responses=True), LegCarrier()
    app = create_app(settings, redis=flaky, sessionmaker=sessionmaker, clock=clock, carrier=carrier)
    client: TestClient[Any, Any] = await aiohttp_client(app)
    twilio = TwilioPoster(client)
    ringing = await ring_a1005(twilio, app, carrier, LEG)
    carrier.legs[LEG] = CallLeg(LEG, LegStatus.IN_PROGRESS)
    await leg_callback(twilio, ringing, "in-progress")
    assert await state_of(app, "a1005") == (AgentState.BUSY, ringing.walked.call_sid)

    flaky.broken = True
    clock.now += timedelta(seconds=60)  # the agent hangs up: all of it while Redis is down
    caller = twilio.base_params(ringing.walked.call_sid, CALLER, LINE)
    dial_end = {**caller, "DialCallStatus": "completed", "DialCallSid": LEG}
    goodbye = await twilio.post(ringing.action_url, dial_end)
    assert goodbye.verbs()[-1] == "Hangup"
    assert "Enqueue" not in goodbye.verbs()  # talked: never the operator queue again
    await leg_callback(twilio, ringing, "completed", CallDuration="60")
    ended = await twilio.post("/twilio/status", {**caller, "CallStatus": "completed"})
    assert ended.status == 200
    held = app[HELD_CALLBACKS]
    assert await held.retry() == 2  # still down: both kept, in order

    flaky.broken = False
    assert await held.retry() == 0
    assert (await state_of(app, "a1005"))[0] is AgentState.WRAP_UP  # not busy for ever
    async with sessionmaker() as session:
        record = await cdr.get(session, ringing.walked.call_sid)
    assert record is not None
    assert record.ended_at is not None
    assert record.outcome == "answered"
    # The agent (and who hung up) reach the record through the event sink, in its own time.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while record.agent_id != "a1005" and loop.time() < deadline:
        await asyncio.sleep(0.05)
        async with sessionmaker() as session:
            record = await cdr.get(session, ringing.walked.call_sid)
        assert record is not None
    assert record.agent_id == "a1005"
