"""<Enqueue>: the waitUrl loop, positions, simulated queue time, and every way out."""

from __future__ import annotations

import asyncio
import re

import pytest

from local_carrier import LocalCarrier
from local_carrier.clock import speech_seconds
from tests.local_carrier.scripted_caller import HangUp, Press, ScriptedCaller
from tests.local_carrier.server import Hit, TwimlServer, twiml

pytestmark = pytest.mark.timeout(15)

ENQUEUE = twiml(
    '<Enqueue action="/queue/done" waitUrl="/queue/wait" maxQueueSize="{size}">fault</Enqueue>'
    "<Say>after the queue</Say>"
)


def enqueue(size: int = 100) -> str:
    return ENQUEUE.replace("{size}", str(size))


async def test_wait_url_is_told_where_the_caller_stands(
    server: TwimlServer, carrier: LocalCarrier
) -> None:
    def wait(hit: Hit) -> str:
        if int(hit.params["QueueTime"]) >= 120:
            return twiml("<Leave/>")
        return twiml('<Say language="zh-CN">请稍候</Say><Pause length="20"/>')

    server.route("/twilio/voice", enqueue())
    server.route("/queue/wait", wait)
    server.route("/queue/done", twiml("<Say>thanks for waiting</Say>"))
    caller = ScriptedCaller([])
    call = await carrier.place_call("+1", "95598", caller)
    await call.wait()

    waits = server.to("/queue/wait")
    cycle = speech_seconds("请稍候") + 20  # one wait document takes this long
    assert [hit.params["QueueTime"] for hit in waits] == [str(int(i * cycle)) for i in range(7)]
    for hit in waits:
        assert hit.params["QueuePosition"] == "1"
        assert re.fullmatch(r"QU[0-9a-f]{32}", hit.params["QueueSid"])
        assert hit.params["CurrentQueueSize"] == "1"
        assert hit.params["MaxQueueSize"] == "100"
        assert hit.params["AvgQueueTime"] == hit.params["QueueTime"]
        assert hit.params["CallSid"] == call.sid
    [done] = server.to("/queue/done")
    assert done.params["QueueResult"] == "leave"
    assert done.params["QueueTime"] == str(int(6 * cycle))
    assert done.params["QueueSid"] == waits[0].params["QueueSid"]
    assert caller.transcript[-1] == "thanks for waiting"
    assert carrier.queues.sizes() == {"fault": 0}
    assert call.errors == []


async def test_several_callers_get_their_positions(
    server: TwimlServer, carrier: LocalCarrier
) -> None:
    all_three = asyncio.Event()
    b_first = asyncio.Event()
    sids: list[str] = []

    def wait(hit: Hit) -> str:
        if hit.params["CurrentQueueSize"] == "3":
            all_three.set()
        if (
            len(sids) == 3
            and hit.params["CallSid"] == sids[1]
            and hit.params["QueuePosition"] == "1"
        ):
            b_first.set()
        return twiml('<Pause length="10"/>')

    server.route("/twilio/voice", enqueue())
    server.route("/queue/wait", wait)
    server.route("/queue/done", twiml(""))
    calls = []
    for _ in range(3):  # one after another, so the queue order is known
        caller = ScriptedCaller([])
        calls.append(await carrier.place_call("+1", "95598", caller))
        sids.append(calls[-1].sid)
        await caller.wait_queued()
    await all_three.wait()

    def first_position(sid: str) -> str:
        return next(h for h in server.to("/queue/wait") if h.params["CallSid"] == sid).params[
            "QueuePosition"
        ]

    assert [first_position(sid) for sid in sids] == ["1", "2", "3"]
    calls[0].hangup()
    await calls[0].wait()
    await b_first.wait()  # the second caller moved up
    for call in calls[1:]:
        call.hangup()
    await asyncio.gather(*(call.wait() for call in calls))
    results = {h.params["CallSid"]: h.params["QueueResult"] for h in server.to("/queue/done")}
    assert results == dict.fromkeys(sids, "hangup")
    assert carrier.queues.sizes() == {"fault": 0}


async def test_hanging_up_while_queued(server: TwimlServer, carrier: LocalCarrier) -> None:
    server.route("/twilio/voice", enqueue())
    server.route("/queue/wait", twiml('<Play>/hold.mp3</Play><Pause length="5"/>'))
    server.route("/queue/done", twiml("<Say>nobody hears this</Say>"))
    caller = ScriptedCaller([HangUp(after_queue_time=60)])
    call = await carrier.place_call("+1", "95598", caller)
    result = await call.wait()
    [done] = server.to("/queue/done")
    assert done.params["QueueResult"] == "hangup"
    assert int(done.params["QueueTime"]) >= 60
    assert "nobody hears this" not in caller.transcript
    assert "after the queue" not in caller.transcript
    assert result.status == "completed"
    assert server.to("/twilio/status")[0].params["CallStatus"] == "completed"


