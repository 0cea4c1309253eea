"""Report intervals: Shanghai's quarter hours, half hours, hours and days, the same in
Python, SQLite and PostgreSQL, and the rates' definitions on their edges."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import literal, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from queues.db import UtcDateTime
from queues.reports.buckets import (
    bucket_of,
    bucket_start,
    epoch_ms,
    interval_ms,
    python_bucket,
    range_bounds,
)
from queues.reports.queue_row import QueueRow, totals
from queues.working_days import SHANGHAI

LENGTHS = [15, 30, 60, None]
INSTANTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


@given(at=INSTANTS, length=st.sampled_from(LENGTHS))
def test_an_instant_falls_in_the_local_interval_that_holds_it(
    at: datetime, length: int | None
) -> None:
    start = bucket_start(python_bucket(at, length), length)
    assert start <= at < start + timedelta(milliseconds=interval_ms(length))
    local = start.astimezone(SHANGHAI)
    assert (local.second, local.microsecond) == (0, 0)
    assert local.minute % (length or 60) == 0
    if length is None:
        assert (local.hour, local.minute) == (0, 0)  # a day starts at Shanghai's midnight


def test_days_are_shanghai_days_and_bad_input_names_the_field() -> None:
    start, end = range_bounds(date(2026, 11, 27), date(2026, 11, 28))
    assert start == datetime(2026, 11, 26, 16, 0, tzinfo=UTC)
    assert end - start == timedelta(days=2)
    with pytest.raises(ValueError, match="from:"):
        range_bounds(date(2026, 11, 28), date(2026, 11, 27))
    with pytest.raises(ValueError, match="interval:"):
        interval_ms(20)


# Edges: a millisecond either side of local midnight and of a quarter hour, and mid-second.
EDGES = [
    datetime(2026, 11, 26, 16, 0, tzinfo=UTC),
    datetime(2026, 11, 26, 15, 59, 59, 999_000, tzinfo=UTC),
    datetime(2026, 11, 27, 1, 15, tzinfo=UTC),
    datetime(2026, 11, 27, 1, 14, 59, 999_000, tzinfo=UTC),
    datetime(2026, 11, 27, 1, 15, 0, 1_000, tzinfo=UTC),
    datetime(2026, 6, 30, 23, 44, 12, 345_000, tzinfo=UTC),
]


@pytest.mark.parametrize("length", LENGTHS)
async def test_sql_buckets_match_python(
    sessionmaker: async_sessionmaker[AsyncSession], length: int | None
) -> None:
    async with sessionmaker() as session:
        dialect = session.get_bind().dialect.name
        for at in EDGES:
            stamp = literal(at, UtcDateTime())
            row = (
                await session.execute(
                    select(epoch_ms(stamp, dialect), bucket_of(epoch_ms(stamp, dialect), length))
                )
            ).one()
            assert int(row[0]) == int(at.timestamp() * 1000)
            assert int(row[1]) == python_bucket(at, length), at


def test_rates_have_no_value_when_there_is_nothing_to_divide() -> None:
    empty = QueueRow("fault", datetime(2026, 11, 27, tzinfo=SHANGHAI), 15)
    assert (empty.service_level_pct, empty.asa_s, empty.aht_s, empty.longest_wait_s) == (
        None, None, None, None,
    )  # fmt: skip
    # Only short abandons: nothing left for service level to be a share of.
    short = QueueRow("fault", empty.start, 15, offered=2, short_abandoned=2)
    assert (short.service_level_pct, short.abandon_rate_pct, short.answer_rate_pct) == (
        None, None, 0.0,
    )  # fmt: skip


def test_totals_add_counts_and_keep_the_longest_wait() -> None:
    start = datetime(2026, 11, 27, 9, tzinfo=SHANGHAI)
    a = QueueRow("a", start, 15, offered=3, answered=2, answered_within=1, longest_wait_ms=9000,
                 answered_wait_ms=10_000, answered_waits=2)  # fmt: skip
    b = QueueRow("b", start, 15, offered=1, answered=1, answered_within=1, longest_wait_ms=None,
                 answered_wait_ms=2_000, answered_waits=1)  # fmt: skip
    total = totals([a, b])
    assert total is not None
    assert (total.queue, total.offered, total.answered, total.longest_wait_ms) == ("", 4, 3, 9000)
    assert total.asa_s == pytest.approx(4.0)  # 12 s over 3 answered, not the mean of means
    assert totals([]) is None
