"""Whatever breaks inside, the caller hears an apology and a safe next step, not an error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import fakeredis
import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.app import create_app
from hotline.appkeys import CALLS, MATCHING
from hotline.settings import Settings
from ivr.webhooks.failsafe_queue import PATH_FAILSAFE
from queues.call_records import cdr
from tests.app_fixtures import FakeClock, TwilioPoster, new_call_sid
from tests.ivr.twiml_schema import assert_valid_wait_twiml

CALLER = "+8613700000001"


async def test_missing_call_sid_gets_apology_and_operator(twilio: TwilioPoster) -> None:
    params = twilio.base_params("not-a-sid", CALLER, "95598")
    answer = await twilio.post("/twilio/voice", params)
    assert answer.status == 200
    assert answer.verbs() == ["Say", "Say", "Enqueue"] or answer.verbs()[-1] == "Enqueue"
    assert answer.doc.findtext("Enqueue") == "general"


async def test_unknown_number_is_told_politely(twilio: TwilioPoster) -> None:
    answer = await twilio.post("/twilio/voice", twilio.base_params(new_call_sid(), CALLER, "12345"))
    assert answer.status == 200
    assert answer.verbs()[-1] == "Hangup"
    assert "暂未开通" in answer.said()


async def test_tampered_menu_position_gets_operator(twilio: TwilioPoster) -> None:
    params = twilio.base_params(new_call_sid(), CALLER, "95598")
    answer = await twilio.post("/twilio/menu?h=95598&v=1&s=..&t=0", params)
    assert answer.status == 200
    assert answer.verbs()[-1] == "Enqueue"


async def test_unknown_version_gets_operator(twilio: TwilioPoster) -> None:
    params = {**twilio.base_params(new_call_sid(), CALLER, "95598"), "Digits": "1"}
    answer = await twilio.post("/twilio/menu?h=95598&v=999&s=root&t=0", params)
    assert answer.status == 200
    assert answer.verbs()[-1] == "Enqueue"


class FlakyRedis(fakeredis.FakeAsyncRedis):
    """A Redis stand-in that can be made to fail, as when the server drops mid-call."""

    broken = False

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        if self.broken:
            raise aioredis.ConnectionError("redis is down")
        return await super().execute_command(*args, **options)  # type: ignore[no-untyped-call]

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> Any:
        if self.broken:
            raise aioredis.ConnectionError("redis is down")
        return super().pipeline(transaction, shard_hint)


async def test_redis_down_mid_call_still_answers_twiml(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    aiohttp_client: Any,
) -> None:
    flaky = FlakyRedis(decode_responses=True)
    app = create_app(settings, redis=flaky, sessionmaker=sessionmaker, clock=clock)
    client: TestClient[Any, Any] = await aiohttp_client(app)
    twilio = TwilioPoster(client)
    sid = new_call_sid()
    params = twilio.base_params(sid, CALLER, "95598")
    first = await twilio.post("/twilio/voice", params)
    assert first.status == 200
    menu_url = first.url("//Gather/@action")
    flaky.broken = True
    step = await twilio.post(menu_url, {**params, "Digits": "1"})
    assert step.status == 200
    voice = await twilio.post("/twilio/voice", twilio.base_params(new_call_sid(), CALLER, "95598"))
    assert voice.status == 200
    assert voice.verbs()[-1] == "Enqueue"
    wait = await twilio.post("/twilio/wait?h=95598&v=1&q=fault", params)
    assert wait.status == 200
    assert_valid_wait_twiml(wait.text)
    status = await twilio.post("/twilio/status", {**params, "CallStatus": "completed"})
    assert status.status == 200
    flaky.broken = False  # Redis is back before the app shuts down


ENGLISH_LINE = "+864008000000"  # the 400 line: en-US


async def _flaky_app(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    aiohttp_client: Any,
) -> tuple[FlakyRedis, web.Application, TwilioPoster]:
    flaky = FlakyRedis(decode_responses=True)
    app = create_app(settings, redis=flaky, sessionmaker=sessionmaker, clock=clock)
    client: TestClient[Any, Any] = await aiohttp_client(app)
    return flaky, app, TwilioPoster(client)


async def test_a_caller_who_arrives_while_redis_is_down_is_routed_once_it_is_back(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    aiohttp_client: Any,
) -> None:
    flaky, app, twilio = await _flaky_app(settings, sessionmaker, clock, aiohttp_client)
    clock.now = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # the 400 line is open
    flaky.broken = True
    sid = new_call_sid()
    params = twilio.base_params(sid, CALLER, ENGLISH_LINE)
    first = await twilio.post("/twilio/voice", params)
    assert first.status == 200
    assert first.doc.findtext("Enqueue") == "general"
    assert first.doc.xpath("//Say/@language") == ["en-US"]  # the 400 line's own language
    assert "Sorry, we are having trouble" in first.said()
    async with sessionmaker() as session:  # the call is on record
        record = await cdr.get(session, sid)
    assert record is not None
    assert (record.hotline_id, record.queue, record.ended_at) == ("400", "general", None)

    wait_url = first.url("//Enqueue/@waitUrl")
    waiting = {**params, "QueueTime": "10"}
    held = await twilio.post(wait_url, waiting)  # still down: the caller holds
    assert_valid_wait_twiml(held.text)
    assert held.verbs() == ["Pause"]
    flaky.broken = False
    clock.now += timedelta(seconds=20)
    segment = await twilio.post(wait_url, {**waiting, "QueueTime": "20"})
    assert_valid_wait_twiml(segment.text)
    assert "All our agents are busy" in segment.said()  # the real queue's segment, in English
    place = await app[MATCHING].router.position(sid)
    assert place is not None
    assert (place.queue, place.waited_ms) == ("general", 20_000)
    await app[MATCHING].agent_ready("a1004")  # general grade 1: offered the call at once
    snapshot = await app[MATCHING].router.agent("a1004")
    assert snapshot is not None
    assert snapshot.state == "reserved"


async def test_the_fail_safe_queue_is_a_real_one_when_redis_is_there(
    twilio: TwilioPoster, app: web.Application
) -> None:
    # A fault other than Redis (here a version that does not exist): the caller is in the
    # router at once, and the URLs are the real queue's.
    sid = new_call_sid()
    params = {**twilio.base_params(sid, CALLER, "95598"), "Digits": "1"}
    answer = await twilio.post("/twilio/menu?h=95598&v=999&s=root&t=0", params)
    assert answer.doc.findtext("Enqueue") == "general"
    assert answer.url("//Enqueue/@waitUrl").startswith("/twilio/wait?")
    place = await app[MATCHING].router.position(sid)
    assert place is not None
    assert place.queue == "general"


async def test_a_known_caller_the_fail_safe_queues_has_a_path_for_their_records(
    twilio: TwilioPoster, app: web.Application
) -> None:
    # The caller arrived (Redis holds their facts, no menu choice yet), then the menu step
    # failed: the fail-safe queues them, and their work order will say how they got there.
    sid = new_call_sid()
    params = twilio.base_params(sid, CALLER, "95598")
    assert (await twilio.post("/twilio/voice", params)).status == 200
    answer = await twilio.post("/twilio/menu?h=95598&v=999&s=root&t=0", {**params, "Digits": "1"})
    assert answer.doc.findtext("Enqueue") == "general"
    _, state = await app[CALLS].facts(sid)
    assert (state.get("path"), state.get("queue")) == (PATH_FAILSAFE, "general")


async def test_the_hold_loop_without_a_hotline_joins_a_real_queue_once_it_can(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    aiohttp_client: Any,
) -> None:
    # A caller queued by the fail-safe before any config was loaded (or from a server of
    # before): the carrier keeps posting the fail-safe's own hold URL.
    flaky, app, twilio = await _flaky_app(settings, sessionmaker, clock, aiohttp_client)
    sid = new_call_sid()
    params = {**twilio.base_params(sid, CALLER, ENGLISH_LINE), "QueueTime": "30"}
    flaky.broken = True
    held = await twilio.post("/twilio/wait-fallback", params)
    assert_valid_wait_twiml(held.text)
    assert held.verbs() == ["Pause"]
    flaky.broken = False
    left = await twilio.post("/twilio/wait-fallback", params)
    assert left.verbs() == ["Leave"]
    joined = await twilio.post("/twilio/queue-result-fallback", {**params, "QueueResult": "leave"})
    assert joined.doc.findtext("Enqueue") == "general"
    place = await app[MATCHING].router.position(sid)
    assert place is not None
    assert place.queue == "general"


async def test_a_caller_the_fail_safe_queued_from_the_menu_keeps_its_maximum_wait(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    aiohttp_client: Any,
) -> None:
    # Redis knew the caller in the menu, then went down: the fail-safe queued them. Once it
    # is back, their state (still "in the menu") is older than their URL's card; they go in
    # the router from the fail-safe's join, and leave at the maximum wait counted from it.
    flaky, app, twilio = await _flaky_app(settings, sessionmaker, clock, aiohttp_client)
    sid = new_call_sid()
    params = twilio.base_params(sid, CALLER, "95598")
    first = await twilio.post("/twilio/voice", params)
    flaky.broken = True
    queued = await twilio.post(first.url("//Gather/@action"), {**params, "Digits": "1"})
    assert queued.doc.findtext("Enqueue") == "general"
    wait_url = queued.url("//Enqueue/@waitUrl")
    held = await twilio.post(wait_url, {**params, "QueueTime": "10"})
    assert held.verbs() == ["Pause"]
    flaky.broken = False
    clock.now += timedelta(seconds=30)
    segment = await twilio.post(wait_url, {**params, "QueueTime": "30"})
    assert_valid_wait_twiml(segment.text)
    place = await app[MATCHING].router.position(sid)
    assert place is not None
    assert (place.queue, place.waited_ms) == ("general", 30_000)
    clock.now += timedelta(seconds=900)  # general's maximum wait, outage included
    timed_out = await twilio.post(wait_url, {**params, "QueueTime": "930"})
    assert timed_out.verbs() == ["Leave"]
    action = queued.url("//Enqueue/@action")
    after = await twilio.post(action, {**params, "QueueResult": "leave", "QueueTime": "930"})
    assert "Record" in after.verbs()  # general's overflow: voicemail
