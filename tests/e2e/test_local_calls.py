"""Callers on the local carrier reach queues, leave messages and hang up; records follow."""

from __future__ import annotations

from datetime import UTC, datetime

import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from queues import voicemails
from queues.call_records import cdr
from routing.keys import Keys
from tests.app_fixtures import FakeClock
from tests.e2e.conftest import LiveHotline
from tests.local_carrier.scripted_caller import (
    HangUp,
    LeaveMessage,
    Press,
    ScriptedCaller,
    Silence,
    Speak,
)


async def record_of(
    sessionmaker: async_sessionmaker[AsyncSession], call_sid: str
) -> cdr.CallRecord:
    async with sessionmaker() as session:
        record = await cdr.get(session, call_sid)
    assert record is not None
    return record


async def test_fault_caller_waits_then_hangs_up(
    live: LiveHotline, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    caller = ScriptedCaller([Press("1"), Press("1"), HangUp(after_queue_time=90)])
    handle = await live.call("95598", caller)
    assert any("故障报修请按1" in line for line in caller.transcript)
    assert any("抢修人员将尽快为您服务" in line for line in caller.transcript)  # hold prompt
    assert caller.queue_updates[0].queue == "fault"
    record = await record_of(sessionmaker, handle.sid)
    assert (record.path, record.queue, record.outcome) == (
        "1 故障报修 > 1 停电",
        "fault",
        "abandoned",
    )
    assert record.duration_s >= 90


async def test_speech_and_back_navigation(
    live: LiveHotline, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    caller = ScriptedCaller(
        [Press("3"), Press("*"), Speak("我要投诉"), Press("2"), HangUp(after_queue_time=5)]
    )
    handle = await live.call("95598", caller)
    record = await record_of(sessionmaker, handle.sid)
    assert (record.path, record.queue) == ("4 投诉举报 > 2 举报", "complaint")


async def test_suggestion_voicemail_is_kept(
    live: LiveHotline, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    caller = ScriptedCaller([Press("5"), LeaveMessage("希望增加夜间营业时间", seconds=12)])
    handle = await live.call("95598", caller)
    assert handle.result is not None
    assert handle.result.status == "completed"
    async with sessionmaker() as session:
        stored = await voicemails.recent(session)
    assert [(v.call_sid, v.duration_s, v.path) for v in stored] == [(handle.sid, 12, "5 表扬建议")]
    assert any("感谢您的来电" in line for line in caller.transcript)


async def test_silent_caller_reaches_the_operator(
    live: LiveHotline, redis: aioredis.Redis, keys: Keys
) -> None:
    caller = ScriptedCaller([Silence(), Silence(), Silence(), HangUp(after_queue_time=1)])
    handle = await live.call("95598", caller)
    assert caller.queue_updates[0].queue == "general"
    assert sum("没有收到您的按键" in line for line in caller.transcript) == 2
    assert handle.result is not None


async def test_information_option_says_and_hangs_up(
    live: LiveHotline, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    caller = ScriptedCaller([Press("9")])
    handle = await live.call("95598", caller)
    assert any("计划停电信息" in line for line in caller.transcript)
    record = await record_of(sessionmaker, handle.sid)
    assert (record.path, record.outcome) == ("9 停电信息查询", "information")


async def test_vip_and_closed_400_line(
    live: LiveHotline, clock: FakeClock, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    vip = ScriptedCaller([HangUp(after_queue_time=3)])
    await live.call("+8695598", vip, from_="+8613911112222")
    assert vip.queue_updates[0].queue == "vip"
    clock.now = datetime(2025, 10, 1, 2, 0, tzinfo=UTC)  # National Day, 10:00 in Shanghai
    closed = ScriptedCaller([LeaveMessage("Please call me back", seconds=8)])
    handle = await live.call("4008000000", closed)
    assert any("service hours" in line for line in closed.transcript)
    async with sessionmaker() as session:
        assert [v.call_sid for v in await voicemails.recent(session)] == [handle.sid]
