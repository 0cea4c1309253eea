"""Starting servers: two at once on a fresh database both come up and set it up once; one
that cannot bind its port exits before it changes anything."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp.test_utils import unused_port
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from hotline.demo_users import DEMO_ACCOUNTS, ensure_demo_users
from hotline.settings import Settings
from ivr.menus.loading import load_config_file
from ivr.menus.publishing import publish_config
from queues.config_versions import ConfigVersion
from queues.db import create_engine, create_sessionmaker
from queues.migrate import upgrade
from queues.staff import User
from tests.conftest import REAL_DATABASE_URL
from tests.hotline.server_process import ROOT, serve_env, start_server, stop, wait_healthy

pytestmark = pytest.mark.timeout(180)


async def counts(database_url: str) -> tuple[int, int, list[str]]:
    """Config versions, staff accounts, and the demo accounts' password hashes."""
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            versions = await session.scalar(select(func.count()).select_from(ConfigVersion))
            users = await session.scalar(select(func.count()).select_from(User))
            hashes = (await session.scalars(select(User.password_hash).order_by(User.id))).all()
        return int(versions or 0), int(users or 0), list(hashes)
    finally:
        await engine.dispose()


def start_two_at_once(database_url: str, tmp_path: Path) -> None:
    ports = [unused_port(), unused_port()]
    logs = [tmp_path / f"server{i}.log" for i in range(2)]
    envs = [
        serve_env(port, database_url, HOTLINE_DATA_DIR=str(tmp_path), HOTLINE_DEMO_USERS="1")
        for port in ports
    ]
    processes: list[subprocess.Popen[bytes]] = []
    try:
        processes = [start_server(env, log) for env, log in zip(envs, logs, strict=True)]
        for process, port, log in zip(processes, ports, logs, strict=True):
            wait_healthy(process, port, log)
    finally:
        stop(processes)


def test_two_servers_started_together_on_a_fresh_sqlite_file_both_come_up(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    start_two_at_once(url, tmp_path)
    versions, users, _ = asyncio.run(counts(url))
    assert (versions, users) == (1, len(DEMO_ACCOUNTS))  # the first config once, accounts once


if REAL_DATABASE_URL:

    @pytest.fixture
    def fresh_postgres() -> Iterator[str]:
        """A database of its own, created empty on the configured server and dropped after."""
        base = make_url(REAL_DATABASE_URL)
        name = f"hotline_start_{uuid.uuid4().hex[:10]}"

        async def admin(statement: str) -> None:
            engine = create_engine(
                base.set(database="postgres").render_as_string(hide_password=False)
            )
            try:
                async with engine.connect() as connection:
                    await connection.execution_options(isolation_level="AUTOCOMMIT")
                    await connection.execute(text(statement))
            finally:
                await engine.dispose()

        asyncio.run(admin(f'CREATE DATABASE "{name}"'))
        try:
            yield base.set(database=name).render_as_string(hide_password=False)
        finally:
            asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    @pytest.mark.postgres
    def test_two_servers_started_together_on_a_fresh_postgres_database_both_come_up(
        fresh_postgres: str, tmp_path: Path
    ) -> None:
        start_two_at_once(fresh_postgres, tmp_path)
        versions, users, _ = asyncio.run(counts(fresh_postgres))
        assert (versions, users) == (1, len(DEMO_ACCOUNTS))


@pytest.fixture
async def set_up_database(tmp_path: Path) -> str:
    """A database a server has already set up: its config published, its demo accounts."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'hotline.db'}"
    engine = create_engine(url)
    try:
        await upgrade(engine)
        sessionmaker = create_sessionmaker(engine)
        await ensure_demo_users(sessionmaker)
        await publish_config(
            sessionmaker,
            None,
            load_config_file(Settings().config_path),
            author="test",
            comment="set up before the test",
            now=datetime.now(UTC),
        )
    finally:
        await engine.dispose()
    return url


def test_a_server_that_cannot_bind_its_port_changes_nothing(
    set_up_database: str, tmp_path: Path
) -> None:
    before = asyncio.run(counts(set_up_database))
    fresh = tmp_path / "never.db"
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        for url in (set_up_database, f"sqlite+aiosqlite:///{fresh}"):
            env = serve_env(port, url, HOTLINE_DATA_DIR=str(tmp_path), HOTLINE_DEMO_USERS="1")
            done = subprocess.run(
                [sys.executable, "-m", "hotline", "serve"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert done.returncode != 0
            assert asyncio.run(counts(set_up_database)) == before  # same hashes and versions
            assert not fresh.exists()  # not even migrated
            assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
            assert "nothing was started or changed" in done.stderr
