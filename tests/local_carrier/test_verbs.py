"""The carrier follows Say, Play, Pause, Gather, Redirect, Record, Hangup and Reject."""

from __future__ import annotations

import re
from email.utils import parsedate_to_datetime

import pytest

from local_carrier import APPLICATION_ERROR, LocalCarrier
from local_carrier.clock import speech_seconds
from tests.local_carrier.conftest import FIXED_NOW
from tests.local_carrier.scripted_caller import (
    HangUp,
    LeaveMessage,
    Press,
    ScriptedCaller,
    Silence,
    Speak,
)
from tests.local_carrier.server import ACCOUNT_SID, TwimlServer, twiml

pytestmark = pytest.mark.timeout(10)

MENU = twiml(
    '<Gather numDigits="1" action="/ivr/menu" timeout="4">'
    '<Say language="zh-CN">欢迎致电国家电网</Say><Say language="zh-CN">报修请按1</Say>'
    "</Gather><Say>We did not hear you.</Say>"
)


async def test_first_webhook_carries_the_call_parameters(
    server: TwimlServer, carrier: LocalCarrier
) -> None:
    server.route("/twilio/voice", twiml("<Say>Hello</Say>"))
    call = await carrier.place_call("+8613800000000", "95598", ScriptedCaller([]))
    await call.wait()
    [voice] = server.to("/twilio/voice")
    assert voice.method == "POST"
    assert re.fullmatch(r"CA[0-9a-f]{32}", voice.params["CallSid"])
    assert voice.params == {
        "CallSid": call.sid,
        "AccountSid": ACCOUNT_SID,
        "From": "+8613800000000",
        "To": "95598",
        "CallStatus": "ringing",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
    }
    assert call.errors == []


async def test_status_callback_at_the_end(server: TwimlServer, carrier: LocalCarrier) -> None:
    server.route("/twilio/voice", twiml('<Say>Hello</Say><Pause length="30"/><Hangup/>'))
    call = await carrier.place_call("+8613800000000", "95598", ScriptedCaller([]))
    result = await call.wait()
    [status] = server.to("/twilio/status")
    assert status.params["CallSid"] == call.sid
    assert status.params["CallStatus"] == "completed"
    assert int(status.params["CallDuration"]) == 30  # a 1 s prompt ("Hello") + 30 s pause
    assert status.params["SequenceNumber"] == "0"
    assert parsedate_to_datetime(status.params["Timestamp"]) == FIXED_NOW
    assert result.status == "completed"


async def test_say_play_pause_are_heard_in_order(
    server: TwimlServer, carrier: LocalCarrier
) -> None:
    server.route(
        "/twilio/voice",
        twiml(
            '<Say language="zh-CN" loop="2">您好</Say><Play>/audio/music.mp3</Play>'
            '<Pause length="3"/><Play digits="1w2"/>'
        ),
    )
    caller = ScriptedCaller([])
    call = await carrier.place_call("+8613800000000", "95598", caller)
    await call.wait()
    music = f"{server.base}/audio/music.mp3"
    assert caller.transcript == ["您好", "您好", f"[play {music}]", "[play digits:1w2]"]
    assert call.transcript == ["您好", "您好", f"[play {music}]", "[digits 1w2]"]


async def test_gather_posts_digits_to_its_action(
    server: TwimlServer, carrier: LocalCarrier
) -> None:
    server.route("/twilio/voice", MENU)
    server.route("/ivr/menu", lambda hit: twiml(f"<Say>you pressed {hit.params['Digits']}</Say>"))
    caller = ScriptedCaller([Press("1")])
    call = await carrier.place_call("+8613800000000", "95598", caller)
    await call.wait()
    [menu] = server.to("/ivr/menu")
    assert menu.params["Digits"] == "1"
    assert menu.params["CallStatus"] == "in-progress"
    assert caller.transcript == ["欢迎致电国家电网", "报修请按1", "you pressed 1"]


@pytest.mark.parametrize(
    ("gather", "keys", "digits"),
    [
        ('<Gather action="/a">', "1234#", "1234"),  # finish key ends it and is not sent
        ('<Gather action="/a" numDigits="2">', "1234", "12"),
        ('<Gather action="/a" finishOnKey="*">', "12*3", "12"),
        ('<Gather action="/a" finishOnKey="">', "12#", "12#"),
    ],
)
async def test_gather_digit_rules(
    server: TwimlServer, carrier: LocalCarrier, gather: str, keys: str, digits: str
) -> None:
    server.route("/twilio/voice", twiml(f"{gather}<Say>Enter</Say></Gather>"))
    server.route("/a", twiml(""))
    call = await carrier.place_call("+1", "95598", ScriptedCaller([Press(keys)]))
    await call.wait()
    assert server.to("/a")[0].params["Digits"] == digits


