"""What the drivers say of an agent's leg, and cancelling a ringing one: the Twilio REST
driver against the local carrier's `Calls` resource, and the in-process driver."""

from __future__ import annotations

import asyncio

import pytest

from carriers.driver import CarrierDriver, LegStatus
from local_carrier import DialLeg, LocalCarrier
from tests.carriers.test_drivers import api_base, driver, queue_forever
from tests.local_carrier.scripted_caller import ScriptedCaller
from tests.local_carrier.server import TwimlServer, twiml

__all__ = ["api_base", "driver"]

pytestmark = pytest.mark.timeout(15)

DIAL = twiml(
    '<Dial action="/dial/done" timeout="20">'
    '<Client statusCallback="/dial/leg" statusCallbackEvent="ringing answered completed">'
    "a1001</Client></Dial>"
)


class HeldPhone:
    """A phone that rings until the test lets it answer (or the ring is withdrawn), and
    talks until the test lets it go: on an instant carrier, time stands still meanwhile."""

    def __init__(self) -> None:
        self.ringing = asyncio.Event()
        self.pick_up = asyncio.Event()
        self.talking = asyncio.Event()
        self.hang_up = asyncio.Event()
        self.ended: list[str] = []
        self.answer = True

    async def ring(self, leg: DialLeg) -> None:
        self.ringing.set()
        waits = {
            asyncio.ensure_future(self.pick_up.wait()),
            asyncio.ensure_future(leg.changed.wait()),
        }
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()
        if self.answer and self.pick_up.is_set():
            leg.answer()

    async def connected(self, leg: DialLeg) -> None:
        self.talking.set()
        await self.hang_up.wait()
        leg.hang_up()

    async def hung_up(self, leg: DialLeg, by: str) -> None:
        self.ended.append(by)


async def ringing_call(server: TwimlServer, carrier: LocalCarrier, driver: CarrierDriver) -> str:
    queue_forever(server)
    server.route("/dial/done", twiml("<Hangup/>"))
    caller = ScriptedCaller([])
    call = await carrier.place_call("+8613900000000", "95598", caller)
    await caller.wait_queued()
    await driver.update_call(call.sid, DIAL)
    return call.sid


async def test_a_ringing_leg_is_found_and_cancelled(
    server: TwimlServer, carrier: LocalCarrier, driver: CarrierDriver
) -> None:
    phone = HeldPhone()
    carrier.register_agent("a1001", phone)
    call_sid = await ringing_call(server, carrier, driver)
    await phone.ringing.wait()
    leg = await driver.agent_leg(call_sid, "a1001")
    assert leg is not None
    assert (leg.status, leg.ringing, leg.answered) == (LegStatus.RINGING, True, False)
    assert await driver.agent_leg(call_sid, "a1002") is None  # nobody else was rung
    await driver.cancel_leg(leg.sid)
    phone.pick_up.set()  # too late: the ring was withdrawn
    done = await server.next_hit("/dial/done")
    assert done.params["DialCallStatus"] == "canceled"
    after = await driver.agent_leg(call_sid, "a1001", leg.sid)
    assert after is not None
    assert after.status is LegStatus.CANCELED
    assert phone.ended == ["canceled"]
    assert [h.params["CallStatus"] for h in server.to("/dial/leg")] == ["ringing", "canceled"]


async def test_an_answered_leg_is_not_cancelled(
    server: TwimlServer, carrier: LocalCarrier, driver: CarrierDriver
) -> None:
    phone = HeldPhone()
    carrier.register_agent("a1001", phone)
    call_sid = await ringing_call(server, carrier, driver)
    phone.pick_up.set()
    await phone.talking.wait()
    leg = await driver.agent_leg(call_sid, "a1001")
    assert leg is not None
    assert (leg.status, leg.answered) == (LegStatus.IN_PROGRESS, True)
    await driver.cancel_leg(leg.sid)  # Status=canceled leaves a conversation alone
    still = await driver.agent_leg(call_sid, "a1001", leg.sid)
    assert still == leg
    phone.hang_up.set()
    done = await server.next_hit("/dial/done")
    assert done.params["DialCallStatus"] == "completed"
    ended = await driver.agent_leg(call_sid, "a1001", leg.sid)
    assert ended is not None
    assert (ended.status, ended.answered) == (LegStatus.COMPLETED, True)


async def test_the_newest_leg_to_the_agent_is_the_one_shown(
    server: TwimlServer, carrier: LocalCarrier, driver: CarrierDriver
) -> None:
    phone = HeldPhone()
    phone.answer = False
    phone.pick_up.set()  # rings out at once (no-answer)
    carrier.register_agent("a1001", phone)
    queue_forever(server)
    back = twiml('<Enqueue waitUrl="/queue/wait" action="/queue/done">fault</Enqueue>')
    server.route("/dial/done", back)  # unanswered: back in the queue
    caller = ScriptedCaller([])
    call = await carrier.place_call("+8613900000000", "95598", caller)
    await caller.wait_queued()
    call_sid = call.sid
    await driver.update_call(call_sid, DIAL)
    first = await server.next_hit("/dial/done")
    assert first.params["DialCallStatus"] == "no-answer"
    await server.next_hit("/queue/wait")  # waiting again
    second_phone = HeldPhone()
    carrier.register_agent("a1001", second_phone)
    await driver.update_call(call_sid, DIAL)
    await second_phone.ringing.wait()
    leg = await driver.agent_leg(call_sid, "a1001")
    assert leg is not None
    assert leg.status is LegStatus.RINGING
    assert leg.sid != first.params["DialCallSid"]
    older = await driver.agent_leg(call_sid, "a1001", first.params["DialCallSid"])
    assert older is not None
    assert older.status is LegStatus.NO_ANSWER
    second_phone.pick_up.set()
    second_phone.hang_up.set()
    call.hangup()


async def test_an_unknown_leg_sid_falls_back_to_the_calls_list(
    server: TwimlServer, carrier: LocalCarrier, driver: CarrierDriver
) -> None:
    assert await driver.agent_leg("CA" + "f" * 32, "a1001", "CA" + "e" * 32) is None
