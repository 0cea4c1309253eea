"""Readable work-order numbers `GD-YYYYMMDD-NNNNNN` from a per-day counter row."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Integer, String, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from queues.db import Base
from queues.working_days import SHANGHAI

PATTERN = re.compile(r"^GD-(\d{8})-(\d{6,})$")


class WorkOrderCounter(Base):
    __tablename__ = "work_order_counters"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


def format_number(day: date, sequence: int) -> str:
    return f"GD-{day:%Y%m%d}-{sequence:06d}"


def parse_number(number: str) -> tuple[date, int]:
    """The day and sequence of a number; ValueError names what is wrong."""
    match = PATTERN.match(number)
    if match is None:
        raise ValueError(f"number: {number!r} is not GD-YYYYMMDD-NNNNNN")
    digits = match.group(1)
    day = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    return day, int(match.group(2))


def _counter_upsert(session: AsyncSession, now: datetime, *, first: int, step: int) -> Any:
    """`INSERT (day, first) ON CONFLICT (day) DO UPDATE SET last = last + step RETURNING
    last`: one statement that takes the day's row lock (the row is created when missing)."""
    if now.tzinfo is None:
        raise ValueError("naive datetime: pass a tz-aware timestamp")
    day = now.astimezone(SHANGHAI).date()
    table = cast(Table, WorkOrderCounter.__table__)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(table)
        .values(day=f"{day:%Y%m%d}", last=first)
        .on_conflict_do_update(index_elements=["day"], set_={"last": table.c.last + step})
        .returning(table.c.last)
    )


async def hold_counter(session: AsyncSession, now: datetime) -> None:
    """Lock `now`'s day counter for the caller's transaction without taking a number.

    Whoever holds it is the only one taking a number that day until it commits; checking
    "has this call an order already?" after holding it sees every committed order, so a
    duplicate never takes a number it would then not use.
    """
    await session.execute(_counter_upsert(session, now, first=0, step=0))


async def next_number(session: AsyncSession, now: datetime) -> str:
    """Take the next number of `now`'s day (Asia/Shanghai) in the caller's transaction.

    One atomic upsert: `INSERT ... ON CONFLICT (day) DO UPDATE SET last = last + 1
    RETURNING last`. The counter row stays locked until the caller commits, so two
    transactions can never read the same value (a `SELECT max(...) + 1` would); a rolled
    back transaction gives its number back, a committed one never repeats it.
    """
    sequence = (await session.execute(_counter_upsert(session, now, first=1, step=1))).scalar_one()
    return format_number(now.astimezone(SHANGHAI).date(), sequence)
