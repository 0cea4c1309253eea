"""Config drafts: an admin's YAML as typed (comments kept), valid or not, until published."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from queues.db import Base, UtcDateTime


class ConfigDraft(Base):
    """A work-in-progress config. Publishing keeps the row, marked with the version it became
    (`published_version`), so a version's origin stays readable; a published draft is frozen."""

    __tablename__ = "config_drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    based_on: Mapped[int | None] = mapped_column(Integer)  # a config_versions id
    author: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    published_version: Mapped[int | None] = mapped_column(Integer)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


async def add_draft(
    session: AsyncSession,
    *,
    title: str,
    text: str,
    based_on: int | None,
    author: str,
    now: datetime,
) -> ConfigDraft:
    draft = ConfigDraft(
        title=title,
        text=text,
        based_on=based_on,
        author=author,
        created_at=now,
        updated_at=now,
        published_version=None,
        published_at=None,
    )
    session.add(draft)
    await session.flush()
    return draft


async def get(session: AsyncSession, draft_id: int) -> ConfigDraft | None:
    return await session.get(ConfigDraft, draft_id)


async def listing(session: AsyncSession, limit: int = 200) -> list[ConfigDraft]:
    """Drafts, the most recently edited first."""
    query = (
        select(ConfigDraft)
        .order_by(ConfigDraft.updated_at.desc(), ConfigDraft.id.desc())
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def delete(session: AsyncSession, draft: ConfigDraft) -> None:
    await session.delete(draft)
    await session.flush()
