"""Each background loop's context exits promptly even when the loop is stuck in a Redis call
that never returns, instead of waiting out a poll timeout; and each loop lives through its
own errors."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import redis.asyncio as aioredis
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.app import create_app
from hotline.appkeys import AGENT_EVENTS, CONFIGS, REDIS, Clock
from hotline.background import in_background
from hotline.contexts import config_ctx, router_ctx, softphone_ctx
from hotline.settings import Settings
from ivr.menus.loading import load_config_file
from ivr.menus.published import ConfigRegistry
from ivr.menus.publishing import publish_config
from routing.keys import Keys
from staff_web.softphone.fanout import AgentEventHub
from switchboard.agent_events import AgentEvents
from switchboard.matching import Matching
from tests.app_fixtures import FakeClock

pytestmark = pytest.mark.timeout(20)

#: Far under a hung call's wait (forever) and over the 0.5 s grace, with room for a busy
#: machine.
EXIT_BOUND_S = 1.0

CleanupCtx = Callable[[web.Application], AsyncIterator[None]]


class StuckRedis:
    """The app's Redis client, except that the commands named in `stuck` never return from
    the moment they are named (a Redis that stops answering); `hung[name]` is set once a
    call of that command is hanging."""

    def __init__(self, real: aioredis.Redis) -> None:
        self._real = real
        self.stuck: set[str] = set()
        self.hung: dict[str, asyncio.Event] = {}

    def stop_answering(self, *names: str) -> None:
        self.stuck.update(names)
        for name in names:
            self.hung.setdefault(name, asyncio.Event())

    async def hang(self, name: str) -> None:
        self.hung[name].set()
        await asyncio.Event().wait()

    def __getattr__(self, name: str) -> Any:
        if name in self.stuck:
            return lambda *_args, **_kwargs: self.hang(name)
        return getattr(self._real, name)

    def pubsub(self, **options: Any) -> StuckPubSub:
        return StuckPubSub(self._real.pubsub(**options), self)


class StuckPubSub:
    def __init__(self, real: Any, redis: StuckRedis) -> None:
        self._real = real
        self._redis = redis

    def __getattr__(self, name: str) -> Any:
        if name in self._redis.stuck:
            return lambda *_args, **_kwargs: self._redis.hang(name)
        return getattr(self._real, name)


@pytest.fixture
def stuck(redis: aioredis.Redis) -> StuckRedis:
    return StuckRedis(redis)


@pytest.fixture
def bare_app(
    settings: Settings,
    stuck: StuckRedis,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> web.Application:
    """The app's resources, none of its contexts entered: each test enters the ones it needs."""
    return create_app(settings, redis=stuck, sessionmaker=sessionmaker, clock=clock)  # type: ignore[arg-type]


async def enter(app: web.Application, context: CleanupCtx) -> AsyncIterator[None]:
    running = context(app)
    await anext(running)
    return running


async def exit_seconds(running: AsyncIterator[None]) -> float:
    """How long the context takes to exit."""
    started = time.monotonic()
    with pytest.raises(StopAsyncIteration):
        await anext(running)
    return time.monotonic() - started


async def test_config_watch_stops_at_once_while_its_read_hangs(
    bare_app: web.Application, stuck: StuckRedis
) -> None:
    configs = await enter(bare_app, config_ctx)
    await bare_app[CONFIGS].subscribed.wait()
    stuck.stop_answering("get_message")
    await stuck.hung["get_message"].wait()
    assert await exit_seconds(configs) < EXIT_BOUND_S


async def test_router_timers_stop_within_the_grace_while_a_redis_call_hangs(
    bare_app: web.Application, stuck: StuckRedis
) -> None:
    configs = await enter(bare_app, config_ctx)
    router = await enter(bare_app, router_ctx)
    stuck.stop_answering("zrange")  # the timers' next-instant read and their tick
    await stuck.hung["zrange"].wait()
    assert await exit_seconds(router) < EXIT_BOUND_S
    await exit_seconds(configs)


async def test_softphone_fanout_stops_at_once_while_both_reads_hang(
    bare_app: web.Application, stuck: StuckRedis, keys: Keys
) -> None:
    bare_app[AGENT_EVENTS] = AgentEvents(bare_app[REDIS], keys)
    fanout = await enter(bare_app, softphone_ctx)
    stuck.stop_answering("get_message", "xread")
    await stuck.hung["get_message"].wait()
    await stuck.hung["xread"].wait()
    assert await exit_seconds(fanout) < EXIT_BOUND_S


