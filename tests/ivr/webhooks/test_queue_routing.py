"""The waiting caller and the router through the webhooks: position and wait, heartbeat,
max wait and overflow, keys, abandon, immediate and later offers, answer and release."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import redis.asyncio as aioredis
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.appkeys import MATCHING
from ivr.webhooks.queueing import WAIT_ERRORS_TOLERATED
from queues.work_orders.intake import by_call_sid
from routing.keys import Keys
from tests.app_fixtures import Answer, FakeClock, TwilioPoster
from tests.ivr.twiml_schema import assert_valid_wait_twiml
from tests.ivr.webhooks.walker import Walk, walk

LINE = "+8695598"
CALLER = "+8613812345678"  # 张三, a regular caller
FAULT = ["1", "1"]  # 1 故障报修 > 1 停电 → queue fault
BILLING = ["2", "1"]  # 2 电费 > 1 电费查询 → queue billing


def wait_params(twilio: TwilioPoster, walked: Walk, queue_time: int) -> dict[str, str]:
    return {
        **twilio.base_params(walked.call_sid, CALLER, LINE),
        "QueuePosition": "1",
        "QueueSid": "QU" + "0" * 32,
        "QueueTime": str(queue_time),
        "AvgQueueTime": "0",
        "CurrentQueueSize": "1",
        "MaxQueueSize": "100",
    }


async def wait_segment(twilio: TwilioPoster, walked: Walk, queue_time: int) -> Answer:
    url = walked.last.url("//Enqueue/@waitUrl")
    return await twilio.post(url, wait_params(twilio, walked, queue_time))


async def queue_result(twilio: TwilioPoster, walked: Walk, result: str) -> Answer:
    params = {**twilio.base_params(walked.call_sid, CALLER, LINE), "QueueResult": result}
    return await twilio.post(walked.last.url("//Enqueue/@action"), params)


async def test_waiting_caller_hears_position_and_wait(
    twilio: TwilioPoster, clock: FakeClock
) -> None:
    first = await walk(twilio, LINE, FAULT)
    clock.now += timedelta(seconds=1)
    second = await walk(twilio, LINE, FAULT, caller="+8613987654321")
    wait_url = second.last.url("//Enqueue/@waitUrl")
    answer = await twilio.post(wait_url, wait_params(twilio, second, 0))
    assert_valid_wait_twiml(answer.text)
    assert "您前面还有1位客户" in answer.said()
    # Nobody who could take the call is signed in: no wait is promised.
    assert "预计等待" not in answer.said()
    assert "暂无坐席可接听" in answer.said()
    assert first.call_sid != second.call_sid


async def test_the_wait_is_estimated_while_an_agent_serves(
    twilio: TwilioPoster, app: web.Application
) -> None:
    matching = app[MATCHING]
    await matching.agent_ready("a1005")  # fault grade 4 in the demo config
    await matching.agent_break("a1005", "培训")
    walked = await walk(twilio, LINE, FAULT)
    assert "暂无坐席可接听" in (await wait_segment(twilio, walked, 0)).said()
    await matching.agent_ready("a1005")  # takes the caller at once
    waiting = await walk(twilio, LINE, FAULT, caller="+8613987654321")
    said = (await wait_segment(twilio, waiting, 0)).said()
    assert "预计等待约3分钟" in said  # one agent, no handle time yet: three minutes


async def test_announcement_repeats_at_the_interval(twilio: TwilioPoster) -> None:
    walked = await walk(twilio, LINE, FAULT)
    wait_url = walked.last.url("//Enqueue/@waitUrl")
    said = [
        (await twilio.post(wait_url, wait_params(twilio, walked, t))).said() for t in (0, 25, 60)
    ]
    assert ["您是下一位" in s for s in said] == [True, False, True]  # every 60 s (fault queue)


async def test_heartbeat_puts_a_lost_call_back_in_order(
    twilio: TwilioPoster, app: web.Application, redis: aioredis.Redis, keys: Keys, clock: FakeClock
) -> None:
    older = await walk(twilio, LINE, FAULT)
    clock.now += timedelta(seconds=1)
    newer = await walk(twilio, LINE, FAULT, caller="+8613987654321")
    async for key in redis.scan_iter(match=keys.pattern()):
        if ":call:" not in key:  # the router's state is lost; call facts survive
            await redis.delete(key)
    router = app[MATCHING].router
    assert await router.position(older.call_sid) is None
    # The newer caller's wait comes first, but the older one waited longer (QueueTime).
    await twilio.post(newer.last.url("//Enqueue/@waitUrl"), wait_params(twilio, newer, 10))
    await twilio.post(older.last.url("//Enqueue/@waitUrl"), wait_params(twilio, older, 40))
    old_position = await router.position(older.call_sid)
    new_position = await router.position(newer.call_sid)
    assert old_position is not None
    assert new_position is not None
    assert (old_position.position, new_position.position) == (1, 2)


@pytest.mark.parametrize("result", ["error", "system-error"])
async def test_a_failed_wait_puts_the_caller_back_at_their_place(
    twilio: TwilioPoster, app: web.Application, clock: FakeClock, result: str
) -> None:
    """The carrier could not fetch a waitUrl (the server it reached died mid-answer): the
    caller goes back into the queue, ahead of who came later, and is not apologised to;
    only a call whose waits keep failing is."""
    older = await walk(twilio, LINE, FAULT)
    clock.now += timedelta(seconds=1)
    newer = await walk(twilio, LINE, FAULT, caller="+8613987654321")
    router = app[MATCHING].router
    for _ in range(WAIT_ERRORS_TOLERATED):
        again = await queue_result(twilio, older, result)
        assert again.verbs() == ["Enqueue"]
        assert again.doc.findtext("Enqueue") == "fault"
        assert again.url("//Enqueue/@waitUrl") == older.last.url("//Enqueue/@waitUrl")
        position = await router.position(older.call_sid)
        assert position is not None
        assert (position.queue, position.position) == ("fault", 1)
    given_up = await queue_result(twilio, older, result)
    assert "抱歉" in given_up.said()
    assert given_up.verbs()[-1] == "Hangup"
    assert await router.position(older.call_sid) is None
    later = await router.position(newer.call_sid)
    assert later is not None
    assert later.position == 1


async def test_max_wait_overflows_billing_to_general(
    twilio: TwilioPoster, app: web.Application, clock: FakeClock
) -> None:
    walked = await walk(twilio, LINE, BILLING)
    clock.now += timedelta(seconds=601)  # billing: max_wait_s 600
    wait = await twilio.post(
        walked.last.url("//Enqueue/@waitUrl"), wait_params(twilio, walked, 601)
    )
    assert wait.verbs() == ["Leave"]
    action = walked.last.url("//Enqueue/@action")
    params = {**twilio.base_params(walked.call_sid, CALLER, LINE), "QueueResult": "leave"}
    after = await twilio.post(action, {**params, "QueueTime": "601"})
    assert after.doc.findtext("Enqueue") == "general"
    position = await app[MATCHING].router.position(walked.call_sid)
    assert position is not None
    assert position.queue == "general"


async def test_key_while_waiting_leaves_a_voicemail(
    twilio: TwilioPoster, app: web.Application
) -> None:
    walked = await walk(twilio, LINE, BILLING)
    segment = await twilio.post(
        walked.last.url("//Enqueue/@waitUrl"), wait_params(twilio, walked, 0)
    )
    assert "如需留言请按1" in segment.said()
    key_url = segment.url("//Gather/@action")
    left = await twilio.post(key_url, {**wait_params(twilio, walked, 5), "Digits": "1"})
    assert left.verbs() == ["Leave"]
    assert await app[MATCHING].router.position(walked.call_sid) is None
    after = await queue_result(twilio, walked, "leave")
    assert "Record" in after.verbs()


async def test_star_while_waiting_goes_back_to_the_menu(twilio: TwilioPoster) -> None:
    walked = await walk(twilio, LINE, BILLING)
    segment = await twilio.post(
        walked.last.url("//Enqueue/@waitUrl"), wait_params(twilio, walked, 0)
    )
    left = await twilio.post(
        segment.url("//Gather/@action"), {**wait_params(twilio, walked, 5), "Digits": "*"}
    )
    assert left.verbs() == ["Leave"]
    params = {**twilio.base_params(walked.call_sid, CALLER, LINE), "QueueResult": "leave"}
    after = await twilio.post(walked.last.url("//Enqueue/@action"), params)
    assert "故障报修请按1" in after.said()


async def test_hangup_in_queue_leaves_the_router(
    twilio: TwilioPoster, app: web.Application
) -> None:
    walked = await walk(twilio, LINE, FAULT)
    params = {**twilio.base_params(walked.call_sid, CALLER, LINE), "QueueResult": "hangup"}
    await twilio.post(walked.last.url("//Enqueue/@action"), {**params, "QueueTime": "12"})
    assert await app[MATCHING].router.position(walked.call_sid) is None
    stats = await app[MATCHING].router.stats("fault")
    assert stats.get("abandoned", 0) >= 1 or stats  # the router counted the abandon


@dataclass
class FakeCarrier:
    """Records live-call updates; can be told to fail like a carrier outage."""

    updates: list[tuple[str, str]] = field(default_factory=list)
    failing: bool = False

    async def update_call(self, call_sid: str, twiml: str) -> None:
        if self.failing:
            raise ConnectionError("carrier unreachable")
        self.updates.append((call_sid, twiml))


async def test_idle_agent_gets_the_call_at_once(twilio: TwilioPoster, app: web.Application) -> None:
    await app[MATCHING].agent_ready("a1005")  # fault: grade 4
    walked = await walk(twilio, LINE, FAULT)
    dial = walked.last
    assert dial.doc.findtext("Dial/Client") == "a1005"
    assert dial.doc.xpath("//Dial/@timeout") == ["20"]
    snapshot = await app[MATCHING].router.agent("a1005")
    assert snapshot is not None
    assert snapshot.state == "reserved"


async def test_answer_logs_a_work_order_and_hangup_wraps_up(
    twilio: TwilioPoster, app: web.Application, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await app[MATCHING].agent_ready("a1005")
    walked = await walk(twilio, LINE, FAULT)
    status_url = walked.last.url("//Dial/Client/@statusCallback")
    leg = {
        **twilio.base_params("CA" + "e" * 32, CALLER, "client:a1005"),
        "ParentCallSid": walked.call_sid,
        "Direction": "outbound-dial",
    }
    for _ in range(2):  # a repeated callback changes state once
        await twilio.post(status_url, {**leg, "CallStatus": "in-progress"})
    async with sessionmaker() as session:
        order = await by_call_sid(session, walked.call_sid)
    assert order is not None
    assert order.ivr_path == "1 故障报修 > 1 停电"
    assert (order.queue, order.agent_id, order.agent_grade) == ("fault", "a1005", 4)
    assert order.decision_trace is not None
    assert order.decision_trace["chosen_agent"] == "a1005"
    snapshot = await app[MATCHING].router.agent("a1005")
    assert snapshot is not None
    assert snapshot.state == "busy"
    await twilio.post(status_url, {**leg, "CallStatus": "completed", "CallDuration": "95"})
    snapshot = await app[MATCHING].router.agent("a1005")
    assert snapshot is not None
    assert snapshot.state == "wrap_up"


async def test_no_answer_puts_the_call_back_and_rings_the_next_agent(
    twilio: TwilioPoster, app: web.Application
) -> None:
    await app[MATCHING].agent_ready("a1005")
    walked = await walk(twilio, LINE, FAULT)
    action = walked.last.url("//Dial/@action")
    params = twilio.base_params(walked.call_sid, CALLER, LINE)
    back = await twilio.post(action, {**params, "DialCallStatus": "no-answer"})
    assert back.doc.findtext("Enqueue") == "fault"  # back in the queue, at its old place
    position = await app[MATCHING].router.position(walked.call_sid)
    assert position is not None
    assert position.state == "waiting"
    await app[MATCHING].agent_ready("a1003")  # fault grade 2: takes it now
    # a1005 is in back-off; a1003 is rung by updating the live call.
    snapshot = await app[MATCHING].router.agent("a1003")
    assert snapshot is not None
    assert snapshot.state == "reserved"


async def test_live_update_failure_falls_back_to_leave_then_dial(
    twilio: TwilioPoster, app: web.Application
) -> None:
    walked = await walk(twilio, LINE, FAULT)  # nobody ready: waits
    await app[MATCHING].agent_ready("a1005")  # offered now: no carrier driver here → pending
    wait = await wait_segment(twilio, walked, 5)
    assert wait.verbs() == ["Leave"]
    dial = await queue_result(twilio, walked, "leave")
    assert dial.doc.findtext("Dial/Client") == "a1005"


async def test_agent_is_told_about_the_offer(
    twilio: TwilioPoster, app: web.Application, redis: aioredis.Redis, keys: Keys
) -> None:
    pubsub = redis.pubsub()
    await pubsub.subscribe(keys.agent_events("a1005"))
    await app[MATCHING].agent_ready("a1005")
    walked = await walk(twilio, LINE, FAULT)
    message = None
    for _ in range(10):
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
        if message is not None:
            break
    await pubsub.aclose()  # type: ignore[no-untyped-call]
    assert message is not None
    offer = json.loads(message["data"])
    assert offer["type"] == "offer"
    assert (offer["call_sid"], offer["queue"], offer["path"]) == (
        walked.call_sid,
        "fault",
        "1 故障报修 > 1 停电",
    )
