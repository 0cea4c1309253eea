"""<Dial>: ringing a client or a number, bridging, and Twilio's callbacks in Twilio's order."""

from __future__ import annotations

import math
import re

import pytest
from twilio.twiml.voice_response import VoiceResponse

from local_carrier import (
    Answer,
    Ignore,
    LocalCarrier,
    PhoneBook,
    Reject,
    ScriptedAgent,
    outside_line,
)
from local_carrier.clock import speech_seconds
from local_carrier.phones import DialLeg
from tests.local_carrier.conftest import FIXED_NOW
from tests.local_carrier.scripted_caller import HangUpRinging, HangUpTalking, ScriptedCaller
from tests.local_carrier.server import ACCOUNT_SID, AUTH_TOKEN, Hit, TwimlServer, twiml

pytestmark = pytest.mark.timeout(15)

ALL_EVENTS = "initiated ringing answered completed"
CALLER = "+8613912345678"
GREETING = "正在为您转接坐席"


def dial(
    noun: str = "Client",
    address: str = "a1001",
    *,
    events: str | None = ALL_EVENTS,
    attrs: str = 'timeout="20"',
    action: str | None = "/dial/done",
) -> str:
    events_attr = f' statusCallbackEvent="{events}"' if events is not None else ""
    action_attr = f' action="{action}"' if action else ""
    return twiml(
        f'<Say language="zh-CN">{GREETING}</Say>'
        f"<Dial{action_attr} {attrs}>"
        f'<{noun} statusCallback="/dial/leg"{events_attr}>{address}</{noun}>'
        "</Dial><Say>after the dial</Say>"
    )


def legs(server: TwimlServer) -> list[Hit]:
    return server.to("/dial/leg")


def statuses(server: TwimlServer) -> list[str]:
    return [hit.params["CallStatus"] for hit in legs(server)]


async def run_call(
    server: TwimlServer, carrier: LocalCarrier, caller: ScriptedCaller | None = None
) -> tuple[str, ScriptedCaller]:
    caller = caller or ScriptedCaller([])
    call = await carrier.place_call(CALLER, "95598", caller)
    result = await call.wait()
    assert call.errors == []
    return result.status, caller


@pytest.fixture
def agent(carrier: LocalCarrier) -> ScriptedAgent:
    phone = ScriptedAgent("a1001", Answer(after=3, talk=40))
    carrier.register_agent("a1001", phone)
    return phone


async def test_agent_answers_talks_and_hangs_up(
    server: TwimlServer, carrier: LocalCarrier, agent: ScriptedAgent
) -> None:
    server.route("/twilio/voice", dial())
    server.route("/dial/done", twiml("<Say>thanks for calling</Say>"))
    call = await carrier.place_call(CALLER, "95598", ScriptedCaller([]))
    await call.wait()

    assert [h.path for h in server.hits] == [
        "/twilio/voice",
        *["/dial/leg"] * 4,
        "/dial/done",
        "/twilio/status",
    ]
    assert statuses(server) == ["initiated", "ringing", "in-progress", "completed"]
    leg_sid = legs(server)[0].params["CallSid"]
    assert re.fullmatch(r"CA[0-9a-f]{32}", leg_sid)
    assert leg_sid != call.sid
    for number, hit in enumerate(legs(server)):
        assert hit.params["CallSid"] == leg_sid
        assert hit.params["ParentCallSid"] == call.sid
        assert hit.params["AccountSid"] == ACCOUNT_SID
        assert hit.params["Direction"] == "outbound-dial"
        assert hit.params["To"] == "client:a1001"
        assert hit.params["From"] == CALLER
        assert hit.params["SequenceNumber"] == str(number)
        assert hit.params["ApiVersion"] == "2010-04-01"
        assert hit.params["CallbackSource"] == "call-progress-events"
        assert hit.params["Timestamp"] == "Fri, 14 Mar 2025 09:30:00 +0000"
    assert "CallDuration" not in legs(server)[2].params
    assert legs(server)[3].params["CallDuration"] == "40"

    [done] = server.to("/dial/done")
    assert done.params["CallSid"] == call.sid
    assert done.params["CallStatus"] == "in-progress"
    assert done.params["DialCallStatus"] == "completed"
    assert done.params["DialCallSid"] == leg_sid
    assert done.params["DialCallDuration"] == "40"
    assert done.params["DialBridged"] == "true"
    assert call.transcript == [GREETING, "thanks for calling"]  # the action replaces the rest
    assert agent.history == ["ring:" + CALLER, "connected", "hung_up:agent"]
    assert agent.legs() == [leg_sid]

    [status] = server.to("/twilio/status")
    assert status.params["CallStatus"] == "completed"
    expected = speech_seconds(GREETING) + 3 + 40 + speech_seconds("thanks for calling")
    assert status.params["CallDuration"] == str(int(expected))


