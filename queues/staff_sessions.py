"""The durable copy of staff sessions and API tokens: what Redis serves, kept in SQL too, so
that a Redis restarted empty signs nobody out. Rows are keyed by the token's sha256."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer, String, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from queues.db import Base


class StaffSession(Base):
    """One live session or API token. Times are epoch seconds, as the Redis copy holds."""

    __tablename__ = "staff_sessions"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "session" | "api_token"
    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[int] = mapped_column(BigInteger)
    #: The last use written here; the Redis copy sees every use, this one a use in a while.
    seen_at: Mapped[int] = mapped_column(BigInteger)
    #: The absolute end (created_at + the kind's maximum age).
    ends_at: Mapped[int] = mapped_column(BigInteger, index=True)


async def add(session: AsyncSession, row: StaffSession) -> None:
    """Keep a new session, dropping this kind's ended ones on the way."""
    await session.execute(
        delete(StaffSession).where(
            StaffSession.kind == row.kind, StaffSession.ends_at <= row.created_at
        )
    )
    session.add(row)
    await session.flush()


async def find(session: AsyncSession, kind: str, digest: str) -> StaffSession | None:
    query = select(StaffSession).where(StaffSession.digest == digest, StaffSession.kind == kind)
    return (await session.execute(query)).scalar_one_or_none()


async def seen(session: AsyncSession, kind: str, digest: str, *, now: int) -> None:
    await session.execute(
        update(StaffSession)
        .where(StaffSession.digest == digest, StaffSession.kind == kind)
        .values(seen_at=now)
    )


async def remove(session: AsyncSession, kind: str, digest: str) -> None:
    await session.execute(
        delete(StaffSession).where(StaffSession.digest == digest, StaffSession.kind == kind)
    )


async def remove_all_of(session: AsyncSession, user_id: int) -> list[tuple[str, str]]:
    """Drop every session and API token of a user: their (kind, digest), to clear Redis too."""
    query = select(StaffSession.kind, StaffSession.digest).where(StaffSession.user_id == user_id)
    found = [(kind, digest) for kind, digest in (await session.execute(query)).all()]
    await session.execute(delete(StaffSession).where(StaffSession.user_id == user_id))
    return found
