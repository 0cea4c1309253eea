"""The composition root: `create_app` builds everything; nothing connects at import time."""

from __future__ import annotations

from datetime import UTC, datetime

import redis.asyncio as aioredis
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from twilio.request_validator import RequestValidator

from carriers.driver import CarrierDriver
from carriers.local_driver import LocalDriver
from hotline.appkeys import (
    ACCOUNT_PAGES,
    AUTH_PAGES,
    CARRIER,
    CLOCK,
    CONFIGS,
    DESK_PAGES,
    DIAL_PAD,
    HOMES,
    KEYS,
    LOCAL_CARRIER,
    LOOPS,
    MATCHING,
    METRICS,
    PHONE_TOKENS,
    REDIS,
    SESSIONMAKER,
    SETTINGS,
    VALIDATOR,
    WEBHOOK_URLS,
    Clock,
)
from hotline.background import LoopHealth
from hotline.contexts import (
    config_ctx,
    database_ctx,
    demo_users_ctx,
    desk_presence_ctx,
    local_carrier_ctx,
    published_config_ctx,
    redis_ctx,
    router_ctx,
    softphone_ctx,
    twilio_driver_ctx,
)
from hotline.health import health
from hotline.metrics import Metrics
from hotline.metrics_page import metrics
from hotline.settings import CarrierKind, Settings
from hotline.sink_context import event_sink_ctx
from hotline.wallboard_context import close_wallboards, wallboard_ctx
from ivr.webhook_urls import WebhookUrls
from ivr.webhooks.held_callbacks import HELD_CALLBACKS, HeldCallbacks, close_held
from ivr.webhooks.routes import create_webhooks_app
from local_carrier import LocalCarrier, create_carrier_app
from queues.staff import Role
from routing.keys import Keys
from staff_web.admin.account_pages import create_account_app
from staff_web.admin.admin_home import create_admin_app
from staff_web.admin.admin_routes import add_admin_api_routes, add_admin_pages
from staff_web.admin.config_api import add_admin_config_routes
from staff_web.auth.context import auth_context
from staff_web.auth.identity import CurrentUser
from staff_web.auth.login_pages import create_auth_app
from staff_web.auth.token_api import create_api_app
from staff_web.security_headers import add_security_headers
from staff_web.softphone.agent_api import add_agent_api_routes
from staff_web.softphone.page import create_softphone_app
from staff_web.softphone.phone_access import PhoneTokens
from staff_web.supervisor.desk_api import add_supervisor_api_routes
from staff_web.supervisor.desk_pages import create_desk_app
from switchboard.agent_legs import add_agent_leg_routes


def utc_now() -> datetime:
    return datetime.now(UTC)


def dial_pad_numbers(app: web.Application) -> list[tuple[str, str]]:
    """What the dial pad offers: each hotline of the published config, by its first number."""
    registry = app.get(CONFIGS)
    latest = registry.latest if registry is not None else None
    if latest is None:
        return []
    return [(hotline.numbers[0], hotline.name) for hotline in latest.config.hotlines]


async def index(request: web.Request) -> web.Response:
    """The front door: the dial pad in the embedded mode, else the staff's sign-in page
    (which sends whoever is signed in on to their role's home)."""
    if DIAL_PAD in request.app:
        raise web.HTTPFound(request.app[DIAL_PAD].router["dialpad"].url_for())
    raise web.HTTPFound(request.app[AUTH_PAGES].router["login"].url_for())


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
    app.on_response_prepare.append(add_security_headers)  # every response, sub-apps' too
    app[SETTINGS] = settings
    app[CLOCK] = clock or utc_now
    app[KEYS] = Keys(settings.redis_prefix)
    app[LOOPS] = LoopHealth()
    app[METRICS] = Metrics()  # its own registry: apps in one process count apart
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

    app[HELD_CALLBACKS] = HeldCallbacks()
    app.on_cleanup.append(close_held)
    app.cleanup_ctx.extend([redis_ctx, database_ctx, config_ctx])
    if carrier is None and settings.carrier is CarrierKind.TWILIO:
        app.cleanup_ctx.append(twilio_driver_ctx)
    app.cleanup_ctx.extend([router_ctx, published_config_ctx])
    app.cleanup_ctx.extend([auth_context(on_sign_out=free_agent), softphone_ctx, desk_presence_ctx])
    app.cleanup_ctx.append(wallboard_ctx)
    app.on_shutdown.append(close_wallboards)
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
    add_admin_config_routes(api)
    add_admin_api_routes(api)
    app.add_subapp("/api/", api)
    softphone = create_softphone_app()
    app.add_subapp("/softphone/", softphone)
    desk = create_desk_app()
    app[DESK_PAGES] = desk
    app.add_subapp("/desk/", desk)
    admin = create_admin_app()
    add_admin_pages(admin)
    app.add_subapp("/admin/", admin)
    account = create_account_app()
    app[ACCOUNT_PAGES] = account
    app.add_subapp("/account/", account)
    app[HOMES] = {
        Role.AGENT: str(softphone.router["softphone"].url_for()),
        Role.SUPERVISOR: str(desk.router["desk_home"].url_for()),
        Role.ADMIN: str(admin.router["admin_home"].url_for()),
    }
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
        # Only the signed-in agent registers its phone (a token from /api/agent/phone-token).
        phones = PhoneTokens(settings.twilio_auth_token, app[CLOCK])
        app[PHONE_TOKENS] = phones
        dial_pad = create_carrier_app(
            local, numbers=lambda: dial_pad_numbers(app), verify_agent=phones.verify
        )
        app.add_subapp("/carrier/", dial_pad)
        app[DIAL_PAD] = dial_pad
    app.router.add_get("/", index, name="index")
    app.router.add_get("/healthz", health, name="health")
    app.router.add_get("/metrics", metrics, name="metrics")
    return app