async def test_gather_speech(server: TwimlServer, carrier: LocalCarrier) -> None:
    server.route(
        "/twilio/voice",
        twiml('<Gather input="speech dtmf" action="/a" language="zh-CN"><Say>请讲</Say></Gather>'),
    )
    server.route("/a", twiml(""))
    call = await carrier.place_call("+1", "95598", ScriptedCaller([Speak("停电了", 0.87)]))
    await call.wait()
    [answer] = server.to("/a")
    assert answer.params["SpeechResult"] == "停电了"
    assert answer.params["Confidence"] == "0.87"
    assert "Digits" not in answer.params


async def test_gather_timeout_falls_through_to_the_next_verb(
    server: TwimlServer, carrier: LocalCarrier
) -> None:
    server.route("/twilio/voice", MENU)
    caller = ScriptedCaller([Silence()])
    call = await carrier.place_call("+1", "95598", caller)
    result = await call.wait()
    assert server.to("/ivr/menu") == []
    assert caller.transcript[-1] == "We did not hear you."
    said = sum(speech_seconds(text) for text in caller.transcript)
    assert result.duration == pytest.approx(said + 4)  # the prompts and the 4 s timeout


async def test_action_on_empty_result_posts_empty_digits(
    server: TwimlServer, carrier: LocalCarrier
) -> None:
    server.route(
        "/twilio/voice",
        twiml('<Gather action="/a" actionOnEmptyResult="true"><Say>Enter</Say></Gather>'),
    )
    server.route("/a", twiml(""))
    call = await carrier.place_call("+1", "95598", ScriptedCaller([Silence()]))
    await call.wait()
    assert server.to("/a")[0].params["Digits"] == ""


async def test_a_key_during_the_prompt_barges_in(
    server: TwimlServer, carrier: LocalCarrier
) -> None:
    server.route("/twilio/voice", MENU)
    server.route("/ivr/menu", twiml("<Say>fault repair</Say>"))
    caller = ScriptedCaller([Press("1", barge_in=True)])
    call = await carrier.place_call("+1", "95598", caller)
    await call.wait()
    assert caller.transcript == ["欢迎致电国家电网", "fault repair"]
    assert server.to("/ivr/menu")[0].params["Digits"] == "1"


async def test_gather_without_action_posts_to_its_own_document(
    server: TwimlServer, carrier: LocalCarrier
) -> None:
    def menu(hit: object) -> str:
        if len(server.to("/ivr/menu")) == 1:
            return twiml('<Gather numDigits="1"><Say>Choose</Say></Gather>')
        return twiml("<Say>chosen</Say>")

    server.route("/twilio/voice", twiml('<Redirect method="GET">/ivr/menu?node=root</Redirect>'))
    server.route("/ivr/menu", menu)
    caller = ScriptedCaller([Press("3")])
    call = await carrier.place_call("+1", "95598", caller)
    await call.wait()
    first, second = server.to("/ivr/menu")
    assert first.method == "GET"
    assert first.params["node"] == "root"
    assert first.params["CallSid"] == call.sid
    assert second.method == "POST"
    assert second.url == f"{server.base}/ivr/menu?node=root"
    assert second.params["Digits"] == "3"
    assert caller.transcript == ["Choose", "chosen"]


@pytest.mark.parametrize(
    ("action", "path"),
    [("next?x=1", "/ivr/menus/next"), ("../up", "/ivr/up"), ("/root", "/root")],
)
async def test_relative_urls_resolve_against_the_document(
    server: TwimlServer, carrier: LocalCarrier, action: str, path: str
) -> None:
    server.route("/twilio/voice", twiml("<Redirect>/ivr/menus/main?node=a</Redirect>"))
    server.route("/ivr/menus/main", twiml(f'<Gather action="{action}"><Say>Go</Say></Gather>'))
    server.route(path, twiml(""))
    call = await carrier.place_call("+1", "95598", ScriptedCaller([Press("1#")]))
    await call.wait()
    assert len(server.to(path)) == 1
    assert call.errors == []


