"""Which stored config version is the published one: the latest publish, whatever the
clocks of the servers that published say."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from queues import config_versions

NOON = datetime(2026, 12, 3, 4, 0, tzinfo=UTC)


async def two_versions(session: AsyncSession) -> tuple[int, int]:
    first = await config_versions.add_version(session, {"n": 1}, author="a", comment="", now=NOON)
    second = await config_versions.add_version(session, {"n": 2}, author="a", comment="", now=NOON)
    return first.id, second.id


async def test_a_rollback_in_the_same_instant_as_the_publish_wins(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session, session.begin():
        first, second = await two_versions(session)
        await config_versions.publish(session, second, now=NOON)
        await config_versions.publish(session, first, now=NOON)  # rolled back at once
    async with sessionmaker() as session:
        assert await config_versions.published_id(session) == first
        published = await config_versions.published(session)
        assert published is not None
        assert published.id == first


async def test_a_publish_from_a_server_whose_clock_is_behind_still_wins(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session, session.begin():
        first, second = await two_versions(session)
        await config_versions.publish(session, first, now=NOON)
    async with sessionmaker() as session, session.begin():
        await config_versions.publish(session, second, now=NOON - timedelta(seconds=3))
    async with sessionmaker() as session:
        assert await config_versions.published_id(session) == second


async def test_publishing_again_keeps_the_clock_when_it_is_ahead(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session, session.begin():
        first, second = await two_versions(session)
        await config_versions.publish(session, first, now=NOON)
        later = NOON + timedelta(minutes=5)
        version = await config_versions.publish(session, second, now=later)
        assert version.published_at == later
