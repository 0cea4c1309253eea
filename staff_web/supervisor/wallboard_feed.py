"""One wallboard feed per server process: a single reader of the router's event stream
rebuilds the board when something happened (at most every `throttle_s`), and every
`tick_s` while a screen is connected so that waits and times in state tick, and hands the
newest board to every wallboard socket of this process.

The feed reads Redis, not this process's memory, so any server instance serves any screen.
A screen slower than the board is handed only the newest snapshot; the ones between are
dropped, never queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, cast

import redis.asyncio as aioredis

from routing.keys import Keys
from staff_web.supervisor.wallboard_snapshot import Snapshot

log = logging.getLogger(__name__)

THROTTLE_S = 0.25  # the most often a board is rebuilt
TICK_S = 1.0  # rebuilt at least this often while a screen is connected: waits tick
IDLE_TICK_S = 5.0  # ... and with none, so that alarms are still judged
READ_BLOCK_S = 1.0  # how long one XREAD blocks; stopping cancels it at once
RETRY_S = 1.0

Build = Callable[[str], Awaitable[Snapshot]]
Built = Callable[[Snapshot], Awaitable[None]]


class Screen:
    """One connected wallboard: the newest board not yet sent to it."""

    def __init__(self) -> None:
        self._latest: str | None = None
        self._ready = asyncio.Event()
        self.closed = False  # the server is shutting down: the socket should end

    def offer(self, message: str) -> None:
        self._latest = message
        self._ready.set()

    def close(self) -> None:
        self.closed = True
        self._ready.set()

    async def next(self, within_s: float | None = None) -> str | None:
        """The newest board's JSON text, or None when `within_s` passes first."""
        try:
            await asyncio.wait_for(self._ready.wait(), within_s)
        except TimeoutError:
            return None
        self._ready.clear()
        message, self._latest = self._latest, None
        return message


def board_message(snapshot: Snapshot) -> str:
    return json.dumps({"type": "board", "board": snapshot.to_json()}, ensure_ascii=False)


class WallboardFeed:
    """`start` finds the stream's head, `run` reads and rebuilds until stopped; `listen`
    gives a socket its `Screen` for as long as it is open."""

    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
        build: Build,
        *,
        on_built: Built | None = None,
        throttle_s: float = THROTTLE_S,
        tick_s: float = TICK_S,
        idle_tick_s: float = IDLE_TICK_S,
        retry_s: float = RETRY_S,
    ) -> None:
        self._redis, self._keys = redis, keys
        self._build, self._on_built = build, on_built
        self._throttle_s, self._tick_s, self._idle_tick_s = throttle_s, tick_s, idle_tick_s
        self._retry_s = retry_s
        self._screens: set[Screen] = set()
        self._after = "0-0"  # the newest stream entry read
        self._changed = asyncio.Event()
        self._built_at = 0.0  # time.monotonic() of the last build
        self.latest: str | None = None  # the newest board's message
        self.read_at: float | None = None  # the stream reader's heartbeat
        self.builds = 0

    async def start(self) -> None:
        """Read the router's stream from its present head: the first board shows the present."""
        newest = cast(
            list[tuple[str, Any]], await self._redis.xrevrange(self._keys.events(), count=1)
        )
        self._after = newest[0][0] if newest else "0-0"
        self._changed.set()  # the first board is built at once

    async def run(self, stop: asyncio.Event) -> None:
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(self._read(stop), name="wallboard-read")
            tasks.create_task(self._rebuild(stop), name="wallboard-build")

    @property
    def last_read_at(self) -> float | None:
        return self.read_at

    @contextlib.contextmanager
    def listen(self) -> Iterator[Screen]:
        """A screen handed every board from now on, the newest one already built first."""
        screen = Screen()
        if self.latest is not None:
            screen.offer(self.latest)
        self._screens.add(screen)
        self._changed.set()  # a fresh board for the newcomer, not one up to a tick old
        try:
            yield screen
        finally:
            self._screens.discard(screen)

    def screens(self) -> int:
        return len(self._screens)

    def close_screens(self) -> None:
        """End every socket (at shutdown): the server would otherwise wait for them, and
        the pages reconnect to whichever server is up."""
        for screen in list(self._screens):
            screen.close()

    async def _pause(self, stop: asyncio.Event) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), self._retry_s)

    async def _read(self, stop: asyncio.Event) -> None:
        stream = self._keys.events()
        while not stop.is_set():
            try:
                read = cast(
                    list[tuple[str, list[tuple[str, dict[str, str]]]]],
                    await self._redis.xread(
                        {stream: self._after}, block=int(READ_BLOCK_S * 1000), count=500
                    ),
                )
                self.read_at = time.monotonic()
                entries = [entry for _stream, batch in read or [] for entry in batch]
                if entries:
                    self._after = entries[-1][0]
                    self._changed.set()
            except (aioredis.ConnectionError, aioredis.TimeoutError, OSError) as error:
                log.warning("wallboard: router event stream unreadable (%s); retrying", error)
                await self._pause(stop)
            except Exception:
                log.exception("wallboard: router event reader failed; retrying")
                await self._pause(stop)

    async def _rebuild(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            tick = self._tick_s if self._screens else self._idle_tick_s
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), tick)
            wait = self._built_at + self._throttle_s - time.monotonic()
            if wait > 0:  # events coming thick and fast are gathered into one board
                await asyncio.sleep(wait)
            self._changed.clear()
            try:
                await self.build_once()
            except Exception:
                log.exception("wallboard: building the board failed; retrying")
                await self._pause(stop)

    async def build_once(self) -> Snapshot:
        """Build the board from what was read so far and hand it to every screen."""
        self._built_at = time.monotonic()
        snapshot = await self._build(self._after)
        self.builds += 1
        self.latest = board_message(snapshot)
        for screen in list(self._screens):
            screen.offer(self.latest)
        if self._on_built is not None:
            await self._on_built(snapshot)
        return snapshot
