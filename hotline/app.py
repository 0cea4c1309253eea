"""The composition root: `create_app` builds everything; nothing connects at import time."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import redis.asyncio as aioredis
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from twilio.request_validator import RequestValidator

from carriers.driver import CarrierDriver
from carriers.local_driver import LocalDriver
from carriers.twilio_driver import TwilioDriver
from hotline.appkeys import (
    AGENT_EVENT_HUB,
    AGENT_EVENTS,
    AUTH_PAGES,
    BRIDGE,
    CALLS,
    CARRIER,
    CLOCK,
    CONFIGS,
    DEMO_USERS,
    DIAL_PAD,
    KEYS,
    LOCAL_CARRIER,
    MATCHING,
    REDIS,
    SESSIONMAKER,
    SETTINGS,
    VALIDATOR,
    WEBHOOK_URLS,
    Clock,
)
from hotline.background import in_background
from hotline.demo_users import ensure_demo_users
from hotline.settings import CarrierKind, Settings, SettingsError
from ivr.calls import CallState
from ivr.menus.loading import load_config_file
from ivr.menus.published import ConfigRegistry, NoPublishedConfig
from ivr.menus.publishing import publish_config
from ivr.webhook_urls import WebhookUrls
from ivr.webhooks.routes import create_webhooks_app
from local_carrier import LocalCarrier, create_carrier_app
from queues.db import create_engine, create_sessionmaker
from queues.migrate import upgrade
from routing.batching import RedisTooOld, require_functions
from routing.connection import connection_pool_options
from routing.keys import Keys
from routing.router import Router
from staff_web.auth.context import auth_context
from staff_web.auth.identity import CurrentUser
from staff_web.auth.login_pages import create_auth_app
from staff_web.auth.token_api import create_api_app
from staff_web.softphone.agent_api import add_agent_api_routes
from staff_web.softphone.fanout import AgentEventHub
from staff_web.softphone.page import create_softphone_app
from staff_web.supervisor.desk_api import add_supervisor_api_routes
from staff_web.supervisor.desk_pages import create_desk_app
from switchboard.agent_events import AgentEvents
from switchboard.agent_legs import add_agent_leg_routes
from switchboard.bridge import Bridge
from switchboard.event_sink import EventSink, SinkPolicy
from switchboard.matching import Matching

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


REDIS_POOL_SIZE = 64
REDIS_POOL_WAIT_SECONDS = 5.0


def connect_redis(url: str) -> aioredis.Redis:
    """A client whose pool waits for a free connection instead of failing.

    Under a burst of webhooks more commands are in flight than the pool holds; the default
    pool raises `MaxConnectionsError` then, which a caller would hear as an apology. Its
    connections pack commands with hiredis (`routing.connection`): the call-state and router
    batches carry dozens of arguments each.
    """
    pool = aioredis.BlockingConnectionPool.from_url(
        url,
        max_connections=REDIS_POOL_SIZE,
        timeout=REDIS_POOL_WAIT_SECONDS,
        decode_responses=True,
        **connection_pool_options(),
    )
    return aioredis.Redis.from_pool(pool)


def redacted(url: str) -> str:
    """A service URL fit for a log line: the password is hidden."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


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
    await upgrade(engine)
    app[SESSIONMAKER] = create_sessionmaker(engine)
    yield
    await engine.dispose()


async def config_ctx(app: web.Application) -> AsyncIterator[None]:
    """The published menus; a fresh database gets HOTLINE_CONFIG (the demo by default)."""
    registry = ConfigRegistry(app[REDIS], app[KEYS], app[SESSIONMAKER])
    try:
        loaded = await registry.sync()
    except NoPublishedConfig:
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
    numbers = ", ".join(n for h in loaded.config.hotlines for n in h.numbers[:1])
    log.info("config: version %d in force (hotlines %s)", loaded.version, numbers)
    app[CONFIGS] = registry
    app[CALLS] = CallState(app[REDIS], app[KEYS])
    # The watch holds no work in flight worth finishing: it is cancelled at once.
    async with in_background(registry.watch, name="config-watch", grace_s=0):
        yield


async def demo_users_ctx(app: web.Application) -> AsyncIterator[None]:
    """Demo accounts with fresh passwords, for trying the embedded hotline."""
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


def dial_pad_numbers(app: web.Application) -> list[tuple[str, str]]:
    """What the dial pad offers: each hotline of the published config, by its first number."""
    registry = app.get(CONFIGS)
    latest = registry.latest if registry is not None else None
    if latest is None:
        return []
    return [(hotline.numbers[0], hotline.name) for hotline in latest.config.hotlines]


async def index(request: web.Request) -> web.Response:
    """The front door: the dial pad in the embedded mode."""
    if DIAL_PAD in request.app:
        raise web.HTTPFound(request.app[DIAL_PAD].router["dialpad"].url_for())
    return web.json_response({"service": "hotline", "status": "ok"})


