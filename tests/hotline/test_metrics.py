"""`GET /metrics` after real calls through the app: signed webhooks in, the router's events
stored by the event sink, then exact counts scraped and parsed as Prometheus would."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

import prometheus_client
import pytest
import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.test_utils import TestClient, unused_port
from prometheus_client.parser import text_string_to_metric_families
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from carriers.driver import CallLeg
from hotline.app import create_app
from hotline.appkeys import KEYS, MATCHING, METRICS, REDIS
from hotline.metrics import ErrorKind, Metrics
from hotline.metrics_page import read_router
from hotline.settings import Settings
from hotline.sink_context import stream_writes
from routing.events import EventName, RouterEvent, read_events
from routing.keys import Keys
from switchboard.event_sink import EventSink
from tests.app_fixtures import FakeClock, TwilioPoster
from tests.ivr.webhooks.walker import Walk, walk

LINE = "+8695598"
FAULT = ["1", "1"]  # queue fault: every grade at once; a1005 grade 4, a1003 grade 2

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@dataclass
class RecordingCarrier:
    """Takes live-call updates (or refuses them, like a carrier outage)."""

    updates: list[str] = field(default_factory=list)
    failing: bool = False

    async def update_call(self, call_sid: str, twiml: str) -> None:
        if self.failing:
            raise ConnectionError("carrier unreachable")
        self.updates.append(call_sid)

    async def agent_leg(self, call_sid: str, identity: str, leg_sid: str = "") -> CallLeg | None:
        return None

    async def cancel_leg(self, leg_sid: str) -> None:
        return None

    async def aclose(self) -> None:
        return None


@pytest.fixture
def carrier() -> RecordingCarrier:
    return RecordingCarrier()


@pytest.fixture
async def app(
    settings: Settings,
    redis: aioredis.Redis,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    carrier: RecordingCarrier,
) -> web.Application:
    # The test runs the sink itself, so that it stores exactly when the test says.
    quiet = dataclasses.replace(settings, event_sink=False)
    return create_app(quiet, redis=redis, sessionmaker=sessionmaker, clock=clock, carrier=carrier)


@pytest.fixture
async def sink(
    app: web.Application,
    client: TestClient[Any, Any],  # the app started: its calls, configs and agent events
    redis: aioredis.Redis,
    keys: Keys,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> EventSink:
    return EventSink(
        redis,
        keys,
        sessionmaker,
        clock=clock,
        metrics=app[METRICS],
        writes=stream_writes(app),
    )


async def scrape(client: TestClient[Any, Any]) -> Samples:
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    samples: Samples = {}
    for family in text_string_to_metric_families(await response.text()):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def labelled(samples: Samples, name: str, label: str) -> dict[str, float]:
    """Every series of `name`, by its one label."""
    return {dict(key)[label]: v for (n, key), v in samples.items() if n == name}


async def answer(twilio: TwilioPoster, walked: Walk, leg_sid: str, status: str) -> None:
    """The agent leg's status callback, as the carrier sends it."""
    agent = walked.last.doc.findtext("Dial/Client") or ""
    params = {
        **twilio.base_params(leg_sid, "+8613600000000", f"client:{agent}"),
        "ParentCallSid": walked.call_sid,
        "Direction": "outbound-dial",
        "CallStatus": status,
    }
    reply = await twilio.post(walked.last.url("//Dial/Client/@statusCallback"), params)
    assert reply.status == 200, reply.text


async def hang_up_waiting(twilio: TwilioPoster, walked: Walk) -> None:
    params = {
        **twilio.base_params(walked.call_sid, "+8613600000000", LINE),
        "QueueResult": "hangup",
    }
    reply = await twilio.post(walked.last.url("//Enqueue/@action"), params)
    assert reply.status == 200, reply.text


async def three_fault_calls(twilio: TwilioPoster, app: web.Application, clock: FakeClock) -> None:
    """Answered after 4 s (by a1005, who then hangs up: wrap-up), abandoned after 30 s,
    answered after 12 s (by a1003, still talking); a1002 on break, a1006 signed out."""
    matching = app[MATCHING]
    await matching.agent_ready("a1005")
    first = await walk(twilio, LINE, FAULT)
    assert first.last.doc.findtext("Dial/Client") == "a1005"
    clock.now += timedelta(seconds=4)
    await answer(twilio, first, "CA" + "1" * 32, "ringing")
    await answer(twilio, first, "CA" + "1" * 32, "in-progress")
    second = await walk(twilio, LINE, FAULT)
    assert second.last.verbs() == ["Enqueue"]
    clock.now += timedelta(seconds=30)
    await hang_up_waiting(twilio, second)
    await matching.agent_ready("a1003")
    third = await walk(twilio, LINE, FAULT)
    assert third.last.doc.findtext("Dial/Client") == "a1003"
    clock.now += timedelta(seconds=12)
    await answer(twilio, third, "CA" + "3" * 32, "in-progress")
    await matching.agent_ready("a1002")  # serves no fault calls
    await matching.agent_break("a1002", "会议")
    await matching.agent_ready("a1006")
    await matching.agent_offline("a1006")
    await answer(twilio, first, "CA" + "1" * 32, "completed")