class GarbledOnce:
    """A pub/sub connection whose first message is not a version number."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self.garbled = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    async def get_message(self, **options: Any) -> Any:
        if not self.garbled:
            self.garbled = True
            return {"type": "message", "data": "not a version"}
        return await self._real.get_message(**options)


class GarblingRedis:
    """Redis whose first subscription hears a garbled message; `resubscribed` is set when
    a second subscription is made."""

    def __init__(self, real: aioredis.Redis) -> None:
        self._real = real
        self.subscriptions = 0
        self.resubscribed = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def pubsub(self, **options: Any) -> Any:
        self.subscriptions += 1
        real = self._real.pubsub(**options)
        if self.subscriptions == 1:
            return GarbledOnce(real)
        self.resubscribed.set()
        return real


async def test_config_watch_lives_through_a_garbled_message(
    redis: aioredis.Redis,
    keys: Keys,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    garbling = GarblingRedis(redis)
    watcher = ConfigRegistry(garbling, keys, sessionmaker)  # type: ignore[arg-type]
    publisher = ConfigRegistry(redis, keys, sessionmaker)
    config = load_config_file(settings.config_path)
    first = await publish_config(
        sessionmaker, publisher, config, author="test", comment="v1", now=clock.now
    )

    async def watch(stop: asyncio.Event) -> None:
        await watcher.watch(stop, retry_s=0)

    async with in_background(watch, name="config-watch", grace_s=0):
        await asyncio.wait_for(garbling.resubscribed.wait(), 10)
        await asyncio.wait_for(watcher.subscribed.wait(), 10)
        assert (await watcher.current()).version == first
        second = await publish_config(
            sessionmaker, publisher, config, author="test", comment="v2", now=clock.now
        )
        await asyncio.wait_for(watcher.heard.wait(), 10)
        assert (await watcher.current()).version == second
    assert garbling.subscriptions == 2
    assert [r.getMessage() for r in caplog.records if r.name == "ivr.menus.published"] == [
        "config watch: ValueError(\"invalid literal for int() with base 10: 'not a version'\"); "
        "reading the pointer per call"
    ]


class FailingRouter:
    """The router as the timer loop sees it: the first next-instant read and the first tick
    fail; every later one works, and `ticked` is set on the first good tick."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.failures = {"next_escalation_at": 1, "tick": 1}
        self.ticked = asyncio.Event()

    def clock(self) -> int:
        return int(self._clock().timestamp() * 1000)

    def _fail_once(self, name: str) -> None:
        if self.failures[name]:
            self.failures[name] -= 1
            raise ConnectionError(f"{name}: connection reset")

    async def next_escalation_at(self) -> int:
        self._fail_once("next_escalation_at")
        return self.clock()  # due now: no wait

    async def tick(self) -> list[Any]:
        self._fail_once("tick")
        self.ticked.set()
        return []

    async def lapsed_offers(self, **_: Any) -> list[Any]:
        return []


async def test_router_timers_live_through_redis_errors(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    router = FailingRouter(clock)
    matching = Matching(router, None, None)  # type: ignore[arg-type]
    async with in_background(matching.run_timers, name="router-timers"):
        await asyncio.wait_for(router.ticked.wait(), 10)
    assert router.failures == {"next_escalation_at": 0, "tick": 0}
    assert [r.getMessage() for r in caplog.records if r.name == "switchboard.matching"] == [
        "router timers: next instant unreadable; retrying",
        "router timers failed; retrying",
    ]


class XreadFailsOnce:
    """Redis whose first XREAD fails with an error the relay did not expect."""

    def __init__(self, real: aioredis.Redis) -> None:
        self._real = real
        self.failed = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    async def xread(self, *args: Any, **kwargs: Any) -> Any:
        if not self.failed:
            self.failed = True
            raise aioredis.ResponseError("WRONGTYPE Operation against a key")
        return await self._real.xread(*args, **kwargs)


async def test_softphone_fanout_lives_through_an_unexpected_error(
    redis: aioredis.Redis, keys: Keys
) -> None:
    flaky = XreadFailsOnce(redis)
    events = AgentEvents(redis, keys)
    hub = AgentEventHub(flaky, keys, events, retry_s=0)  # type: ignore[arg-type]
    await hub.start()
    try:
        with hub.listen("a1005") as inbox:
            async with in_background(hub.relay, name="softphone-fanout", grace_s=0):
                await redis.xadd(keys.events(), {"ev": "RINGNOANSWER", "agent": "a1005"})
                nudge = await inbox.get(10)
                await events.publish("a1005", "missed", call_sid="CA9")
                event = await inbox.get(10)
    finally:
        await hub.aclose()
    assert flaky.failed
    assert nudge is not None
    assert (nudge.kind, nudge.event) == ("nudge", {"ev": "RINGNOANSWER"})
    assert event is not None
    assert (event.kind, event.event) == ("event", {"type": "missed", "call_sid": "CA9"})


def test_the_contexts_under_test_are_the_apps_own(bare_app: web.Application) -> None:
    """The contexts entered above are the ones `create_app` runs."""
    assert {config_ctx, router_ctx, softphone_ctx} <= set(bare_app.cleanup_ctx)