async def test_caller_hangs_up_during_the_conversation(
    server: TwimlServer, carrier: LocalCarrier
) -> None:
    agent = ScriptedAgent("a1001", Answer(after=2))  # stays on until the caller leaves
    carrier.register_agent("a1001", agent)
    server.route("/twilio/voice", dial())
    server.route("/dial/done", twiml("<Say>nobody hears this</Say>"))
    caller = ScriptedCaller([HangUpTalking(25)])
    status, _ = await run_call(server, carrier, caller)

    assert status == "completed"
    assert statuses(server) == ["initiated", "ringing", "in-progress", "completed"]
    assert legs(server)[-1].params["CallDuration"] == "25"
    assert server.to("/dial/done") == []
    assert [h.path for h in server.hits][-2:] == ["/dial/leg", "/twilio/status"]
    assert agent.history[-1] == "hung_up:caller"
    assert "nobody hears this" not in caller.transcript


@pytest.mark.parametrize(
    ("behaviour", "dial_status", "rang"),
    [
        (Ignore(), "no-answer", True),
        (Reject(after=2), "busy", True),
        (Answer(after=25), "no-answer", True),  # later than the 20 s timeout
    ],
)
async def test_unanswered_dial_reports_why(
    server: TwimlServer,
    carrier: LocalCarrier,
    behaviour: Answer | Reject | Ignore,
    dial_status: str,
    rang: bool,
) -> None:
    agent = ScriptedAgent("a1001", behaviour)
    carrier.register_agent("a1001", agent)
    server.route("/twilio/voice", dial())
    server.route("/dial/done", twiml("<Say>sorry</Say>"))
    call = await carrier.place_call(CALLER, "95598", ScriptedCaller([]))
    result = await call.wait()

    assert statuses(server) == ["initiated", "ringing", dial_status]
    assert legs(server)[-1].params["CallDuration"] == "0"
    [done] = server.to("/dial/done")
    assert done.params["DialCallStatus"] == dial_status
    assert done.params["DialBridged"] == "false"
    assert done.params["DialCallDuration"] == "0"
    assert done.params["DialCallSid"] == legs(server)[0].params["CallSid"]
    assert call.transcript == [GREETING, "sorry"]
    ringing = 2 if dial_status == "busy" else 20
    said = speech_seconds(GREETING) + speech_seconds("sorry")
    assert result.duration == pytest.approx(said + ringing)
    by = "agent" if dial_status == "busy" else "no-answer"
    assert agent.history == ["ring:" + CALLER, f"hung_up:{by}"]


async def test_an_unregistered_client_is_not_answered(
    server: TwimlServer, carrier: LocalCarrier
) -> None:
    server.route("/twilio/voice", dial(address="nobody"))
    server.route("/dial/done", twiml("<Say>no agent</Say>"))
    call = await carrier.place_call(CALLER, "95598", ScriptedCaller([]))
    result = await call.wait()
    assert statuses(server) == ["initiated", "no-answer"]  # it never rang
    assert [h.params["SequenceNumber"] for h in legs(server)] == ["0", "1"]
    [done] = server.to("/dial/done")
    assert done.params["DialCallStatus"] == "no-answer"
    said = speech_seconds(GREETING) + speech_seconds("no agent")
    assert result.duration == pytest.approx(said + 20)


async def test_caller_hangs_up_while_it_rings(server: TwimlServer, carrier: LocalCarrier) -> None:
    agent = ScriptedAgent("a1001", Ignore())
    carrier.register_agent("a1001", agent)
    server.route("/twilio/voice", dial())
    server.route("/dial/done", twiml("<Say>nobody hears this</Say>"))
    status, caller = await run_call(server, carrier, ScriptedCaller([HangUpRinging()]))

    assert status == "completed"
    assert statuses(server) == ["initiated", "ringing", "canceled"]
    assert server.to("/dial/done") == []  # Twilio does not fetch the action for a gone caller
    assert [h.path for h in server.hits][-2:] == ["/dial/leg", "/twilio/status"]
    assert server.to("/twilio/status")[0].params["CallStatus"] == "completed"
    assert agent.history == ["ring:" + CALLER, "hung_up:caller"]
    assert caller.transcript == [GREETING, "[ringing client:a1001]"]
    assert carrier.phones.on_call(agent) is None  # the phone is free again


