"""The audit trail: who changed what, when, and the object's state before and after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from queues.db import Base, UtcDateTime


class AuditEntry(Base):
    """One change by one person to one object (an agent's presence, a queue, a menu...).

    `object_kind` and `object_id` name the object in the caller's words ("agent",
    "a1001"), so any console may write and read the same table.
    """

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_object", "object_kind", "object_id", "at"),)

    # A BigInteger on PostgreSQL, an INTEGER rowid alias on SQLite (its autoincrement).
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(64), index=True)  # the username
    object_kind: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(32))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


async def record(
    session: AsyncSession,
    *,
    at: datetime,
    actor: str,
    object_kind: str,
    object_id: str,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> AuditEntry:
    """Add one entry to the session (the unit of work commits it)."""
    entry = AuditEntry(
        at=at,
        actor=actor,
        object_kind=object_kind,
        object_id=object_id,
        action=action,
        before=before,
        after=after,
    )
    session.add(entry)
    await session.flush()
    return entry


async def entries_for(
    session: AsyncSession, object_kind: str, object_id: str, *, limit: int = 100
) -> list[AuditEntry]:
    """One object's entries, newest first."""
    query = (
        select(AuditEntry)
        .where(AuditEntry.object_kind == object_kind, AuditEntry.object_id == object_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


@dataclass(frozen=True, slots=True)
class AuditFilters:
    """What the audit view narrows to; None (or empty) means any."""

    object_kind: str | None = None
    object_id: str | None = None
    actor: str | None = None


@dataclass(frozen=True, slots=True)
class AuditPage:
    items: list[AuditEntry]
    total: int
    limit: int
    offset: int


async def search(
    session: AsyncSession, filters: AuditFilters, *, limit: int, offset: int
) -> AuditPage:
    """Entries matching `filters`, newest first, one page of them and how many in all."""
    conditions = []
    if filters.object_kind:
        conditions.append(AuditEntry.object_kind == filters.object_kind)
    if filters.object_id:
        conditions.append(AuditEntry.object_id == filters.object_id)
    if filters.actor:
        conditions.append(AuditEntry.actor == filters.actor)
    total = await session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions))
    query = (
        select(AuditEntry)
        .where(*conditions)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
        .offset(offset)
    )
    items = list((await session.execute(query)).scalars())
    return AuditPage(items=items, total=int(total or 0), limit=limit, offset=offset)
