"""Config versions in memory: the published one for new calls, any older one for calls
that started under it. Shared across processes through a Redis pointer, and followed from
SQL too, so a version published by any path reaches every process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.menus.schema import Caller, Config, Hotline
from queues import config_versions
from routing.keys import Keys
from routing.rules import QueueRules

log = logging.getLogger(__name__)

WATCH_POLL_S = 0.5
WATCH_RETRY_S = 1.0
#: How often `poll` reads the published version's id from SQL (HOTLINE_CONFIG_POLL_S).
SQL_POLL_S = 1.0
_NOT_DIGITS = re.compile(r"[^0-9]")
_TRUNK_PREFIXES = ("0086", "86")


def number_variants(number: str) -> list[str]:
    """Forms under which a dialled or calling number may be configured."""
    digits = _NOT_DIGITS.sub("", number)
    variants = [digits]
    for prefix in _TRUNK_PREFIXES:
        if digits.startswith(prefix) and len(digits) > len(prefix) + 2:
            variants.append(digits.removeprefix(prefix))
            break
    return variants


class NoPublishedConfig(LookupError):
    """Nothing has been published yet."""


@dataclass(frozen=True)
class LoadedConfig:
    version: int
    config: Config
    hotlines: dict[str, Hotline] = field(default_factory=dict)
    by_number: dict[str, Hotline] = field(default_factory=dict)
    callers: dict[str, Caller] = field(default_factory=dict)
    queue_rules: dict[str, QueueRules] = field(default_factory=dict)  # the router's, by queue
    # Documents that depend only on this version (menu prompts), rendered once per process.
    rendered: dict[tuple[object, ...], str] = field(default_factory=dict, compare=False)

    @classmethod
    def build(cls, version: int, config: Config) -> LoadedConfig:
        by_number = {
            _NOT_DIGITS.sub("", number): hotline
            for hotline in config.hotlines
            for number in hotline.numbers
        }
        callers = {_NOT_DIGITS.sub("", c.phone): c for c in config.callers}
        hotlines = {h.id: h for h in config.hotlines}
        rules = {name: spec.rules(name) for name, spec in config.queues.items()}
        return cls(version, config, hotlines, by_number, callers, rules)

    def hotline_for(self, dialled: str) -> Hotline | None:
        for variant in number_variants(dialled):
            if variant in self.by_number:
                return self.by_number[variant]
        return None

    def caller(self, phone: str) -> Caller | None:
        for variant in number_variants(phone):
            if variant in self.callers:
                return self.callers[variant]
        return None


#: Told of each version this process starts running (its queue rules go to the router).
PublishListener = Callable[["LoadedConfig"], Awaitable[None]]


class ConfigRegistry:
    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
        sessionmaker: async_sessionmaker[AsyncSession],
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._sessionmaker = sessionmaker
        self._versions: dict[int, LoadedConfig] = {}
        self._lock = asyncio.Lock()
        self.latest: LoadedConfig | None = None  # the published version last seen here
        # While `watch` is subscribed, publishes reach us and the pointer is read from here.
        self._pointer: int | None = None
        self._watching = False
        self.subscribed = asyncio.Event()  # set while `watch` is subscribed
        self.heard = asyncio.Event()  # set each time `watch` hears a publish
        self.changed = asyncio.Event()  # set each time this process follows a new version
        self._listeners: list[PublishListener] = []
        self._target: int | None = None  # the newest version asked to be followed
        # Counts this process's announcements: a pointer read from Redis that an
        # announcement overtook is stale and must not undo it.
        self._announced = 0
        self._sql_seen: int | None = None  # the published id `poll` last read from SQL

    def on_publish(self, listener: PublishListener) -> None:
        """Call `listener` with each version this process starts running, however it
        learnt of it (its own publish, another process's message, SQL)."""
        self._listeners.append(listener)

    async def current(self) -> LoadedConfig:
        """The published version; the Redis pointer is repaired from SQL when missing."""
        pointer: int | str | bytes | None = self._pointer if self._watching else None
        if pointer is None:
            announced = self._announced
            pointer = await self._redis.get(self._keys.published_config())
            if self._announced != announced:
                pointer = self._pointer
        if pointer is None:
            return await self.sync()
        return await self.follow(int(pointer))

    async def follow(self, version_id: int) -> LoadedConfig:
        """Run `version_id` in this process: it becomes `latest` and the listeners get it
        (once per change; a listener's error is logged and left to its own repair). A newer
        version asked for while this one loads wins."""
        latest = self.latest
        if latest is not None and latest.version == version_id == self._target:
            return latest
        self._target = version_id
        loaded = await self.version(version_id)
        if self._target != version_id:
            return loaded
        self.latest = loaded
        for listener in self._listeners:
            try:
                await listener(loaded)
            except Exception:
                log.exception("config: version %d not applied by %r", version_id, listener)
        self.changed.set()
        if latest is None or latest.version != version_id:
            log.info("config: version %d in force", version_id)
        return loaded

    async def sync(self) -> LoadedConfig:
        """Set the Redis pointer from SQL, the source of truth (at start, or when missing).

        Publishing commits SQL first and then moves the pointer, so a crash between the
        two is repaired here.
        """
        async with self._sessionmaker() as session:
            row = await config_versions.published(session)
        if row is None:
            raise NoPublishedConfig("no config version has been published")
        if row.id not in self._versions:
            self._remember(row.id, row.document)
        self._sql_seen = row.id
        await self.announce(row.id)
        return await self.follow(row.id)

    async def version(self, version_id: int) -> LoadedConfig:
        loaded = self._versions.get(version_id)
        if loaded is not None:
            return loaded
        async with self._lock:
            if version_id in self._versions:
                return self._versions[version_id]
            async with self._sessionmaker() as session:
                row = await config_versions.get(session, version_id)
            if row is None:
                raise LookupError(f"config version {version_id} does not exist")
            return self._remember(row.id, row.document)

    async def announce(self, version_id: int) -> None:
        """Point every process at a newly published version (the pointer, then a message
        to every watching process), and run it here at once."""
        self._announced += 1
        self._pointer = version_id
        await self._redis.set(self._keys.published_config(), version_id)
        await self._redis.publish(self._keys.config_changes(), version_id)
        await self.follow(version_id)

    async def poll(self, stop: asyncio.Event, *, interval_s: float = SQL_POLL_S) -> None:
        """Read the published version's id from SQL every `interval_s` until `stop`, and
        announce a change no Redis message brought: a publish by a process that does not
        share our Redis (the CLI beside an embedded server) or one that crashed before its
        announcement. Errors are logged and the loop goes on.

        A change is acted on once as SQL shows it, so a stale read racing a newer publish
        is corrected by the next read, not repeated.
        """
        while not stop.is_set():
            try:
                async with self._sessionmaker() as session:
                    found = await config_versions.published_id(session)
                if found is not None and found != self._sql_seen:
                    if self.latest is None or found != self.latest.version:
                        log.info("config: version %d published elsewhere", found)
                        await self.announce(found)
                    self._sql_seen = found
            except Exception as error:
                log.warning("config poll: %r; trying again", error)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval_s)

    async def watch(self, stop: asyncio.Event, *, retry_s: float = WATCH_RETRY_S) -> None:
        """Follow publishes from every process, so `current` needs no Redis read; until
        `stop` or cancellation (which loses nothing: the pointer is re-read on start).

        The pointer is read again after each (re)subscription, so a publish made while
        disconnected is not missed; while not subscribed, `current` reads Redis.
        """
        while not stop.is_set():
            pubsub = self._redis.pubsub()
            try:
                await pubsub.subscribe(self._keys.config_changes())
                announced = self._announced
                raw = await self._redis.get(self._keys.published_config())
                if self._announced == announced:  # else our own newer announcement stands
                    self._pointer = int(raw) if raw is not None else None
                self._watching = True
                if self._pointer is not None:  # a publish made while we were away
                    await self.follow(self._pointer)
                self.subscribed.set()
                while not stop.is_set():
                    message = await pubsub.get_message(
                        ignore_subscribe_messages=True, timeout=WATCH_POLL_S
                    )
                    if message is not None:
                        self._pointer = int(message["data"])
                        await self.follow(self._pointer)
                        self.heard.set()
            except Exception as error:  # Redis went away: read it per call until back
                log.warning("config watch: %r; reading the pointer per call", error)
                self._watching = False
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=retry_s)
            finally:
                self._watching = False
                self.subscribed.clear()
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]

    def _remember(self, version_id: int, document: dict[str, object]) -> LoadedConfig:
        loaded = LoadedConfig.build(version_id, Config.model_validate(document))
        self._versions[version_id] = loaded
        return loaded
