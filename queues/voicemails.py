"""Voicemails callers leave when a menu or a closed line offers it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from queues.db import Base, UtcDateTime, insert_once


class Voicemail(Base):
    __tablename__ = "voicemails"

    call_sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    hotline_id: Mapped[str] = mapped_column(String(64), index=True)
    caller: Mapped[str] = mapped_column(String(32))
    recording_url: Mapped[str] = mapped_column(Text)
    duration_s: Mapped[int] = mapped_column(Integer, default=0)
    path: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


async def save(session: AsyncSession, row: Voicemail) -> bool:
    """Store the voicemail once per call (a retried Record callback adds nothing)."""
    return await insert_once(session, row, "call_sid")


async def recent(session: AsyncSession, limit: int = 50) -> list[Voicemail]:
    query = select(Voicemail).order_by(Voicemail.created_at.desc()).limit(limit)
    return list((await session.execute(query)).scalars())
