"""Config versions in memory: the published one for new calls, any older one for calls
that started under it. Shared across processes through a Redis pointer."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
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

    async def current(self) -> LoadedConfig:
        """The published version; the Redis pointer is repaired from SQL when missing."""
        pointer: int | str | bytes | None = self._pointer if self._watching else None
        if pointer is None:
            pointer = await self._redis.get(self._keys.published_config())
        if pointer is None:
            return await self.sync()
        self.latest = await self.version(int(pointer))
        return self.latest

    async def sync(self) -> LoadedConfig:
        """Set the Redis pointer from SQL, the source of truth (at start, or when missing).

        Publishing commits SQL first and then moves the pointer, so a crash between the
        two is repaired here.
        """
        async with self._sessionmaker() as session:
            row = await config_versions.published(session)
        if row is None:
            raise NoPublishedConfig("no config version has been published")
        await self.announce(row.id)
        self.latest = self._versions.get(row.id) or self._remember(row.id, row.document)
        return self.latest

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
        to every watching process)."""
        await self._redis.set(self._keys.published_config(), version_id)
        self._pointer = version_id
        await self._redis.publish(self._keys.config_changes(), version_id)

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
                raw = await self._redis.get(self._keys.published_config())
                self._pointer = int(raw) if raw is not None else None
                self._watching = True
                self.subscribed.set()
                while not stop.is_set():
                    message = await pubsub.get_message(
                        ignore_subscribe_messages=True, timeout=WATCH_POLL_S
                    )
                    if message is not None:
                        self._pointer = int(message["data"])
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