async def test_the_dial_action_can_put_the_caller_back_in_the_queue(
    server: TwimlServer, carrier: LocalCarrier
) -> None:
    agent = ScriptedAgent("a1001", [Ignore(), Answer(after=1, talk=30)])
    carrier.register_agent("a1001", agent)
    enqueue = twiml('<Enqueue waitUrl="/queue/wait" action="/queue/done">fault</Enqueue>')
    server.route("/twilio/voice", enqueue)
    dialled: list[str] = []

    def wait(hit: Hit) -> str:
        if len(dialled) < 2:  # the carrier's wait document may only <Leave>
            dialled.append(hit.params["CallSid"])
            return twiml("<Leave/>")
        return twiml('<Pause length="5"/>')

    server.route("/queue/wait", wait)
    server.route("/queue/done", dial())
    server.route(
        "/dial/done",
        lambda hit: enqueue if hit.params["DialCallStatus"] != "completed" else twiml(""),
    )
    call = await carrier.place_call(CALLER, "95598", ScriptedCaller([]))
    await call.wait()

    done = [h.params["DialCallStatus"] for h in server.to("/dial/done")]
    assert done == ["no-answer", "completed"]
    assert [h.params["QueueResult"] for h in server.to("/queue/done")] == ["leave", "leave"]
    assert statuses(server) == [
        *["initiated", "ringing", "no-answer"],
        *["initiated", "ringing", "in-progress", "completed"],
    ]
    first, second = (
        {h.params["CallSid"] for h in legs(server)[:3]},
        {h.params["CallSid"] for h in legs(server)[3:]},
    )
    assert len(first) == len(second) == 1
    assert first != second  # every attempt is a new leg, its SequenceNumber from 0
    assert [h.params["SequenceNumber"] for h in legs(server)[3:]] == ["0", "1", "2", "3"]
    assert agent.history == [
        "ring:" + CALLER,
        "hung_up:no-answer",
        "ring:" + CALLER,
        "connected",
        "hung_up:agent",
    ]


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ("answered completed", ["in-progress", "completed"]),
        ("completed", ["completed"]),
        (None, ["completed"]),  # Twilio's default: only the final status
        ("ringing,answered", ["ringing", "in-progress"]),
    ],
)
async def test_only_subscribed_events_are_sent_and_numbered(
    server: TwimlServer,
    carrier: LocalCarrier,
    agent: ScriptedAgent,
    events: str | None,
    expected: list[str],
) -> None:
    server.route("/twilio/voice", dial(events=events))
    server.route("/dial/done", twiml(""))
    await run_call(server, carrier)
    assert statuses(server) == expected
    assert [h.params["SequenceNumber"] for h in legs(server)] == [
        str(i) for i in range(len(expected))
    ]


async def test_without_an_action_the_call_goes_on_with_the_next_verb(
    server: TwimlServer, carrier: LocalCarrier, agent: ScriptedAgent
) -> None:
    server.route("/twilio/voice", dial(action=None))
    _, caller = await run_call(server, carrier)
    assert caller.transcript[-1] == "after the dial"


async def test_caller_id_and_time_limit(server: TwimlServer, carrier: LocalCarrier) -> None:
    carrier.register_agent("a1001", ScriptedAgent("a1001", Answer(after=1)))
    server.route("/twilio/voice", dial(attrs='timeout="20" timeLimit="90" callerId="+861095598"'))
    server.route("/dial/done", twiml(""))
    await run_call(server, carrier)
    assert {h.params["From"] for h in legs(server)} == {"+861095598"}
    assert legs(server)[-1].params["CallDuration"] == "90"
    [done] = server.to("/dial/done")
    assert done.params["DialCallStatus"] == "completed"  # the caller is still on the line
    assert done.params["DialCallDuration"] == "90"


async def test_a_number_is_answered_by_the_outside_line(
    server: TwimlServer, carrier: LocalCarrier
) -> None:
    server.route("/twilio/voice", dial("Number", "+8610123456"))
    server.route("/dial/done", twiml(""))
    await run_call(server, carrier)
    assert statuses(server) == ["initiated", "ringing", "in-progress", "completed"]
    assert legs(server)[0].params["To"] == "+8610123456"
    assert legs(server)[0].params["Direction"] == "outbound-dial"
    assert legs(server)[-1].params["CallDuration"] == "120"  # the default outside party
    [done] = server.to("/dial/done")
    assert done.params["DialCallStatus"] == "completed"