async def test_record_posts_the_recording(server: TwimlServer, carrier: LocalCarrier) -> None:
    server.route(
        "/twilio/voice",
        twiml('<Say>Leave a message</Say><Record action="/vm" maxLength="30" finishOnKey="#"/>'),
    )
    server.route("/vm", twiml("<Say>Thank you</Say>"))
    caller = ScriptedCaller([LeaveMessage("家里停电了", seconds=7)])
    call = await carrier.place_call("+1", "95598", caller)
    await call.wait()
    [vm] = server.to("/vm")
    sid = vm.params["RecordingSid"]
    assert re.fullmatch(r"RE[0-9a-f]{32}", sid)
    assert vm.params["RecordingUrl"] == f"{server.base}/carrier/recordings/{sid}"
    assert vm.params["RecordingDuration"] == "7"
    assert vm.params["Digits"] == "#"
    assert carrier.recordings[sid].text == "家里停电了"
    assert caller.transcript == ["Leave a message", "[beep]", "Thank you"]


async def test_record_nothing_falls_through(server: TwimlServer, carrier: LocalCarrier) -> None:
    server.route(
        "/twilio/voice", twiml('<Record action="/vm" playBeep="false"/><Say>No message</Say>')
    )
    caller = ScriptedCaller([Silence()])
    call = await carrier.place_call("+1", "95598", caller)
    await call.wait()
    assert server.to("/vm") == []
    assert caller.transcript == ["No message"]


async def test_hanging_up_after_a_message_posts_it_with_digits_hangup(
    server: TwimlServer, carrier: LocalCarrier
) -> None:
    server.route("/twilio/voice", twiml('<Record action="/vm"/><Say>never heard</Say>'))
    server.route("/vm", twiml("<Say>never heard either</Say>"))
    caller = ScriptedCaller([LeaveMessage("hello", seconds=3, hang_up=True)])
    call = await carrier.place_call("+1", "95598", caller)
    await call.wait()
    assert server.to("/vm")[0].params["Digits"] == "hangup"
    assert "never heard either" not in caller.transcript


@pytest.mark.parametrize(("reason", "status"), [("busy", "busy"), ("rejected", "no-answer")])
async def test_reject(server: TwimlServer, carrier: LocalCarrier, reason: str, status: str) -> None:
    server.route("/twilio/voice", twiml(f'<Reject reason="{reason}"/><Say>unreachable</Say>'))
    caller = ScriptedCaller([])
    call = await carrier.place_call("+1", "95598", caller)
    result = await call.wait()
    assert result.status == status
    assert caller.transcript == []
    assert server.to("/twilio/status")[0].params["CallStatus"] == status
    assert server.to("/twilio/status")[0].params["CallDuration"] == "0"


async def test_hangup_verb_ends_the_call(server: TwimlServer, carrier: LocalCarrier) -> None:
    server.route("/twilio/voice", twiml("<Say>Bye</Say><Hangup/><Say>after</Say>"))
    caller = ScriptedCaller([])
    call = await carrier.place_call("+1", "95598", caller)
    await call.wait()
    assert caller.transcript == ["Bye"]
    assert caller.end_reason == "hangup verb"


async def test_the_caller_hangs_up_mid_prompt(server: TwimlServer, carrier: LocalCarrier) -> None:
    server.route("/twilio/voice", MENU)
    caller = ScriptedCaller([HangUp(when_heard="欢迎")])
    call = await carrier.place_call("+1", "95598", caller)
    result = await call.wait()
    assert result.reason == "caller hung up"
    assert server.to("/ivr/menu") == []
    assert server.to("/twilio/status")[0].params["CallStatus"] == "completed"


@pytest.mark.parametrize(
    "answer",
    [
        "<Response><Dance/></Response>",
        "this is not xml",
        "<Response><Say>unclosed</Response>",
        "<Html/>",
        "<Response><Gather><Record/></Gather></Response>",
    ],
)
async def test_a_bad_document_is_an_application_error(
    server: TwimlServer, carrier: LocalCarrier, answer: str
) -> None:
    server.route("/twilio/voice", answer)
    caller = ScriptedCaller([])
    call = await carrier.place_call("+1", "95598", caller)
    result = await call.wait()
    assert caller.transcript == [APPLICATION_ERROR]
    assert len(call.errors) == 1
    assert result.status == "completed"


async def test_a_failing_webhook_is_an_application_error(
    server: TwimlServer, carrier: LocalCarrier
) -> None:
    server.route("/twilio/voice", twiml('<Gather action="/missing"><Say>Hi</Say></Gather>'))
    caller = ScriptedCaller([Press("1#")])
    call = await carrier.place_call("+1", "95598", caller)
    await call.wait()
    assert caller.transcript == ["Hi", APPLICATION_ERROR]
    assert "HTTP 404" in call.errors[0].detail
