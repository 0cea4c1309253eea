"""The agent's leg through the app, with signed Twilio posts and a carrier that answers
what Twilio's REST API would: a lost or late `answered`, a break or sign-out while the
phone rings, a caller who hangs up while it rings."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import redis.asyncio as aioredis
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from carriers.driver import CallLeg, CarrierError, LegStatus
from hotline.app import create_app
from hotline.appkeys import MATCHING
from hotline.settings import Settings
from queues.call_records import cdr
from queues.work_orders.intake import by_call_sid
from routing.keys import Keys
from routing.offer import LapsedOffer
from routing.presence import AgentState, PresenceChange
from switchboard.answering import AppScope
from switchboard.lease_checks import settle_lapsed
from tests.app_fixtures import FakeClock, TwilioPoster
from tests.ivr.webhooks.walker import Walk, walk

LINE = "+8695598"
CALLER = "+8613812345678"
FAULT = ["1", "1"]  # queue fault: a1005 grade 4, a1003 grade 2; ring 20 s
LEASE_S = 30  # ring timeout + the lease margin


@dataclass
class LegCarrier:
    """A carrier whose REST view of each agent leg the test sets, as Twilio would show it."""

    legs: dict[str, CallLeg] = field(default_factory=dict)
    updates: list[str] = field(default_factory=list)
    canceled: list[str] = field(default_factory=list)
    asked: list[tuple[str, str, str]] = field(default_factory=list)
    answered_first: bool = False  # the agent picks up before a cancel reaches the leg
    unreachable: bool = False

    async def update_call(self, call_sid: str, twiml: str) -> None:
        self.updates.append(call_sid)

    async def agent_leg(self, call_sid: str, identity: str, leg_sid: str = "") -> CallLeg | None:
        self.asked.append((call_sid, identity, leg_sid))
        if self.unreachable:
            raise CarrierError(call_sid, "no answer from Twilio in 10 s")
        return self.legs.get(leg_sid) if leg_sid else None

    async def cancel_leg(self, leg_sid: str) -> None:
        self.canceled.append(leg_sid)
        leg = self.legs[leg_sid]
        if self.answered_first:
            self.legs[leg_sid] = CallLeg(leg_sid, LegStatus.IN_PROGRESS)
        elif leg.ringing:
            self.legs[leg_sid] = CallLeg(leg_sid, LegStatus.CANCELED)

    async def aclose(self) -> None:
        return None


@pytest.fixture
def carrier() -> LegCarrier:
    return LegCarrier()


@pytest.fixture
async def app(
    settings: Settings,
    redis: aioredis.Redis,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    carrier: LegCarrier,
) -> web.Application:
    return create_app(
        settings, redis=redis, sessionmaker=sessionmaker, clock=clock, carrier=carrier
    )


@dataclass
class Ringing:
    """A caller whose call rings a1005, with the leg's CallSid and our two callbacks."""

    walked: Walk
    leg_sid: str
    status_url: str
    action_url: str


async def ring_a1005(
    twilio: TwilioPoster, app: web.Application, carrier: LegCarrier, leg_sid: str
) -> Ringing:
    await app[MATCHING].agent_ready("a1005")
    walked = await walk(twilio, LINE, FAULT)
    assert walked.last.doc.findtext("Dial/Client") == "a1005"
    ringing = Ringing(
        walked,
        leg_sid,
        walked.last.url("//Dial/Client/@statusCallback"),
        walked.last.url("//Dial/@action"),
    )
    carrier.legs[leg_sid] = CallLeg(leg_sid, LegStatus.RINGING)
    await leg_callback(twilio, ringing, "ringing")
    return ringing


async def leg_callback(twilio: TwilioPoster, ringing: Ringing, status: str, **more: str) -> None:
    params = {
        **twilio.base_params(ringing.leg_sid, CALLER, "client:a1005"),
        "ParentCallSid": ringing.walked.call_sid,
        "Direction": "outbound-dial",
        "CallStatus": status,
        **more,
    }
    answer = await twilio.post(ringing.status_url, params)
    assert answer.status == 200, answer.text


async def dial_ended(
    twilio: TwilioPoster, ringing: Ringing, dial_status: str, caller_status: str = "in-progress"
) -> None:
    params = {
        **twilio.base_params(ringing.walked.call_sid, CALLER, LINE),
        "CallStatus": caller_status,
        "DialCallStatus": dial_status,
        "DialCallSid": ringing.leg_sid,
    }
    answer = await twilio.post(ringing.action_url, params)
    assert answer.status == 200, answer.text


async def order_of(sessionmaker: async_sessionmaker[AsyncSession], call_sid: str) -> Any:
    async with sessionmaker() as session:
        return await by_call_sid(session, call_sid)


async def state_of(app: web.Application, agent_id: str) -> tuple[AgentState, str]:
    snapshot = await app[MATCHING].router.agent(agent_id)
    assert snapshot is not None
    return snapshot.state, snapshot.call_id


