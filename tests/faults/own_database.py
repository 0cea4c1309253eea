"""The fault suite's own database (a SQLite file, or a PostgreSQL database made for the test)
and the ways it fails while calls are answered: locked, or stopped."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from queues.db import LOCK_NOT_AVAILABLE, create_engine, create_sessionmaker
from queues.migrate import upgrade

#: What a PostgreSQL lock holds: every table an answer writes.
ANSWER_TABLES = ("work_orders", "call_records", "router_events")
LOCK_WITHIN_S = 10.0  # writers hold their locks for milliseconds: one free moment comes soon


@dataclass
class OwnDatabase:
    """A migrated database no other test uses; `sessionmaker` reads it for the checks."""

    backend: str  # "sqlite" or "postgres"
    url: str
    sessionmaker: async_sessionmaker[AsyncSession]
    admin_url: str = ""  # postgres: a database to run CREATE/ALTER DATABASE from

    @property
    def name(self) -> str:
        return str(make_url(self.url).database)

    @asynccontextmanager
    async def locked(self) -> AsyncIterator[None]:
        """Hold a write lock on what answers write: SQLite's file lock (writers give up after
        their busy timeout), PostgreSQL's table locks (writers wait on them)."""
        if self.backend == "sqlite":
            lock = await asyncio.to_thread(_sqlite_exclusive, self.name)
            try:
                yield
            finally:
                await asyncio.to_thread(_sqlite_release, lock)
            return
        engine = create_engine(self.url)
        try:
            async with engine.connect() as connection:
                await _lock_all_or_none(connection)
                try:
                    yield
                finally:
                    await connection.rollback()
        finally:
            await engine.dispose()

    @asynccontextmanager
    async def stopped(self) -> AsyncIterator[None]:
        """PostgreSQL only: the database refuses connections and drops the open ones, as a
        stopped server does, for the block (only this test's database, not the server)."""
        if self.backend != "postgres":
            raise ValueError("stopped: a SQLite file cannot be stopped; use locked()")
        async with self._admin() as admin:
            await admin.execute(text(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false'))
            await admin.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d"),
                {"d": self.name},
            )
        try:
            yield
        finally:
            async with self._admin() as admin:
                await admin.execute(text(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true'))

    @asynccontextmanager
    async def _admin(self) -> AsyncIterator[AsyncConnection]:
        engine = create_engine(self.admin_url).execution_options(isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as connection:
                yield connection
        finally:
            await engine.dispose()


async def _lock_all_or_none(connection: AsyncConnection) -> None:
    """Take every answer table's lock at once or none: `NOWAIT` fails at the first table a
    writer holds, and the rollback frees what was taken. Waiting for one table while holding
    another would deadlock with a writer that holds the first and wants the second (and
    PostgreSQL would then abort one of the two)."""
    tables = ", ".join(ANSWER_TABLES)
    deadline = asyncio.get_running_loop().time() + LOCK_WITHIN_S
    while True:
        await connection.begin()
        try:
            await connection.execute(text(f"LOCK TABLE {tables} IN ACCESS EXCLUSIVE MODE NOWAIT"))
            return
        except DBAPIError as error:
            await connection.rollback()
            if getattr(error.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                raise
            if asyncio.get_running_loop().time() > deadline:
                raise
        await asyncio.sleep(0.01)


def _sqlite_exclusive(path: str) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=10, isolation_level=None)
    connection.execute("BEGIN EXCLUSIVE")
    return connection


def _sqlite_release(connection: sqlite3.Connection) -> None:
    connection.execute("ROLLBACK")
    connection.close()


@asynccontextmanager
async def own_database(backend: str, folder: Path, base_url: str) -> AsyncIterator[OwnDatabase]:
    """A fresh migrated database: a file in `folder`, or a database created beside
    `base_url`'s (and dropped after, whoever still holds connections to it)."""
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{folder / 'faults.db'}"
        engine = create_engine(url)
        try:
            await upgrade(engine)
            yield OwnDatabase("sqlite", url, create_sessionmaker(engine))
        finally:
            await engine.dispose()
        return
    base = make_url(base_url)
    name = f"hotline_faults_{uuid.uuid4().hex[:10]}"
    admin_url = base.render_as_string(hide_password=False)
    url = base.set(database=name).render_as_string(hide_password=False)
    database = OwnDatabase("postgres", url, create_sessionmaker(create_engine(url)), admin_url)
    async with database._admin() as admin:
        await admin.execute(text(f'CREATE DATABASE "{name}"'))
    engine = database.sessionmaker.kw["bind"]
    try:
        await upgrade(engine)
        yield database
    finally:
        await engine.dispose()
        async with database._admin() as admin:
            await admin.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
