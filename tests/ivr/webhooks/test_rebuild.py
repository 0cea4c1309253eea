"""A waiting caller survives the loss of everything in Redis: the heartbeat rebuilds the
call from its own signed URLs, at its old place, and its maximum wait still applies."""

from __future__ import annotations

from datetime import timedelta

import fakeredis
import redis.asyncio as aioredis
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.appkeys import CALLS, MATCHING
from queues.call_records import cdr
from queues.work_orders.categories import category_for_menu
from queues.work_orders.intake import by_call_sid
from routing.keys import Keys
from tests.app_fixtures import Answer, FakeClock, TwilioPoster
from tests.ivr.twiml_schema import assert_valid_wait_twiml
from tests.ivr.webhooks.walker import Walk, walk

LINE = "+8695598"
REGULAR, OTHER = "+8613812345678", "+8613987654321"
GOLD, PLATINUM = "+8613800138000", "+8613911112222"  # VIP classes in the demo
FAULT = ["1", "1"]  # 1 故障报修 > 1 停电 → fault
BILLING = ["2", "1"]  # 2 电费缴费及账单 > 1 电费查询 → billing (max wait 600 s → general)


async def lose_everything(redis: aioredis.Redis, keys: Keys) -> None:
    """What a flush or an empty restart leaves: nothing. A real Redis is shared by other
    tests, so there only this test's keys go (the app has no others)."""
    if isinstance(redis, fakeredis.FakeAsyncRedis):
        await redis.flushall()
        return
    async for key in redis.scan_iter(match=keys.pattern(), count=1000):
        await redis.delete(key)


class Waiting:
    """One caller in the carrier's queue, posting its waitUrl as the carrier does."""

    def __init__(self, twilio: TwilioPoster, walked: Walk, caller: str) -> None:
        self.twilio = twilio
        self.walked = walked
        self.caller = caller
        self.wait_url = walked.last.url("//Enqueue/@waitUrl")
        self.action_url = walked.last.url("//Enqueue/@action")

    @property
    def sid(self) -> str:
        return self.walked.call_sid

    def params(self, **extra: str) -> dict[str, str]:
        return {**self.twilio.base_params(self.sid, self.caller, LINE), **extra}

    async def segment(self, queue_time: int) -> Answer:
        answer = await self.twilio.post(self.wait_url, self.params(QueueTime=str(queue_time)))
        assert answer.status == 200, answer.text
        assert_valid_wait_twiml(answer.text)
        return answer

    async def result(self, result: str, queue_time: int) -> Answer:
        params = self.params(QueueResult=result, QueueTime=str(queue_time))
        return await self.twilio.post(self.action_url, params)


async def _arrive(
    twilio: TwilioPoster, clock: FakeClock, keys: list[str], caller: str, after_s: int
) -> Waiting:
    clock.now += timedelta(seconds=after_s)
    walked = await walk(twilio, LINE, keys, caller=caller)
    assert walked.last.doc.findtext("Enqueue") is not None, walked.last.text
    return Waiting(twilio, walked, caller)