async def next_event(pubsub: Any, kind: str) -> dict[str, Any]:
    """The next message of `kind` on the agent's channel (the timer loop publishes it)."""
    async with asyncio.timeout(10):
        while True:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            if message is not None and json.loads(message["data"])["type"] == kind:
                return dict(json.loads(message["data"]))


async def test_a_lost_answered_is_found_by_asking_the_carrier_and_cuts_nothing(
    twilio: TwilioPoster,
    app: web.Application,
    carrier: LegCarrier,
    clock: FakeClock,
    redis: aioredis.Redis,
    keys: Keys,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    ringing = await ring_a1005(twilio, app, carrier, "CA" + "a" * 32)
    pubsub = redis.pubsub()
    await pubsub.subscribe(keys.agent_events("a1005"))
    try:
        # The agent picks up; the `answered` callback never arrives.
        carrier.legs[ringing.leg_sid] = CallLeg(ringing.leg_sid, LegStatus.IN_PROGRESS)
        clock.now += timedelta(seconds=LEASE_S + 1)  # the timer loop finds the lapsed lease
        connected = await next_event(pubsub, "connected")
    finally:
        await pubsub.aclose()  # type: ignore[no-untyped-call]
    call_sid = ringing.walked.call_sid
    assert (call_sid, "a1005", ringing.leg_sid) in carrier.asked  # by the leg's own CallSid
    order = await order_of(sessionmaker, call_sid)
    assert order is not None
    assert connected["work_order"] == order.number
    assert await state_of(app, "a1005") == (AgentState.BUSY, call_sid)
    assert carrier.updates == []  # the caller was never redirected: the talk goes on
    # The answer, late after all, changes nothing more; the end wraps up.
    await leg_callback(twilio, ringing, "in-progress")
    await leg_callback(twilio, ringing, "completed", CallDuration="80")
    assert (await state_of(app, "a1005"))[0] is AgentState.WRAP_UP
    again = await order_of(sessionmaker, call_sid)
    assert again.number == order.number


async def test_a_lost_answered_is_taken_from_the_dials_end(
    twilio: TwilioPoster,
    app: web.Application,
    carrier: LegCarrier,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    ringing = await ring_a1005(twilio, app, carrier, "CA" + "b" * 32)
    await dial_ended(twilio, ringing, "completed")  # the agent hung up after talking
    order = await order_of(sessionmaker, ringing.walked.call_sid)
    assert order is not None
    assert order.agent_id == "a1005"
    assert (await state_of(app, "a1005"))[0] is AgentState.WRAP_UP


async def test_a_late_answered_after_a_release_is_the_agents_call(
    twilio: TwilioPoster,
    app: web.Application,
    carrier: LegCarrier,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    ringing = await ring_a1005(twilio, app, carrier, "CA" + "c" * 32)
    await dial_ended(twilio, ringing, "no-answer")  # released: back in the queue
    assert (await state_of(app, "a1005"))[0] is AgentState.READY
    # ...yet the carrier did bridge a1005 (its answer was late), and says so when asked.
    carrier.legs[ringing.leg_sid] = CallLeg(ringing.leg_sid, LegStatus.IN_PROGRESS)
    await leg_callback(twilio, ringing, "in-progress")
    call_sid = ringing.walked.call_sid
    assert await state_of(app, "a1005") == (AgentState.BUSY, call_sid)
    assert await order_of(sessionmaker, call_sid) is not None
    position = await app[MATCHING].router.position(call_sid)
    assert position is not None
    assert position.state == "connected"


async def test_a_late_answered_of_a_leg_no_longer_bridged_is_not_believed(
    twilio: TwilioPoster,
    app: web.Application,
    carrier: LegCarrier,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    ringing = await ring_a1005(twilio, app, carrier, "CA" + "d" * 32)
    await dial_ended(twilio, ringing, "no-answer")
    carrier.legs[ringing.leg_sid] = CallLeg(ringing.leg_sid, LegStatus.NO_ANSWER)
    await leg_callback(twilio, ringing, "in-progress")
    assert await order_of(sessionmaker, ringing.walked.call_sid) is None
    assert (await state_of(app, "a1005"))[0] is AgentState.READY


@pytest.mark.parametrize("leave", ["break", "offline"])
async def test_leaving_while_it_rings_stops_the_leg(
    twilio: TwilioPoster, app: web.Application, carrier: LegCarrier, leave: str
) -> None:
    ringing = await ring_a1005(twilio, app, carrier, "CA" + "e" * 32)
    matching = app[MATCHING]
    if leave == "break":
        out = await matching.agent_break("a1005", "会议")
    else:
        out = await matching.agent_offline("a1005")
    assert out.change is PresenceChange.CHANGED
    assert carrier.canceled == [ringing.leg_sid]  # the phone stops ringing
    assert (await state_of(app, "a1005"))[0] == leave
    position = await app[MATCHING].router.position(ringing.walked.call_sid)
    assert position is not None
    assert position.state == "waiting"


async def test_an_answer_that_beats_the_break_keeps_the_call(
    twilio: TwilioPoster,
    app: web.Application,
    carrier: LegCarrier,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    ringing = await ring_a1005(twilio, app, carrier, "CA" + "f" * 32)
    carrier.answered_first = True
    out = await app[MATCHING].agent_break("a1005", "会议")
    assert out.change is PresenceChange.BUSY
    await leg_callback(twilio, ringing, "in-progress")
    call_sid = ringing.walked.call_sid
    assert await state_of(app, "a1005") == (AgentState.BUSY, call_sid)
    assert await order_of(sessionmaker, call_sid) is not None


async def test_a_bridge_after_the_break_is_accepted_with_its_order(
    twilio: TwilioPoster,
    app: web.Application,
    carrier: LegCarrier,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    ringing = await ring_a1005(twilio, app, carrier, "CA" + "1" * 32)
    carrier.legs.clear()  # the carrier cannot find the leg: nothing is stopped
    await app[MATCHING].agent_break("a1005", "会议")
    assert (await state_of(app, "a1005"))[0] is AgentState.BREAK
    # The phone still rang and the agent answered it: the call is theirs.
    carrier.legs[ringing.leg_sid] = CallLeg(ringing.leg_sid, LegStatus.IN_PROGRESS)
    await leg_callback(twilio, ringing, "in-progress")
    call_sid = ringing.walked.call_sid
    assert await state_of(app, "a1005") == (AgentState.BUSY, call_sid)
    order = await order_of(sessionmaker, call_sid)
    assert order is not None
    assert order.agent_id == "a1005"


async def test_a_caller_who_hangs_up_while_it_rings_is_an_abandon(
    twilio: TwilioPoster,
    app: web.Application,
    carrier: LegCarrier,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    ringing = await ring_a1005(twilio, app, carrier, "CA" + "2" * 32)
    await app[MATCHING].agent_ready("a1003")  # would be next for the call
    # The caller hangs up: the Dial ends on a call that is over.
    await dial_ended(twilio, ringing, "no-answer", caller_status="completed")
    snapshot = await app[MATCHING].router.agent("a1005")
    assert snapshot is not None
    assert (snapshot.state, snapshot.no_answer) == (AgentState.READY, 0)
    assert not snapshot.in_back_off(app[MATCHING].router.clock())
    assert (await state_of(app, "a1003")) == (AgentState.READY, "")  # offered to nobody
    assert carrier.canceled == [ringing.leg_sid]
    call_sid = ringing.walked.call_sid
    assert await app[MATCHING].router.position(call_sid) is None
    params = {**twilio.base_params(call_sid, CALLER, LINE), "CallStatus": "completed"}
    await twilio.post("/twilio/status", params)
    async with sessionmaker() as session:
        record = await cdr.get(session, call_sid)
    assert record is not None
    assert record.outcome == "abandoned"


@pytest.mark.parametrize(
    ("leg", "after"),
    [
        (None, "offered again at once"),  # the carrier never rang anyone
        (LegStatus.NO_ANSWER, "back-off"),  # the Dial's end was lost
        (LegStatus.RINGING, "unchanged"),  # rung late; its own timeout will end it
        ("unreachable", "unchanged"),  # asked again at the next check
    ],
)
async def test_a_lapsed_offer_is_settled_by_what_the_carrier_says(
    twilio: TwilioPoster,
    app: web.Application,
    carrier: LegCarrier,
    leg: LegStatus | str | None,
    after: str,
) -> None:
    ringing = await ring_a1005(twilio, app, carrier, "CA" + "3" * 32)
    router = app[MATCHING].router
    before = await router.agent("a1005")
    assert before is not None
    if leg is None:
        carrier.legs.clear()
    elif leg == "unreachable":
        carrier.unreachable = True
    else:
        carrier.legs[ringing.leg_sid] = CallLeg(ringing.leg_sid, LegStatus(leg))
    call_sid = ringing.walked.call_sid
    await settle_lapsed(AppScope(app), LapsedOffer(call_sid, "a1005", before.token))
    now = await router.agent("a1005")
    assert now is not None
    if after == "offered again at once":
        assert (now.state, now.call_id) == (AgentState.RESERVED, call_sid)
        assert now.token > before.token
        assert carrier.updates == [call_sid]  # rung again through the carrier
    elif after == "back-off":
        assert (now.state, now.call_id, now.no_answer) == (AgentState.READY, "", 1)
        assert now.in_back_off(router.clock())
    else:
        assert (now.state, now.call_id, now.token) == (AgentState.RESERVED, call_sid, before.token)
        assert carrier.updates == []
