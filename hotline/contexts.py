"""Each shared resource's lifetime in the app, one `cleanup_ctx` each: create, store, yield,
close. `create_app` (hotline/app.py) puts them in order."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import cast
from urllib.parse import urlsplit, urlunsplit

import redis.asyncio as aioredis
from aiohttp import web
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.ext.asyncio import AsyncEngine

from carriers.twilio_driver import TwilioDriver
from hotline.appkeys import (
    AGENT_EVENT_HUB,
    AGENT_EVENTS,
    BRIDGE,
    CALLS,
    CARRIER,
    CLOCK,
    CONFIGS,
    DEMO_USERS,
    DESK_PRESENCE,
    KEYS,
    LOCAL_CARRIER,
    LOOPS,
    MATCHING,
    METRICS,
    REDIS,
    SESSIONMAKER,
    SETTINGS,
    WEBHOOK_URLS,
)
from hotline.background import in_background
from hotline.demo_users import ensure_demo_users
from hotline.settings import SentinelAddress, SettingsError, is_sentinel_url, parse_sentinel_url
from ivr.calls import CallState
from ivr.menus.holiday_data import holiday_data_warnings
from ivr.menus.loading import load_config_file
from ivr.menus.published import ConfigRegistry, LoadedConfig, NoPublishedConfig
from ivr.menus.publishing import publish_config
from queues.db import create_engine, create_sessionmaker
from queues.migrate import upgrade
from queues.setup_lock import setup_lock
from routing.batching import RedisTooOld, require_functions
from routing.connection import (
    BlockingSentinelPool,
    HiredisPackingSentinelConnection,
    SentinelRedis,
    connection_pool_options,
)
from routing.router import Router
from staff_web.softphone.desk_presence import DeskPresence
from staff_web.softphone.fanout import AgentEventHub
from switchboard.agent_events import AgentEvents
from switchboard.answering import AppScope
from switchboard.bridge import Bridge
from switchboard.lease_checks import settle_lapsed
from switchboard.matching import Matching

log = logging.getLogger(__name__)


REDIS_POOL_SIZE = 64


REDIS_POOL_WAIT_SECONDS = 5.0

#: Through Sentinel, a command that meets a dead or demoted primary is tried again on the
#: one the sentinels name next, for about as long as a failover takes (detection after the
#: sentinels' down-after-milliseconds, then the election): 12 tries, 50 ms growing to 1 s,
#: about 8 s in all, within a carrier's 15 s webhook timeout. A single Redis gets no retry:
#: there a refused connection means Redis is down, and the callers' fail-safe (the held
#: callbacks, the wait loop's heartbeat) should start at once.
SENTINEL_RETRY = Retry(ExponentialWithJitterBackoff(base=0.05, cap=1.0), retries=12)
SENTINEL_SOCKET_TIMEOUT_S = 1.0
#: A primary that died with its machine does not refuse a connection: it never answers.
REDIS_CONNECT_TIMEOUT_S = 2.0

#: How long a loop may go without a round done before /healthz names it: the timers run a
#: round every 0.5 s, the fan-out reads every second; a round stuck on a Redis that stopped
#: answering shows here even though the loop's task lives.
TIMERS_STALE_S = 15.0
FANOUT_STALE_S = 15.0


def connect_redis(url: str) -> aioredis.Redis:
    """A client whose pool waits for a free connection instead of failing; through Redis
    Sentinel for a `redis+sentinel://` URL (`connect_sentinel`).

    Under a burst of webhooks more commands are in flight than the pool holds; the default
    pool raises `MaxConnectionsError` then, which a caller would hear as an apology. Its
    connections pack commands with hiredis (`routing.connection`): the call-state and router
    batches carry dozens of arguments each.
    """
    if is_sentinel_url(url):
        return connect_sentinel(parse_sentinel_url(url))
    pool = aioredis.BlockingConnectionPool.from_url(
        url,
        max_connections=REDIS_POOL_SIZE,
        timeout=REDIS_POOL_WAIT_SECONDS,
        decode_responses=True,
        **connection_pool_options(),
    )
    return aioredis.Redis.from_pool(pool)


def connect_sentinel(address: SentinelAddress) -> aioredis.Redis:
    """A client of the primary `address`'s sentinels name, found again after a failover."""
    sentinel = Sentinel(  # type: ignore[no-untyped-call]  # redis-py leaves it untyped
        list(address.sentinels),
        sentinel_kwargs={
            "password": address.sentinel_password,
            "socket_timeout": SENTINEL_SOCKET_TIMEOUT_S,
            "socket_connect_timeout": SENTINEL_SOCKET_TIMEOUT_S,
            "decode_responses": True,
        },
    )
    client = sentinel.master_for(
        address.master,
        redis_class=SentinelRedis,
        connection_pool_class=BlockingSentinelPool,
        connection_class=HiredisPackingSentinelConnection,
        max_connections=REDIS_POOL_SIZE,
        timeout=REDIS_POOL_WAIT_SECONDS,
        db=address.db,
        username=address.username,
        password=address.password,
        decode_responses=True,
        socket_connect_timeout=REDIS_CONNECT_TIMEOUT_S,
        retry=SENTINEL_RETRY,
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
    )
    return cast(aioredis.Redis, client)


