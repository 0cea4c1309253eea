"""The wallboard feed's lifetime (after router_ctx and config_ctx): its builder, its
alarm settler, and its loop in the background, seen by /healthz."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from aiohttp import web

from hotline.appkeys import CLOCK, CONFIGS, KEYS, LOOPS, REDIS, SESSIONMAKER, WALLBOARD
from hotline.background import in_background
from ivr.menus.schema import Config
from staff_web.supervisor.wallboard_alarms import AlarmBook, AlarmSettler
from staff_web.supervisor.wallboard_build import WallboardBuilder
from staff_web.supervisor.wallboard_feed import WallboardFeed

#: The feed reads the stream at least once a second; a reader stuck this long shows.
WALLBOARD_STALE_S = 15.0


async def wallboard_ctx(app: web.Application) -> AsyncIterator[None]:
    registry = app[CONFIGS]

    def config() -> Config | None:
        return registry.latest.config if registry.latest else None

    builder = WallboardBuilder(app[REDIS], app[KEYS], app[SESSIONMAKER], config, app[CLOCK])
    settler = AlarmSettler(AlarmBook(app[REDIS], app[KEYS]), clock=time.monotonic)
    feed = WallboardFeed(app[REDIS], app[KEYS], builder.build, on_built=settler)
    await feed.start()
    app[WALLBOARD] = feed
    # Building holds no work in flight worth finishing: it is cancelled at once.
    async with in_background(
        feed.run,
        name="wallboard-feed",
        grace_s=0,
        health=app.get(LOOPS),
        beat=lambda: feed.last_read_at,
        stale_after_s=WALLBOARD_STALE_S,
    ):
        yield


async def close_wallboards(app: web.Application) -> None:
    """On shutdown: end the wallboard sockets, so that stopping waits for none of them."""
    if WALLBOARD in app:
        app[WALLBOARD].close_screens()