async def test_scrape_counts_each_call_once_and_parses(
    twilio: TwilioPoster,
    app: web.Application,
    client: TestClient[Any, Any],
    sink: EventSink,
    clock: FakeClock,
    redis: aioredis.Redis,
    keys: Keys,
) -> None:
    await three_fault_calls(twilio, app, clock)
    await sink.ensure_group()
    entries = len(await read_events(redis, keys))
    before = await scrape(client)
    assert value(before, "hotline_calls_offered_total", queue="fault") is None  # none stored
    assert value(before, "hotline_event_sink_unwritten_entries") == entries
    clock.now += timedelta(seconds=7)  # the sink runs 7 s behind the newest event
    assert await sink.pump() == entries

    samples = await scrape(client)
    assert labelled(samples, "hotline_calls_offered_total", "queue") == {"fault": 3}
    assert labelled(samples, "hotline_calls_answered_total", "queue") == {"fault": 2}
    assert labelled(samples, "hotline_calls_abandoned_total", "queue") == {"fault": 1}
    assert labelled(samples, "hotline_calls_timed_out_total", "queue") == {}
    wait = "hotline_call_wait_seconds"
    answered = {"queue": "fault", "outcome": "answered"}
    assert value(samples, f"{wait}_count", **answered) == 2
    assert value(samples, f"{wait}_sum", **answered) == 16.0  # 4 s + 12 s
    assert value(samples, f"{wait}_bucket", **answered, le="5.0") == 1
    assert value(samples, f"{wait}_bucket", **answered, le="10.0") == 1
    assert value(samples, f"{wait}_bucket", **answered, le="15.0") == 2
    abandoned = {"queue": "fault", "outcome": "abandoned"}
    assert value(samples, f"{wait}_count", **abandoned) == 1
    assert value(samples, f"{wait}_sum", **abandoned) == 30.0
    assert value(samples, f"{wait}_bucket", **abandoned, le="20.0") == 0
    assert value(samples, f"{wait}_bucket", **abandoned, le="30.0") == 1
    assert labelled(samples, "hotline_agents", "state") == {
        "offline": 1,
        "ready": 0,
        "reserved": 0,
        "busy": 1,
        "wrap_up": 1,
        "break": 1,
    }
    assert value(samples, "hotline_event_sink_lag_seconds") == 7.0
    assert value(samples, "hotline_event_sink_unwritten_entries") == 0
    webhooks = labelled(samples, "hotline_webhook_duration_seconds_count", "route")
    # Three dials, two menu keys each, one hang-up in the queue, four leg callbacks.
    assert webhooks == {"voice": 3, "menu": 6, "queue_result": 1, "agent_status": 4}
    matches = labelled(samples, "hotline_router_match_duration_seconds_count", "operation")
    assert matches["enqueue"] == 3
    assert matches["agent_ready"] == 4  # a1005, a1003, a1002, a1006
    assert labelled(samples, "hotline_errors_total", "kind") == dict.fromkeys(
        [kind.value for kind in ErrorKind], 0
    )

    # Every entry handed out again (a consumer that crashed before its XACK, a claim):
    # stored already, so counted nothing, in one batch or one by one.
    await redis.xgroup_setid(keys.events(), sink.policy.group, "0")
    assert await sink.pump() == entries  # acknowledged again...
    assert sink.stored == entries  # ...and written once
    stream = cast(list[tuple[str, dict[str, str]]], await redis.xrange(keys.events()))
    await sink.handle(stream[:1])
    again = await scrape(client)
    for name in ("offered", "answered", "abandoned"):
        key = f"hotline_calls_{name}_total"
        assert labelled(again, key, "queue") == labelled(samples, key, "queue")
    assert value(again, f"{wait}_count", **answered) == 2
    assert value(again, f"{wait}_count", **abandoned) == 1


