"""The event sink never holds the day's work-order counter through a batch: every order
waits for that row lock, so an agent's answer webhook (which logs the call's order) would
wait for the whole batch's writes. At 12 calls/s on PostgreSQL that stalled answers for
15 s, past the carrier's webhook timeout."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, cast

import fakeredis
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from queues.call_records.router_events import consume
from queues.db import create_engine, create_sessionmaker
from queues.migrate import upgrade
from queues.work_orders.numbers import hold_counter, next_number
from routing.keys import Keys
from switchboard import entry_writer
from switchboard.entry_writer import EntryWriter
from switchboard.stream_writes import StreamWrites
from switchboard.work_order_logging import WorkOrderIntake
from tests.conftest import REAL_DATABASE_URL
from tests.switchboard.test_event_sink import NOW, answered_call, clock

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not REAL_DATABASE_URL, reason="needs PostgreSQL (row locks)"),
]


class NumberingIntake:
    """Takes the day's next number for each CONNECT, as the real intake does."""

    def __init__(self) -> None:
        self.numbers: list[str] = []

    async def log(
        self, session: AsyncSession, call_sid: str, agent_id: str, now: datetime
    ) -> str | None:
        number = await next_number(session, now)
        self.numbers.append(number)
        return number

    async def announce(self, call_sid: str, agent_id: str, number: str) -> None:
        return None


@pytest.fixture
async def own_sessionmaker() -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A database of the test's own: the day's counter row is not shared with other tests."""
    name = f"hotline_counter_{uuid.uuid4().hex[:10]}"
    admin = create_engine(REAL_DATABASE_URL).execution_options(isolation_level="AUTOCOMMIT")
    engine = create_engine(make_url(REAL_DATABASE_URL).set(database=name).render_as_string(False))
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        await upgrade(engine)
        yield create_sessionmaker(engine)
    finally:
        await engine.dispose()
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def test_a_batch_writes_its_events_with_the_counter_free(
    own_sessionmaker: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    redis = fakeredis.FakeAsyncRedis(decode_responses=True)
    keys = Keys("counter-lock")
    await answered_call(redis, keys, "CA1")
    await answered_call(redis, keys, "CA2")
    entries = cast(list[Any], await redis.xrange(keys.events()))
    intake = NumberingIntake()
    writer = EntryWriter(
        own_sessionmaker,
        clock=clock,
        writes=StreamWrites(intake=cast(WorkOrderIntake, intake)),
        max_attempts=3,
    )
    seen: list[str] = []

    async def consume_while_an_answer_logs_its_order(
        session: AsyncSession, *a: Any, **k: Any
    ) -> Any:
        if intake.numbers and not seen:  # after an order: an answer takes a number too
            async with own_sessionmaker() as other, other.begin():
                await other.execute(text("SET LOCAL lock_timeout = '2s'"))
                try:
                    await hold_counter(other, NOW)
                    seen.append("free")
                except Exception as error:
                    seen.append(f"held: {error.__class__.__name__}")
        return await consume(session, *a, **k)

    monkeypatch.setattr(entry_writer, "consume", consume_while_an_answer_logs_its_order)
    assert await writer.store_batch(entries)
    assert seen == ["free"]
    assert intake.numbers == ["GD-20261127-000001", "GD-20261127-000002"]
    assert writer.stored == len(entries)
    await redis.aclose()