def redacted(url: str) -> str:
    """A service URL fit for a log line: the password is hidden."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        parts = parts._replace(netloc=netloc)
    if "password=" in parts.query:
        parts = parts._replace(query="***")  # a password among the parameters
    return urlunsplit(parts)


async def redis_ctx(app: web.Application) -> AsyncIterator[None]:
    if REDIS in app:  # injected by the caller, who closes it
        yield
        return
    settings = app[SETTINGS]
    client: aioredis.Redis
    if settings.redis_url is None:
        # Loaded only here: a server on a real Redis never imports the stand-in.
        import fakeredis

        log.info("redis: embedded in-process stand-in (fakeredis); state lives in this process")
        client = fakeredis.FakeAsyncRedis(decode_responses=True)
    else:
        log.info("redis: %s, key prefix %r", redacted(settings.redis_url), settings.redis_prefix)
        client = connect_redis(settings.redis_url)
        await client.ping()
        try:
            await require_functions(client)
        except RedisTooOld as error:
            await client.aclose()
            raise SettingsError(f"REDIS_URL: {error}") from error
    app[REDIS] = client
    yield
    await client.aclose()


async def database_ctx(app: web.Application) -> AsyncIterator[None]:
    if SESSIONMAKER in app:  # injected, already migrated
        yield
        return
    settings = app[SETTINGS]
    kind = "embedded SQLite file" if settings.embedded_database else "database"
    log.info("sql: %s %s", kind, redacted(settings.database_url))
    engine = create_engine(settings.database_url)
    await upgrade(engine)  # under the set-up lock
    app[SESSIONMAKER] = create_sessionmaker(engine)
    yield
    await engine.dispose()


async def config_ctx(app: web.Application) -> AsyncIterator[None]:
    """The published menus; a fresh database gets HOTLINE_CONFIG (the demo by default)."""
    registry = ConfigRegistry(app[REDIS], app[KEYS], app[SESSIONMAKER])
    try:
        loaded = await registry.sync()
    except NoPublishedConfig:
        # Servers started together on a fresh database take turns: the first publishes,
        # the others find its version when they hold the lock.
        async with setup_lock(database_engine(app)):
            try:
                loaded = await registry.sync()
            except NoPublishedConfig:
                loaded = await publish_first_config(app, registry)
    numbers = ", ".join(n for h in loaded.config.hotlines for n in h.numbers[:1])
    log.info("config: version %d in force (hotlines %s)", loaded.version, numbers)
    for warning in holiday_data_warnings(app[CLOCK]()):
        log.warning("holidays: %s", warning)
    app[CONFIGS] = registry
    app[CALLS] = CallState(app[REDIS], app[KEYS])
    # The watch holds no work in flight worth finishing: it is cancelled at once.
    async with in_background(registry.watch, name="config-watch", grace_s=0, health=app.get(LOOPS)):
        yield


async def publish_first_config(app: web.Application, registry: ConfigRegistry) -> LoadedConfig:
    settings = app[SETTINGS]
    config = load_config_file(settings.config_path)
    await publish_config(
        app[SESSIONMAKER],
        registry,
        config,
        author="hotline serve",
        comment=f"first start: {settings.config_path.name}",
        now=app[CLOCK](),
    )
    loaded = await registry.sync()
    log.info("config: published %s as version %d", settings.config_path, loaded.version)
    return loaded


def database_engine(app: web.Application) -> AsyncEngine:
    """The engine under the app's sessions (injected ones too)."""
    return cast(AsyncEngine, app[SESSIONMAKER].kw["bind"])