async def test_failures_are_counted_by_kind(
    twilio: TwilioPoster,
    app: web.Application,
    client: TestClient[Any, Any],
    carrier: RecordingCarrier,
) -> None:
    waiting = await walk(twilio, LINE, FAULT)
    assert waiting.last.verbs() == ["Enqueue"]
    carrier.failing = True
    await app[MATCHING].agent_ready("a1005")  # offered: the live-call update is refused
    # A signed callback without the offer our URLs carry: unreadable, answered safely.
    params = twilio.base_params("CA" + "9" * 32, "+8613600000000", "client:a1005")
    reply = await twilio.post("/twilio/agent-status", params)
    assert reply.status == 200
    errors = labelled(await scrape(client), "hotline_errors_total", "kind")
    assert errors.pop(ErrorKind.CARRIER_UPDATE.value) == 1
    assert errors.pop(ErrorKind.WEBHOOK_BAD_REQUEST.value) == 1
    assert set(errors.values()) == {0}
    assert carrier.updates == []


async def test_each_app_counts_on_its_own_registry(
    settings: Settings,
    redis: aioredis.Redis,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    first = create_app(settings, redis=redis, sessionmaker=sessionmaker)
    second = create_app(settings, redis=redis, sessionmaker=sessionmaker)
    first[METRICS].error(ErrorKind.RING_FAILED)

    def rings(app: web.Application) -> float | None:
        return app[METRICS].registry.get_sample_value(
            "hotline_errors_total", {"kind": ErrorKind.RING_FAILED.value}
        )

    assert (rings(first), rings(second)) == (1, 0)
    # Nothing on the library's process-wide registry: apps share no metric state.
    shared = prometheus_client.REGISTRY.get_sample_value(
        "hotline_errors_total", {"kind": ErrorKind.RING_FAILED.value}
    )
    assert shared is None


def test_wait_is_taken_from_the_events_own_field() -> None:
    """CONNECT says `hold_ms`, ABANDON `wait_ms` (routing/lua): each read from its own."""
    metrics = Metrics()
    fields: Mapping[str, str] = {"ev": "", "t": "1000", "call": "CA1", "queue": "vip"}
    for name, data in ((EventName.CONNECT, {"hold_ms": "2500"}), (EventName.ABANDON, {})):
        event = RouterEvent.from_entry("1-0", {**fields, "ev": name.value, **data})
        metrics.event_stored(event, stored_at_ms=1500)
    registry = metrics.registry
    answered = {"queue": "vip", "outcome": "answered"}
    assert registry.get_sample_value("hotline_call_wait_seconds_sum", answered) == 2.5
    # An ABANDON without its wait is counted, its wait left out rather than made up.
    assert registry.get_sample_value("hotline_calls_abandoned_total", {"queue": "vip"}) == 1
    abandoned = {"queue": "vip", "outcome": "abandoned"}
    assert registry.get_sample_value("hotline_call_wait_seconds_count", abandoned) is None
    assert registry.get_sample_value("hotline_event_sink_lag_seconds") == 0.5


async def test_a_scraper_asking_for_openmetrics_gets_it(client: TestClient[Any, Any]) -> None:
    accept = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"
    response = await client.get("/metrics", headers={"Accept": accept})
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("application/openmetrics-text")
    text = await response.text()
    assert text.endswith("# EOF\n")
    assert 'hotline_errors_total{kind="ring_failed"} 0.0' in text


async def test_what_redis_cannot_say_is_left_out_not_shown_stale(
    redis: aioredis.Redis, keys: Keys
) -> None:
    app = web.Application()
    app[METRICS], app[KEYS], app[REDIS] = Metrics(), keys, redis
    await read_router(app)
    assert app[METRICS].snapshot.agents is not None
    # Nothing listens there; asked once, so the refusal comes at once.
    gone = aioredis.Redis(port=unused_port(), retry=Retry(NoBackoff(), 0))
    try:
        app[REDIS] = gone
        await read_router(app)
    finally:
        await gone.aclose()
    registry = app[METRICS].registry
    assert registry.get_sample_value("hotline_agents", {"state": "busy"}) is None
    assert registry.get_sample_value("hotline_event_sink_unwritten_entries") is None
    assert registry.get_sample_value("hotline_errors_total", {"kind": "ring_failed"}) == 0


async def test_an_unreadable_entry_is_set_aside_and_counted_once(
    client: TestClient[Any, Any], sink: EventSink, redis: aioredis.Redis, keys: Keys
) -> None:
    await sink.ensure_group()
    await redis.xadd(keys.events(), {"ev": "NOSUCHEVENT", "t": "1", "call": "CA1", "q": "x"})
    assert await sink.pump() == 1
    await redis.xgroup_setid(keys.events(), sink.policy.group, "0")  # handed out again
    assert await sink.pump() == 1
    errors = labelled(await scrape(client), "hotline_errors_total", "kind")
    assert errors[ErrorKind.SINK_SET_ASIDE.value] == 1
    assert labelled(await scrape(client), "hotline_calls_offered_total", "queue") == {}
