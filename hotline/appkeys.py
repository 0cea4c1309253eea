"""Every resource the app shares, one typed key each: the answer to "what state is shared?"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import redis.asyncio as aioredis
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from twilio.request_validator import RequestValidator

from carriers.driver import CarrierDriver
from hotline.background import LoopHealth
from hotline.demo_users import DemoUser
from hotline.metrics import Metrics
from hotline.settings import Settings
from ivr.calls import CallState
from ivr.menus.published import ConfigRegistry
from ivr.menus.trial import TrialPointer
from ivr.webhook_urls import WebhookUrls
from local_carrier import LocalCarrier
from queues.staff import Role
from routing.keys import Keys
from staff_web.auth.services import AuthServices
from staff_web.softphone.desk_presence import DeskPresence
from staff_web.softphone.fanout import AgentEventHub
from staff_web.softphone.phone_access import PhoneTokens
from staff_web.supervisor.wallboard_feed import WallboardFeed
from switchboard.agent_events import AgentEvents
from switchboard.bridge import Bridge
from switchboard.matching import Matching

Clock = Callable[[], datetime]

SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey[Clock]("clock")
REDIS = web.AppKey("redis", aioredis.Redis)
KEYS = web.AppKey("keys", Keys)
SESSIONMAKER = web.AppKey("sessionmaker", async_sessionmaker[AsyncSession])
CONFIGS = web.AppKey("configs", ConfigRegistry)
CALLS = web.AppKey("calls", CallState)
TRIALS = web.AppKey("trials", TrialPointer)  # the config draft test callers hear
VALIDATOR = web.AppKey("validator", RequestValidator)
LOCAL_CARRIER = web.AppKey("local_carrier", LocalCarrier)
DIAL_PAD = web.AppKey("dial_pad", web.Application)
WEBHOOK_URLS = web.AppKey("webhook_urls", WebhookUrls)
CARRIER = web.AppKey[CarrierDriver]("carrier")  # updates live calls (a carrier driver)
LOOPS = web.AppKey("loops", LoopHealth)  # the background loops, for /healthz
METRICS = web.AppKey("metrics", Metrics)  # this app's Prometheus instruments, for /metrics

# Routing: agent notifications, the bridge to agents, and the router at work.
AGENT_EVENTS = web.AppKey("agent_events", AgentEvents)
BRIDGE = web.AppKey("bridge", Bridge)
MATCHING = web.AppKey("matching", Matching)

# Sign-in (staff_web/auth): the shared services, and the login pages sub-app other pages
# redirect to.
AUTH = web.AppKey("auth", AuthServices)
AUTH_PAGES = web.AppKey("auth_pages", web.Application)
# Any signed-in user's own account pages (staff_web/admin/account_pages.py): the password.
ACCOUNT_PAGES = web.AppKey("account_pages", web.Application)
# Where each role lands after sign-in (built from the pages' named routes in create_app).
HOMES = web.AppKey("homes", dict[Role, str])
DEMO_USERS = web.AppKey("demo_users", list[DemoUser])

# The softphone (staff_web/softphone): each process's fan-out of agent events to its sockets.
AGENT_EVENT_HUB = web.AppKey("agent_event_hub", AgentEventHub)
# ...and which agents' desks are open, across processes (absent agents go on break).
DESK_PRESENCE = web.AppKey("desk_presence", DeskPresence)
# Who may register an agent's embedded phone on the local carrier (embedded mode only).
PHONE_TOKENS = web.AppKey("phone_tokens", PhoneTokens)
# The supervisors' wallboard (staff_web/supervisor): each process's feed of boards to its screens.
WALLBOARD = web.AppKey("wallboard", WallboardFeed)
# The desk's page sub-app, whose navigation other staff pages (the admin home) show too.
DESK_PAGES = web.AppKey("desk_pages", web.Application)