async def demo_users_ctx(app: web.Application) -> AsyncIterator[None]:
    """Demo accounts with fresh passwords, for trying the embedded hotline; under the set-up
    lock, so that servers started together do not add the same accounts at once."""
    async with setup_lock(database_engine(app)):
        app[DEMO_USERS] = await ensure_demo_users(app[SESSIONMAKER], now=app[CLOCK]())
    yield


async def local_carrier_ctx(app: web.Application) -> AsyncIterator[None]:
    yield
    await app[LOCAL_CARRIER].aclose()


async def twilio_driver_ctx(app: web.Application) -> AsyncIterator[None]:
    """Twilio's REST client for live-call updates (closed at shutdown)."""
    settings = app[SETTINGS]
    driver = TwilioDriver(
        settings.twilio_account_sid,
        settings.twilio_auth_token,
        base_url=settings.twilio_api_base_url,
    )
    app[CARRIER] = driver
    log.info("carrier: Twilio REST at %s", settings.twilio_api_base_url)
    yield
    await driver.aclose()


async def router_ctx(app: web.Application) -> AsyncIterator[None]:
    """The router with this version's queue rules, the bridge, and the timer loop."""
    clock = app[CLOCK]
    router = Router(app[REDIS], app[KEYS], clock=lambda: int(clock().timestamp() * 1000))
    events = AgentEvents(app[REDIS], app[KEYS])
    metrics = app[METRICS]
    bridge = Bridge(
        app[CALLS], app[CONFIGS], app[WEBHOOK_URLS], events, app.get(CARRIER), metrics=metrics
    )
    scope = AppScope(app)
    matching = Matching(
        router,
        app[CONFIGS],
        bridge,
        settle_lapsed=lambda lapsed: settle_lapsed(scope, lapsed),
        metrics=metrics,
    )
    await matching.ensure_rules()
    app[AGENT_EVENTS] = events
    app[BRIDGE] = bridge
    app[MATCHING] = matching
    async with in_background(
        matching.run_timers,
        name="router-timers",
        health=app.get(LOOPS),
        beat=lambda: matching.last_round_at,
        stale_after_s=TIMERS_STALE_S,
    ):
        yield


async def published_config_ctx(app: web.Application) -> AsyncIterator[None]:
    """Every published version runs here at once (after router_ctx): its queue rules and
    grades go to the router on each publish, however this process learns of it, and SQL
    is read every HOTLINE_CONFIG_POLL_S for a publish no Redis message brought (the CLI
    beside an embedded server, whose Redis lives in this process)."""
    registry = app[CONFIGS]
    registry.on_publish(app[MATCHING].apply_published)

    async def poll(stop: asyncio.Event) -> None:
        await registry.poll(stop, interval_s=app[SETTINGS].config_poll_s)

    # A poll holds no work in flight worth finishing: it is cancelled at once.
    async with in_background(poll, name="config-poll", grace_s=0, health=app.get(LOOPS)):
        yield


async def softphone_ctx(app: web.Application) -> AsyncIterator[None]:
    """This process's fan-out of agent events to its softphone sockets (after router_ctx)."""
    hub = AgentEventHub(app[REDIS], app[KEYS], app[AGENT_EVENTS])
    await hub.start()
    app[AGENT_EVENT_HUB] = hub
    try:
        # Relaying holds no work in flight worth finishing: it is cancelled at once.
        async with in_background(
            hub.relay,
            name="softphone-fanout",
            grace_s=0,
            health=app.get(LOOPS),
            beat=lambda: hub.last_read_at,
            stale_after_s=FANOUT_STALE_S,
        ):
            yield
    finally:
        await hub.aclose()


async def desk_presence_ctx(app: web.Application) -> AsyncIterator[None]:
    """Which agents' desks are open, and the sweep putting absent agents on break (after
    router_ctx); HOTLINE_AGENT_ABSENT_S=0 keeps the marks but never sweeps."""
    absent_s = app[SETTINGS].agent_absent_s
    desks = DeskPresence(app[REDIS], app[KEYS], app[MATCHING], absent_after_s=absent_s)
    app[DESK_PRESENCE] = desks
    if not absent_s:
        yield
        return
    async with in_background(desks.watch, name="absent-desks", health=app.get(LOOPS)):
        yield
