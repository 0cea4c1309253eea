"""The caller's path beyond the menu tree: hours, VIP, retries, voicemail, records, retries."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from queues import voicemails
from queues.call_records import cdr
from routing.keys import Keys
from tests.app_fixtures import FakeClock, TwilioPoster, new_call_sid
from tests.ivr.twiml_schema import assert_valid_wait_twiml
from tests.ivr.webhooks.walker import walk

LINE_95598 = "+8695598"
LINE_400 = "4008000000"
VIP_GOLD = "+8613800138000"
REGULAR = "+8613812345678"


def shanghai(y: int, m: int, d: int, hour: int, minute: int = 0) -> datetime:
    return (
        datetime(y, m, d, hour - 8, minute, tzinfo=UTC)
        if hour >= 8
        else datetime(y, m, d - 1, hour + 16, minute, tzinfo=UTC)
    )


@pytest.mark.parametrize(
    ("when", "is_open"),
    [
        (shanghai(2026, 11, 25, 10), True),  # Wednesday
        (shanghai(2026, 11, 25, 8, 59), False),  # before opening
        (shanghai(2026, 11, 25, 18), False),  # closing time is closed
        (shanghai(2026, 11, 28, 11, 30), True),  # Saturday morning
        (shanghai(2026, 11, 29, 10), False),  # Sunday
        (shanghai(2025, 10, 1, 10), False),  # National Day
        (shanghai(2025, 9, 28, 10), True),  # Sunday make-up workday (调休)
        (shanghai(2025, 12, 31, 16), False),  # override: closes early on 31 December
    ],
)
async def test_400_line_hours(
    twilio: TwilioPoster, clock: FakeClock, when: datetime, is_open: bool
) -> None:
    clock.now = when
    result = await walk(twilio, LINE_400, [])
    if is_open:
        assert "Gather" in result.last.verbs()
        assert "Thank you for calling our enterprise" in result.last.said()
    else:
        assert "service hours" in result.last.said()
        assert "Record" in result.last.verbs()


async def test_closed_line_takes_a_voicemail(
    twilio: TwilioPoster, clock: FakeClock, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    clock.now = shanghai(2026, 11, 29, 10)
    result = await walk(twilio, LINE_400, [], caller=REGULAR)
    record_url = result.last.url("//Record/@action")
    params = {
        **twilio.base_params(result.call_sid, REGULAR, LINE_400),
        "RecordingUrl": "https://api.twilio.com/recordings/RE1",
        "RecordingDuration": "17",
    }
    thanks = await twilio.post(record_url, params)
    assert thanks.verbs()[-1] == "Hangup"
    again = await twilio.post(record_url, params)  # a retried callback stores nothing new
    assert again.status == 200
    async with sessionmaker() as session:
        stored = await voicemails.recent(session)
    assert [(v.call_sid, v.duration_s, v.path) for v in stored] == [(result.call_sid, 17, "closed")]


async def test_vip_caller_goes_straight_to_the_vip_queue(
    twilio: TwilioPoster, redis: aioredis.Redis, keys: Keys
) -> None:
    result = await walk(twilio, LINE_95598, [], caller=VIP_GOLD)
    assert result.last.doc.findtext("Enqueue") == "vip"
    assert "尊敬的VIP客户" in result.last.said()
    state = await redis.hgetall(keys.call(result.call_sid))
    assert state["vip"] == "gold"
    assert state["path"] == "VIP"


async def test_regular_caller_hears_the_greeting_and_menu(twilio: TwilioPoster) -> None:
    result = await walk(twilio, LINE_95598, [], caller=REGULAR)
    said = result.last.said()
    assert said.startswith("欢迎致电国家电网95598")
    assert "故障报修请按1" in said


async def test_silence_reprompts_then_takes_the_fallback(twilio: TwilioPoster) -> None:
    result = await walk(twilio, LINE_95598, ["", "", ""])
    first, second, third = result.answers[1:]
    assert "没有收到您的按键" in first.said()
    assert "Gather" in first.verbs()
    assert "没有收到您的按键" in second.said()
    assert "Gather" in second.verbs()
    assert third.doc.findtext("Enqueue") == "general"  # retries: 2, then the operator


async def test_wrong_keys_reprompt_then_submenu_fallback(
    twilio: TwilioPoster, redis: aioredis.Redis, keys: Keys
) -> None:
    result = await walk(twilio, LINE_95598, ["1", "7", "8", "9"])
    assert "您的输入有误" in result.answers[2].said()
    assert result.last.doc.findtext("Enqueue") == "fault"  # the fault node's own fallback
    state = await redis.hgetall(keys.call(result.call_sid))
    assert state["path"] == "1 故障报修"


async def test_back_and_repeat(twilio: TwilioPoster, redis: aioredis.Redis, keys: Keys) -> None:
    result = await walk(twilio, LINE_95598, ["2", "*", "#", "1", "1"])
    assert "电费查询请按1" in result.answers[1].said()
    assert "故障报修请按1" in result.answers[2].said()
    assert "故障报修请按1" in result.answers[3].said()
    assert result.last.doc.findtext("Enqueue") == "fault"
    state = await redis.hgetall(keys.call(result.call_sid))
    assert state["path"] == "1 故障报修 > 1 停电"


async def test_speech_picks_an_option(twilio: TwilioPoster) -> None:
    sid = new_call_sid()
    params = twilio.base_params(sid, REGULAR, LINE_95598)
    first = await twilio.post("/twilio/voice", params)
    assert first.doc.xpath("//Gather/@input") == ["dtmf speech"]
    spoken = {**params, "SpeechResult": "我要投诉", "Confidence": "0.91"}
    answer = await twilio.post(first.url("//Gather/@action"), spoken)
    assert "投诉请按1" in answer.said()


async def test_wait_segments_play_the_hold_prompt(twilio: TwilioPoster) -> None:
    result = await walk(twilio, LINE_95598, ["1", "1"])
    wait_url = result.last.url("//Enqueue/@waitUrl")
    params = {
        **twilio.base_params(result.call_sid, REGULAR, LINE_95598),
        "QueuePosition": "1",
        "QueueSid": "QU" + "0" * 32,
        "QueueTime": "30",
        "AvgQueueTime": "12",
        "CurrentQueueSize": "1",
        "MaxQueueSize": "100",
    }
    answer = await twilio.post(wait_url, params)
    assert_valid_wait_twiml(answer.text)
    assert "抢修人员将尽快为您服务" in answer.said()


async def test_hangup_in_queue_is_an_abandon_and_the_record_is_written_once(
    twilio: TwilioPoster, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    result = await walk(twilio, LINE_95598, ["4", "1"], caller=REGULAR)
    params = twilio.base_params(result.call_sid, REGULAR, LINE_95598)
    action = result.last.url("//Enqueue/@action")
    done = await twilio.post(action, {**params, "QueueResult": "hangup", "QueueTime": "42"})
    assert done.verbs() == []
    ended = {**params, "CallStatus": "completed", "CallDuration": "75"}
    for _ in range(2):  # the carrier may deliver the callback twice
        assert (await twilio.post("/twilio/status", ended)).status == 200
    async with sessionmaker() as session:
        records = await cdr.recent(session)
    assert len(records) == 1
    record = records[0]
    assert (record.call_sid, record.queue, record.path, record.outcome, record.duration_s) == (
        result.call_sid,
        "complaint",
        "4 投诉举报 > 1 投诉",
        "abandoned",
        75,
    )
    assert record.arrived_at.tzinfo is not None


async def test_retried_incoming_webhook_keeps_first_facts(
    twilio: TwilioPoster, redis: aioredis.Redis, keys: Keys
) -> None:
    sid = new_call_sid()
    params = twilio.base_params(sid, REGULAR, LINE_95598)
    first = await twilio.post("/twilio/voice", params)
    before = await redis.hgetall(keys.call(sid))
    second = await twilio.post("/twilio/voice", params)
    assert first.text == second.text
    assert await redis.hgetall(keys.call(sid)) == before


@pytest.mark.parametrize(
    ("result", "said"),
    [
        ("queue-full", "排队人数已满"),
        ("leave", "再见"),
        ("bridged", "再见"),
    ],
)
async def test_every_queue_result_is_answered(twilio: TwilioPoster, result: str, said: str) -> None:
    walked = await walk(twilio, LINE_95598, ["2", "1"])
    params = twilio.base_params(walked.call_sid, REGULAR, LINE_95598)
    action = walked.last.url("//Enqueue/@action")
    answer = await twilio.post(action, {**params, "QueueResult": result, "QueueTime": "5"})
    assert said in answer.said()
    assert answer.verbs()[-1] == "Hangup"


async def test_redirected_out_of_the_queue_is_left_to_the_new_instructions(
    twilio: TwilioPoster,
) -> None:
    """A live-call update (the bridge) moves the call; Twilio ignores this answer."""
    walked = await walk(twilio, LINE_95598, ["2", "1"])
    params = twilio.base_params(walked.call_sid, REGULAR, LINE_95598)
    action = walked.last.url("//Enqueue/@action")
    answer = await twilio.post(action, {**params, "QueueResult": "redirected", "QueueTime": "5"})
    assert answer.verbs() == []


async def test_every_line_about_a_call_names_it(
    twilio: TwilioPoster, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    walked = await walk(twilio, LINE_95598, ["1", "1"], caller=REGULAR)
    ended = {**twilio.base_params(walked.call_sid, REGULAR, LINE_95598), "CallStatus": "completed"}
    assert (await twilio.post("/twilio/status", ended)).status == 200
    about = [r for r in caplog.records if r.name.startswith("ivr.webhooks.")]
    assert [(r.name, getattr(r, "call_sid", None)) for r in about] == [
        ("ivr.webhooks.voice", walked.call_sid),  # hotline, version, VIP class
        ("ivr.webhooks.endings", walked.call_sid),  # how it ended
    ]
