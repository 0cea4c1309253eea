"""Stored hotline config versions: create, publish, roll back, read the published one."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Integer, String, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from queues.db import Base, UtcDateTime

PUBLISH_STEP = timedelta(microseconds=1)  # how far a publish steps past an equal stamp


class ConfigVersion(Base):
    __tablename__ = "config_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    author: Mapped[str] = mapped_column(String(128))
    comment: Mapped[str] = mapped_column(String(500), default="")
    checksum: Mapped[str] = mapped_column(String(64))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)


def checksum(document: dict[str, Any]) -> str:
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


async def add_version(
    session: AsyncSession,
    document: dict[str, Any],
    *,
    author: str,
    comment: str,
    now: datetime,
) -> ConfigVersion:
    """Store a (validated) config document as a new, unpublished version."""
    version = ConfigVersion(
        created_at=now,
        published_at=None,
        author=author,
        comment=comment,
        checksum=checksum(document),
        document=document,
    )
    session.add(version)
    await session.flush()
    return version


async def publish(session: AsyncSession, version_id: int, *, now: datetime) -> ConfigVersion:
    """Make a version the published one (also how a roll-back is done)."""
    version = await session.get(ConfigVersion, version_id)
    if version is None:
        raise LookupError(f"config version {version_id} does not exist")
    # The published version is the one published last, so its stamp must be the newest
    # even when a roll-back follows a publish within the same instant, or another server's
    # clock is ahead of this one's.
    latest = (await session.execute(select(func.max(ConfigVersion.published_at)))).scalar()
    version.published_at = now if latest is None or now > latest else latest + PUBLISH_STEP
    await session.flush()
    return version


async def published(session: AsyncSession) -> ConfigVersion | None:
    """The most recently published version, or None before the first publish."""
    query = (
        select(ConfigVersion)
        .where(ConfigVersion.published_at.is_not(None))
        .order_by(ConfigVersion.published_at.desc(), ConfigVersion.id.desc())
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def published_id(session: AsyncSession) -> int | None:
    """Only the published version's id: what a process polls to notice a publish."""
    query = (
        select(ConfigVersion.id)
        .where(ConfigVersion.published_at.is_not(None))
        .order_by(ConfigVersion.published_at.desc(), ConfigVersion.id.desc())
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def get(session: AsyncSession, version_id: int) -> ConfigVersion | None:
    return await session.get(ConfigVersion, version_id)


async def history(session: AsyncSession, limit: int = 50) -> list[ConfigVersion]:
    query = select(ConfigVersion).order_by(ConfigVersion.id.desc()).limit(limit)
    return list((await session.execute(query)).scalars())