async def test_a_full_queue_turns_callers_away(server: TwimlServer, carrier: LocalCarrier) -> None:
    server.route("/twilio/voice", enqueue(size=1))
    server.route("/queue/wait", twiml('<Pause length="10"/>'))
    server.route(
        "/queue/done",
        lambda hit: twiml(f"<Say>result {hit.params['QueueResult']}</Say>"),
    )
    first = ScriptedCaller([])
    first_call = await carrier.place_call("+1", "95598", first)
    await first.wait_queued()
    second = ScriptedCaller([])
    second_call = await carrier.place_call("+2", "95598", second)
    await second_call.wait()
    assert second.transcript == ["result queue-full"]
    assert second.queue_updates == []
    first_call.hangup()
    await first_call.wait()


async def test_redirecting_a_queued_call_with_twiml(
    server: TwimlServer, carrier: LocalCarrier
) -> None:
    server.route("/twilio/voice", enqueue())
    server.route("/queue/wait", twiml('<Say>hold on</Say><Pause length="10"/>'))
    server.route("/queue/done", twiml("<Say>ignored after a redirect</Say>"))
    caller = ScriptedCaller([])
    call = await carrier.place_call("+1", "95598", caller)
    await caller.wait_queued()
    assert [c.sid for c in carrier.active_calls()] == [call.sid]
    await carrier.redirect(call.sid, twiml=twiml("<Say>connecting you to an agent</Say>"))
    await call.wait()
    [done] = server.to("/queue/done")
    assert done.params["QueueResult"] == "redirected"
    assert caller.transcript[-1] == "connecting you to an agent"
    assert "ignored after a redirect" not in caller.transcript
    assert carrier.active_calls() == []
    assert call.errors == []


async def test_redirecting_a_call_to_a_url(server: TwimlServer, carrier: LocalCarrier) -> None:
    server.route("/twilio/voice", twiml('<Say>menu</Say><Pause length="600"/>'))
    server.route("/agent", twiml("<Say>agent here</Say>"))
    caller = ScriptedCaller([HangUp(when_heard="never")])
    carrier.speed = 1000.0  # the 600 s pause lasts 0.6 s: long enough to redirect it
    call = await carrier.place_call("+1", "95598", caller)
    await server.next_hit("/twilio/voice")
    await carrier.redirect(call.sid, url="/agent")
    await call.wait()
    [agent] = server.to("/agent")
    assert agent.params["CallStatus"] == "in-progress"
    assert caller.transcript == ["menu", "agent here"]


async def test_gather_in_the_wait_document(server: TwimlServer, carrier: LocalCarrier) -> None:
    server.route("/twilio/voice", enqueue())
    server.route(
        "/queue/wait",
        twiml('<Gather numDigits="1" action="/queue/key"><Say>press 1 to leave</Say></Gather>'),
    )
    server.route("/queue/key", twiml("<Say>ok</Say><Leave/>"))
    server.route("/queue/done", twiml("<Say>left</Say>"))
    caller = ScriptedCaller([Press("1")])
    call = await carrier.place_call("+1", "95598", caller)
    await call.wait()
    [key] = server.to("/queue/key")
    assert key.params["Digits"] == "1"
    assert key.params["QueuePosition"] == "1"
    assert server.to("/queue/done")[0].params["QueueResult"] == "leave"
    assert caller.transcript == ["press 1 to leave", "ok", "left"]


async def test_enqueue_without_wait_url_or_action(
    server: TwimlServer, carrier: LocalCarrier
) -> None:
    server.route("/twilio/voice", twiml("<Enqueue>general</Enqueue><Say>next verb</Say>"))
    caller = ScriptedCaller([HangUp(after_queue_time=25)])
    call = await carrier.place_call("+1", "95598", caller)
    await call.wait()
    assert caller.transcript[:3] == ["[play " + caller.transcript[0][6:]] * 3
    assert "next verb" not in caller.transcript
    assert len(caller.queue_updates) == 4  # 0, 10, 20, 30 s of default hold music
    assert call.errors == []


async def test_a_verb_not_allowed_in_a_wait_document(
    server: TwimlServer, carrier: LocalCarrier
) -> None:
    server.route("/twilio/voice", enqueue())
    server.route("/queue/wait", twiml("<Enqueue>other</Enqueue>"))
    server.route("/queue/done", twiml("<Say>sorry</Say>"))
    caller = ScriptedCaller([])
    call = await carrier.place_call("+1", "95598", caller)
    await call.wait()
    assert server.to("/queue/done")[0].params["QueueResult"] == "error"
    assert len(call.errors) == 1
    assert caller.transcript == ["sorry"]
