"""Call records: one row per call with its menu path and how it ended."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from queues.db import Base, UtcDateTime, insert_once


class CallRecord(Base):
    __tablename__ = "call_records"

    call_sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    hotline_id: Mapped[str] = mapped_column(String(64), index=True)
    config_version: Mapped[int] = mapped_column(Integer)
    caller: Mapped[str] = mapped_column(String(32), index=True)
    dialled: Mapped[str] = mapped_column(String(32))
    vip_class: Mapped[str] = mapped_column(String(32), default="")
    path: Mapped[str] = mapped_column(Text, default="")
    queue: Mapped[str] = mapped_column(String(64), default="")
    outcome: Mapped[str] = mapped_column(String(32), default="")
    arrived_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    duration_s: Mapped[int] = mapped_column(Integer, default=0)


async def record_call(session: AsyncSession, row: CallRecord) -> bool:
    """Insert the record unless one exists for the call; True when this call inserted it."""
    return await insert_once(session, row, "call_sid")


async def get(session: AsyncSession, call_sid: str) -> CallRecord | None:
    return await session.get(CallRecord, call_sid)


async def recent(session: AsyncSession, limit: int = 50) -> list[CallRecord]:
    query = select(CallRecord).order_by(CallRecord.arrived_at.desc()).limit(limit)
    return list((await session.execute(query)).scalars())
