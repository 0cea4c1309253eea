"""The router's events as consumed into SQL: one row per stream entry (its id unique), and
the call record each call event updates in the same transaction, so an event counts once."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from queues.call_records.merge import CALL_EVENTS, apply_event, at_ms, load_locked, locked_record
from queues.call_records.wrap_up_cut import ENDS_WRAP_UP, end_wrap_up
from queues.db import Base, UtcDateTime
from queues.work_orders.orders import WorkOrder
from routing.events import EventName, RouterEvent


class RouterEventRow(Base):
    """One consumed stream entry; `error` is set for an entry that could not be applied."""

    __tablename__ = "router_events"
    # Added by migration 0008: the reports read events of a few names over a time range.
    __table_args__ = (Index("ix_router_events_name_at", "name", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    stream_id: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(24), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    call_sid: Mapped[str] = mapped_column(String(64), default="", index=True)
    queue: Mapped[str] = mapped_column(String(64), default="")
    agent_id: Mapped[str] = mapped_column(String(64), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    consumed_at: Mapped[datetime] = mapped_column(UtcDateTime())


async def _insert_once(session: AsyncSession, values: dict[str, Any]) -> bool:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(RouterEventRow)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["stream_id"])
        .returning(RouterEventRow.id)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def _offered_grade(session: AsyncSession, event: RouterEvent) -> int | None:
    """The grade of the latest OFFER of this call to this agent, if consumed already."""
    query = (
        select(RouterEventRow.data)
        .where(
            RouterEventRow.call_sid == event.call_id,
            RouterEventRow.name == EventName.OFFER.value,
            RouterEventRow.agent_id == event.agent_id,
        )
        .order_by(RouterEventRow.id.desc())
        .limit(1)
    )
    data = (await session.execute(query)).scalar_one_or_none()
    grade = (data or {}).get("grade", "")
    return int(grade) if isinstance(grade, str) and grade.isdigit() else None


async def _work_order_number(session: AsyncSession, call_sid: str) -> str:
    query = select(WorkOrder.number).where(WorkOrder.call_sid == call_sid)
    return (await session.execute(query)).scalar_one_or_none() or ""


async def consume(session: AsyncSession, event: RouterEvent, *, now: datetime) -> bool:
    """Record the event and apply it to its call's record; False (and nothing changed) when
    this stream entry was consumed before. Flushes, never commits."""
    inserted = await _insert_once(
        session,
        {
            "stream_id": event.id,
            "name": event.name.value,
            "at": at_ms(event.at_ms),
            "call_sid": event.call_id,
            "queue": event.queue,
            "agent_id": event.agent_id,
            "data": dict(event.data),
            "error": "",
            "consumed_at": now,
        },
    )
    if not inserted:
        return False
    if event.agent_id and event.name in ENDS_WRAP_UP:
        await end_wrap_up(session, event.agent_id, at_ms(event.at_ms))
    if event.call_id and event.name in CALL_EVENTS:
        await locked_record(session, event.call_id, at_ms(event.at_ms))
        record = await load_locked(session, event.call_id)
        grade = await _offered_grade(session, event) if event.name is EventName.CONNECT else None
        apply_event(record, event, grade)
        if not record.work_order and event.name is not EventName.ENTERQUEUE:
            record.work_order = await _work_order_number(session, event.call_id)
        await session.flush()
    return True


async def set_aside(
    session: AsyncSession, entry_id: str, fields: Mapping[str, str], error: str, *, now: datetime
) -> bool:
    """Record an entry that cannot be applied (unknown event, bad fields, failed too often),
    so that it is acknowledged once and kept for a person to look at."""
    raw_t = fields.get("t", "")
    return await _insert_once(
        session,
        {
            "stream_id": entry_id,
            "name": fields.get("ev", "")[:24],
            "at": at_ms(int(raw_t)) if raw_t.isdigit() else now,
            "call_sid": fields.get("call", "")[:64],
            "queue": fields.get("queue", "")[:64],
            "agent_id": fields.get("agent", "")[:64],
            "data": dict(fields),
            "error": error[:2000],
            "consumed_at": now,
        },
    )


async def record_queued_write(
    session: AsyncSession, entry_id: str, fields: Mapping[str, str], *, now: datetime
) -> bool:
    """Record a queued write's entry (routing/outbox.py) before applying it in the same
    transaction; False (nothing recorded) when it was applied before."""
    raw_t = fields.get("t", "")
    return await _insert_once(
        session,
        {
            "stream_id": entry_id,
            "name": fields.get("ev", "")[:24],
            "at": at_ms(int(raw_t)) if raw_t.isdigit() else now,
            "call_sid": fields.get("call", "")[:64],
            "queue": "",
            "agent_id": fields.get("agent", "")[:64],
            "data": dict(fields),
            "error": "",
            "consumed_at": now,
        },
    )


async def consumed(session: AsyncSession, call_sid: str) -> list[RouterEventRow]:
    """A call's consumed events in stream order (for the record's detail and for tests)."""
    query = select(RouterEventRow).where(RouterEventRow.call_sid == call_sid)
    rows = list((await session.execute(query)).scalars())
    return sorted(rows, key=lambda row: tuple(int(p) for p in row.stream_id.split("-")))