async def test_a_flush_with_callers_waiting_rebuilds_them_in_order(
    twilio: TwilioPoster,
    app: web.Application,
    redis: aioredis.Redis,
    keys: Keys,
    clock: FakeClock,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    start = clock.now
    billing = await _arrive(twilio, clock, BILLING, OTHER, 0)
    first = await _arrive(twilio, clock, FAULT, REGULAR, 300)
    second = await _arrive(twilio, clock, FAULT, "+8613600000009", 10)
    gold = await _arrive(twilio, clock, [], GOLD, 10)  # VIP: straight to the VIP desk
    platinum = await _arrive(twilio, clock, [], PLATINUM, 30)  # later, but 60 s more head start
    clock.now = start + timedelta(seconds=601)  # the billing caller is past its 600 s

    await lose_everything(redis, keys)  # the router, call facts, the config pointer
    router = app[MATCHING].router
    assert await router.position(first.sid) is None

    # Heartbeats come in any order; each call goes back at its own place.
    for caller, queue_time in ((platinum, 200), (second, 280), (gold, 230), (first, 290)):
        await caller.segment(queue_time)
    left = await billing.segment(601)
    assert left.verbs() == ["Leave"]  # its maximum wait still applies...
    overflow = await billing.result("leave", 601)
    assert overflow.doc.findtext("Enqueue") == "general"  # ...and it goes where billing sends

    places = {
        name: await router.position(caller.sid)
        for name, caller in {
            "first": first,
            "second": second,
            "gold": gold,
            "platinum": platinum,
        }.items()
    }
    assert {name: (p.queue, p.position) for name, p in places.items() if p} == {
        "first": ("fault", 1),
        "second": ("fault", 2),
        "platinum": ("vip", 1),
        "gold": ("vip", 2),
    }
    state = await redis.hgetall(keys.call(gold.sid))
    assert (state["vip"], state["path"], state["queue"]) == ("gold", "VIP", "vip")
    state = await redis.hgetall(keys.call(first.sid))
    assert (state["path"], state["queue"], state["caller"]) == (
        "1 故障报修 > 1 停电",
        "fault",
        REGULAR,
    )
    billing_place = await router.position(billing.sid)
    assert billing_place is not None
    assert billing_place.queue == "general"

    # The first caller is answered: its work order has what the call gathered before the flush.
    await app[MATCHING].agent_ready("a1005")  # fault grade 4; no carrier here: Leave, then Dial
    assert (await first.segment(300)).verbs() == ["Leave"]
    dial = await first.result("leave", 300)
    assert dial.doc.findtext("Dial/Client") == "a1005"
    status_url = dial.url("//Dial/Client/@statusCallback")
    leg = {
        **twilio.base_params("CA" + "e" * 32, REGULAR, "client:a1005"),
        "ParentCallSid": first.sid,
        "CallStatus": "in-progress",
    }
    assert (await twilio.post(status_url, leg)).status == 200
    async with sessionmaker() as session:
        order = await by_call_sid(session, first.sid)
    assert order is not None
    expected = ("fault", "1 故障报修 > 1 停电", category_for_menu("故障报修"))
    assert (order.queue, order.ivr_path, order.category) == expected


async def test_a_rebuilt_call_missed_by_an_agent_keeps_its_card(
    twilio: TwilioPoster,
    app: web.Application,
    redis: aioredis.Redis,
    keys: Keys,
    clock: FakeClock,
) -> None:
    waiting = await _arrive(twilio, clock, FAULT, REGULAR, 0)
    clock.now += timedelta(seconds=100)
    await app[MATCHING].agent_ready("a1005")
    assert (await waiting.segment(100)).verbs() == ["Leave"]
    dial = await waiting.result("leave", 100)
    missed = await twilio.post(
        dial.url("//Dial/@action"), waiting.params(DialCallStatus="no-answer")
    )
    again = Waiting(twilio, Walk(waiting.sid, [missed]), REGULAR)
    assert again.wait_url.startswith("/twilio/wait?")
    await lose_everything(redis, keys)
    await again.segment(0)  # a new Enqueue: QueueTime starts again, the card does not
    place = await app[MATCHING].router.position(waiting.sid)
    assert place is not None
    assert (place.queue, place.waited_ms) == ("fault", 100_000)


async def test_a_card_is_read_from_our_url_only_never_from_the_body(
    twilio: TwilioPoster,
    app: web.Application,
    redis: aioredis.Redis,
    keys: Keys,
    clock: FakeClock,
) -> None:
    # The body is the carrier's (signed, but its fields are the carrier's words, not ours):
    # a URL of ours without a card rebuilds nothing, whatever the body says.
    waiting = await _arrive(twilio, clock, FAULT, REGULAR, 0)
    await lose_everything(redis, keys)
    bare = waiting.wait_url.split("&vip=")[0]
    assert "joined=" not in bare
    card = {"vip": "platinum", "path": "x", "cat": "x", "at": "1", "joined": "1"}
    answer = await twilio.post(bare, waiting.params(QueueTime="5", **card))
    assert answer.status == 200
    assert await app[MATCHING].router.position(waiting.sid) is None


async def test_a_retried_queue_step_keeps_the_place_it_took_first(
    twilio: TwilioPoster, clock: FakeClock
) -> None:
    walked = await walk(twilio, LINE, FAULT, caller=REGULAR)
    clock.now += timedelta(seconds=30)
    params = {**twilio.base_params(walked.call_sid, REGULAR, LINE), "Digits": "1"}
    retried = await twilio.post(walked.answers[1].url("//Gather/@action"), params)
    assert retried.url("//Enqueue/@waitUrl") == walked.last.url("//Enqueue/@waitUrl")


async def test_a_call_redis_forgot_in_the_menu_joins_its_queue_with_its_facts(
    twilio: TwilioPoster,
    app: web.Application,
    redis: aioredis.Redis,
    keys: Keys,
    clock: FakeClock,
) -> None:
    """Redis is lost between the caller's first and last key: the call still joins its
    queue with its facts (hotline, version), and the agent's Dial carries its version, so
    the Dial's end is answered (a fail-safe apology before)."""
    walked = await walk(twilio, LINE, FAULT[:1], caller=REGULAR)
    await lose_everything(redis, keys)
    params = {**twilio.base_params(walked.call_sid, REGULAR, LINE), "Digits": FAULT[1]}
    joined = await twilio.post(walked.last.url("//Gather/@action"), params)
    assert joined.doc.findtext("Enqueue") is not None, joined.text
    facts, state = await app[CALLS].facts(walked.call_sid)
    assert facts is not None
    assert (facts.hotline_id, facts.version, facts.caller) == ("95598", 1, REGULAR)
    assert state["queue"] == "fault"
    clock.now += timedelta(seconds=5)
    await app[MATCHING].agent_ready("a1005")
    waiting = Waiting(twilio, Walk(walked.call_sid, [joined]), REGULAR)
    assert (await waiting.segment(5)).verbs() == ["Leave"]
    dial = await waiting.result("leave", 5)
    assert "v=1" in dial.url("//Dial/@action").split("?", 1)[1].split("&")
    missed = await twilio.post(
        dial.url("//Dial/@action"), waiting.params(DialCallStatus="no-answer")
    )
    assert missed.doc.findtext("Enqueue") is not None, missed.text


async def test_the_end_of_a_call_redis_forgot_still_reaches_its_record(
    twilio: TwilioPoster,
    redis: aioredis.Redis,
    keys: Keys,
    clock: FakeClock,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """Redis is lost while the call is on; its end (the carrier's status callback) still
    writes the record's end, hotline and numbers (it wrote nothing before)."""
    walked = await walk(twilio, LINE, FAULT, caller=REGULAR)
    clock.now += timedelta(seconds=70)
    await lose_everything(redis, keys)
    params = twilio.base_params(walked.call_sid, REGULAR, LINE)
    ended = await twilio.post(
        "/twilio/status", {**params, "CallStatus": "completed", "CallDuration": "70"}
    )
    assert ended.status == 200
    async with sessionmaker() as session:
        record = await cdr.get(session, walked.call_sid)
    assert record is not None
    assert (record.hotline_id, record.caller, record.dialled, record.duration_s) == (
        "95598",
        REGULAR,
        LINE,
        70,
    )
    assert record.ended_at is not None
    assert record.ended_at - record.arrived_at == timedelta(seconds=70)
