"""Which database errors mean "away, wait it out" (the write is queued) and which mean "the
statement is wrong" (it is not)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from queues.db import create_engine, database_unavailable
from tests.conftest import REAL_DATABASE_URL


class DriverError(Exception):
    """What a driver raises, with PostgreSQL's SQLSTATE as asyncpg's adapter gives it."""

    def __init__(self, sqlstate: str, message: str) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def wrapped(sqlstate: str, message: str = "") -> DBAPIError:
    return DBAPIError("SELECT 1", {}, DriverError(sqlstate, message))


@pytest.mark.parametrize(
    ("sqlstate", "message"),
    [
        ("08006", "connection failure"),
        ("57P01", "terminating connection due to administrator command"),
        ("57P03", "the database system is starting up"),
        ("53300", "sorry, too many clients already"),
        ("55P03", "could not obtain lock"),
        ("55000", 'database "x" is not currently accepting connections'),
    ],
)
def test_a_database_away_or_locked_is_waited_out(sqlstate: str, message: str) -> None:
    assert database_unavailable(wrapped(sqlstate, message))


@pytest.mark.parametrize(
    ("sqlstate", "message"),
    [
        ("23505", "duplicate key value violates unique constraint"),
        ("42601", "syntax error"),
        ("55000", "cannot refresh materialized view concurrently"),
        ("", "no state at all"),
    ],
)
def test_a_wrong_statement_is_not(sqlstate: str, message: str) -> None:
    assert not database_unavailable(wrapped(sqlstate, message))


@pytest.mark.postgres
@pytest.mark.skipif(not REAL_DATABASE_URL, reason="needs PostgreSQL (HOTLINE_TEST_DATABASE_URL)")
async def test_a_database_closed_to_connections_is_away() -> None:
    """ALLOW_CONNECTIONS false, as a maintenance window (or the fault suite) closes it: the
    error a new connection gets is "away", so answers queue their writes."""
    name = f"hotline_closed_{uuid.uuid4().hex[:10]}"
    admin = create_engine(REAL_DATABASE_URL).execution_options(isolation_level="AUTOCOMMIT")
    closed = create_engine(make_url(REAL_DATABASE_URL).set(database=name).render_as_string(False))
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
            await connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
        with pytest.raises(DBAPIError) as refused:
            async with closed.connect() as connection:
                await connection.execute(text("SELECT 1"))
        assert database_unavailable(refused.value)
    finally:
        await closed.dispose()
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        await admin.dispose()