async def router_ctx(app: web.Application) -> AsyncIterator[None]:
    """The router with this version's queue rules, the bridge, and the timer loop."""
    clock = app[CLOCK]
    router = Router(app[REDIS], app[KEYS], clock=lambda: int(clock().timestamp() * 1000))
    events = AgentEvents(app[REDIS], app[KEYS])
    bridge = Bridge(app[CALLS], app[CONFIGS], app[WEBHOOK_URLS], events, app.get(CARRIER))
    matching = Matching(router, app[CONFIGS], bridge)
    await matching.ensure_rules(await app[CONFIGS].current())
    app[AGENT_EVENTS] = events
    app[BRIDGE] = bridge
    app[MATCHING] = matching
    async with in_background(matching.run_timers, name="router-timers"):
        yield


async def softphone_ctx(app: web.Application) -> AsyncIterator[None]:
    """This process's fan-out of agent events to its softphone sockets (after router_ctx)."""
    hub = AgentEventHub(app[REDIS], app[KEYS], app[AGENT_EVENTS])
    await hub.start()
    app[AGENT_EVENT_HUB] = hub
    try:
        # Relaying holds no work in flight worth finishing: it is cancelled at once.
        async with in_background(hub.relay, name="softphone-fanout", grace_s=0):
            yield
    finally:
        await hub.aclose()


class EventSinkContext:
    """A cleanup_ctx running one EventSink in the background for the app's lifetime;
    `sink` is the running consumer (None before start-up)."""

    def __init__(self, *, consumer: str | None = None, policy: SinkPolicy | None = None) -> None:
        self.consumer = consumer
        self.policy = policy
        self.sink: EventSink | None = None

    async def __call__(self, app: web.Application) -> AsyncIterator[None]:
        sink = EventSink(
            app[REDIS],
            app[KEYS],
            app[SESSIONMAKER],
            clock=app[CLOCK],
            consumer=self.consumer,
            policy=self.policy,
        )
        self.sink = sink
        log.info("event sink: consumer %s of group %s", sink.consumer, sink.policy.group)
        # The grace lets a batch in hand be stored and acknowledged; what a cancelled write
        # leaves is rolled back and stays pending, for a claim.
        async with in_background(sink.run, name="event-sink"):
            yield


async def event_sink_ctx(app: web.Application) -> AsyncIterator[None]:
    """The default wiring: `app.cleanup_ctx.append(event_sink_ctx)` after router_ctx."""
    async for _ in EventSinkContext()(app):
        yield


async def health(request: web.Request) -> web.Response:
    await request.app[REDIS].ping()
    return web.json_response({"status": "ok"})


def create_app(
    settings: Settings,
    *,
    redis: aioredis.Redis | None = None,
    sessionmaker: async_sessionmaker[AsyncSession] | None = None,
    clock: Clock | None = None,
    carrier: CarrierDriver | None = None,
) -> web.Application:
    """Build the whole hotline; injected resources are used as given and not closed.

    `carrier` updates live calls to connect callers to agents (a carrier driver).
    """
    app = web.Application()
    app[SETTINGS] = settings
    app[CLOCK] = clock or utc_now
    app[KEYS] = Keys(settings.redis_prefix)
    app[VALIDATOR] = RequestValidator(settings.twilio_auth_token)
    if redis is not None:
        app[REDIS] = redis
    if sessionmaker is not None:
        app[SESSIONMAKER] = sessionmaker
    if carrier is not None:
        app[CARRIER] = carrier

    async def free_agent(user: CurrentUser) -> None:
        """Signing out takes the agent out of routing: no call rings an empty desk."""
        if user.agent_id and MATCHING in app:
            await app[MATCHING].agent_offline(user.agent_id)

    app.cleanup_ctx.extend([redis_ctx, database_ctx, config_ctx])
    if carrier is None and settings.carrier is CarrierKind.TWILIO:
        app.cleanup_ctx.append(twilio_driver_ctx)
    app.cleanup_ctx.extend([router_ctx, auth_context(on_sign_out=free_agent), softphone_ctx])
    if settings.event_sink:
        app.cleanup_ctx.append(event_sink_ctx)
    if settings.demo_users:
        app.cleanup_ctx.append(demo_users_ctx)
    webhooks = create_webhooks_app()
    add_agent_leg_routes(webhooks)
    app[WEBHOOK_URLS] = WebhookUrls(settings.public_url, webhooks)
    app.add_subapp("/twilio/", webhooks)
    auth_pages = create_auth_app()
    app[AUTH_PAGES] = auth_pages
    app.add_subapp("/auth/", auth_pages)
    api = create_api_app()
    add_agent_api_routes(api)
    add_supervisor_api_routes(api)
    app.add_subapp("/api/", api)
    app.add_subapp("/softphone/", create_softphone_app())
    app.add_subapp("/desk/", create_desk_app())
    if settings.carrier is CarrierKind.LOCAL:
        # The built-in carrier posts to our own public URL, exactly as Twilio would.
        local = LocalCarrier(
            [settings.public_url],
            settings.twilio_auth_token,
            settings.twilio_account_sid,
            public_url=settings.public_url,
        )
        app[LOCAL_CARRIER] = local
        app.cleanup_ctx.append(local_carrier_ctx)
        if carrier is None:
            app[CARRIER] = LocalDriver(local)
        dial_pad = create_carrier_app(local, numbers=lambda: dial_pad_numbers(app))
        app.add_subapp("/carrier/", dial_pad)
        app[DIAL_PAD] = dial_pad
    app.router.add_get("/", index, name="index")
    app.router.add_get("/healthz", health, name="health")
    return app