async def test_a_registered_number_and_a_busy_outside_line(server: TwimlServer) -> None:
    carrier = LocalCarrier(
        [server.base],
        AUTH_TOKEN,
        ACCOUNT_SID,
        speed=math.inf,
        wall_clock=lambda: FIXED_NOW,
        outside_line=outside_line(busy=True),
    )
    department = ScriptedAgent("repair", Answer(after=4, talk=15))
    carrier.register_number("+8610000001", department)
    server.route(
        "/twilio/voice",
        lambda hit: (
            dial("Number", "+8610000001")
            if len(server.to("/twilio/voice")) == 1
            else dial("Number", "+8610999999")
        ),
    )
    server.route("/dial/done", twiml(""))
    try:
        await run_call(server, carrier)
        await run_call(server, carrier)
    finally:
        await carrier.aclose()
    outcomes = [h.params["DialCallStatus"] for h in server.to("/dial/done")]
    assert outcomes == ["completed", "busy"]
    assert department.history == ["ring:" + CALLER, "connected", "hung_up:agent"]


async def test_a_bare_number_is_dialled(server: TwimlServer, carrier: LocalCarrier) -> None:
    server.route("/twilio/voice", twiml('<Dial action="/dial/done">+8610123456</Dial>'))
    server.route("/dial/done", twiml(""))
    await run_call(server, carrier)
    assert server.to("/dial/done")[0].params["DialCallStatus"] == "completed"


@pytest.mark.parametrize(
    "body",
    [
        "<Dial><Client>a</Client><Client>b</Client></Dial>",
        "<Dial><Conference>room</Conference></Dial>",
        "<Dial></Dial>",
        '<Dial><Client statusCallbackEvent="bogus">a</Client></Dial>',
        '<Dial timeout="0"><Client>a</Client></Dial>',
    ],
)
async def test_dials_the_carrier_cannot_follow_are_application_errors(
    server: TwimlServer, carrier: LocalCarrier, body: str
) -> None:
    server.route("/twilio/voice", twiml(body))
    call = await carrier.place_call(CALLER, "95598", ScriptedCaller([]))
    await call.wait()
    assert len(call.errors) == 1


async def test_the_dial_our_server_writes_with_the_twilio_library(
    server: TwimlServer, carrier: LocalCarrier, agent: ScriptedAgent
) -> None:
    response = VoiceResponse()
    dial_verb = response.dial(action="/twilio/dial-result?c=CA1&a=a1001&k=7", timeout=20)
    dial_verb.client(
        "a1001",
        status_callback="/twilio/agent-status?c=CA1&a=a1001&k=7",
        status_callback_event="initiated ringing answered completed",
        status_callback_method="POST",
    )
    server.route("/twilio/voice", str(response))
    server.route("/twilio/agent-status", twiml(""))
    server.route("/twilio/dial-result", twiml(""))
    await run_call(server, carrier)
    statuses_seen = [h.params["CallStatus"] for h in server.to("/twilio/agent-status")]
    assert statuses_seen == ["initiated", "ringing", "in-progress", "completed"]
    [result] = server.to("/twilio/dial-result")
    assert result.url.endswith("/twilio/dial-result?c=CA1&a=a1001&k=7")
    assert result.params["DialCallStatus"] == "completed"


async def test_a_phone_that_breaks_fails_its_leg(
    server: TwimlServer, carrier: LocalCarrier
) -> None:
    class Broken(ScriptedAgent):
        async def connected(self, leg: DialLeg) -> None:
            raise RuntimeError("speaker on fire")

    broken = Broken("a1001", Answer(after=1))
    carrier.register_agent("a1001", broken)
    server.route("/twilio/voice", dial())
    call = await carrier.place_call(CALLER, "95598", ScriptedCaller([]))
    await call.wait()
    assert statuses(server) == ["initiated", "ringing", "in-progress", "completed"]
    assert len(call.errors) == 1
    assert carrier.phones.on_call(broken) is None


def test_a_phone_on_a_call_is_busy_for_another() -> None:
    class Clock:
        def now(self) -> float:
            return 0.0

    book = PhoneBook()
    phone = ScriptedAgent("a1", Ignore())
    legs_ = [
        DialLeg(
            sid=f"CA{i}",
            parent_call_sid="CAp",
            from_="+1",
            to="client:a1",
            address="a1",
            timeout=20,
            clock=Clock(),  # type: ignore[arg-type]
        )
        for i in range(2)
    ]
    assert book.engage(phone, legs_[0])
    assert not book.engage(phone, legs_[1])
    book.release(phone, legs_[1])  # not its call: no effect
    assert book.on_call(phone) is legs_[0]
    book.release(phone, legs_[0])
    assert book.engage(phone, legs_[1])


def test_a_newer_registration_replaces_an_older_one() -> None:
    book = PhoneBook()
    old, new = ScriptedAgent("a1", Ignore()), ScriptedAgent("a1", Ignore())
    book.register("a1", old)
    book.register("a1", new)
    book.unregister("a1", old)  # the old softphone closing does not unregister the new one
    assert book.lookup("client", "a1") is new
    book.unregister("a1", new)
    assert book.lookup("client", "a1") is None
    assert book.identities() == []
