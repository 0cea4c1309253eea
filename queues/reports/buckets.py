"""Report intervals: the calendar days asked for in Asia/Shanghai, and the SQL expression
that puts an instant into its 15-, 30- or 60-minute (or whole-day) interval.

Asia/Shanghai has kept UTC+8 without daylight saving since 1991, so an interval is a fixed
number of milliseconds from the epoch shifted by eight hours, the same in SQLite and
PostgreSQL, and its boundaries fall on the local quarter, half hour, hour or midnight.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import BigInteger, ColumnElement, Integer, SQLColumnExpression, cast, func, literal

from queues.working_days import SHANGHAI

INTERVALS_MIN = (15, 30, 60)
DAY_MS = 86_400_000
OFFSET_MS = 8 * 3_600_000  # Asia/Shanghai: UTC+8 all year


def interval_ms(interval_min: int | None) -> int:
    """The interval's length; None is a whole day."""
    if interval_min is None:
        return DAY_MS
    if interval_min not in INTERVALS_MIN:
        raise ValueError(f"interval: 15, 30, 60 or a whole day, got {interval_min}")
    return interval_min * 60_000


def range_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """Calendar days first..last (inclusive) in Shanghai, as instants [start, end)."""
    if first > last:
        raise ValueError(f"from: {first} is after to: {last}")
    start = datetime.combine(first, time(0), SHANGHAI)
    return start, datetime.combine(last + timedelta(days=1), time(0), SHANGHAI)


def epoch_ms(column: SQLColumnExpression[datetime], dialect: str) -> ColumnElement[int]:
    """Milliseconds since the epoch of a stored UTC timestamp (exact for the router's
    millisecond times; a finer instant goes to its nearest millisecond)."""
    if dialect == "postgresql":
        # date_part's double is exact to well under a millisecond at today's epoch and
        # several times cheaper than EXTRACT's numeric over a month of rows.
        return cast(func.round(func.date_part("epoch", column) * 1000), BigInteger)
    # SQLite keeps 'YYYY-MM-DD HH:MM:SS.ffffff': whole seconds, then the milliseconds.
    seconds = cast(func.strftime("%s", column), Integer)
    millis = cast(func.substr(func.strftime("%f", column), 4, 3), Integer)
    return seconds * 1000 + millis


def bucket_of(epoch: ColumnElement[int], interval_min: int | None) -> ColumnElement[int]:
    """The interval's number (floor division: SQLAlchemy's `//` stays integer on both)."""
    shifted = epoch + literal(OFFSET_MS, BigInteger)
    return shifted // literal(interval_ms(interval_min), BigInteger)


def bucket_start(number: int, interval_min: int | None) -> datetime:
    """The Shanghai instant an interval number starts at."""
    ms = number * interval_ms(interval_min) - OFFSET_MS
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(SHANGHAI)


def python_bucket(at: datetime, interval_min: int | None) -> int:
    """The same number as `bucket_of`, computed in Python (for checks and tests)."""
    ms = int((at - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(milliseconds=1))
    return (ms + OFFSET_MS) // interval_ms(interval_min)
