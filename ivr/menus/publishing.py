"""Publishing a config: store it as a new version, make it the published one, tell Redis."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.menus.loading import ConfigError
from ivr.menus.published import ConfigRegistry
from ivr.menus.schema import Config
from ivr.menus.validate import problems
from queues import config_versions


async def publish_config(
    sessionmaker: async_sessionmaker[AsyncSession],
    registry: ConfigRegistry | None,
    config: Config,
    *,
    author: str,
    comment: str,
    now: datetime,
) -> int:
    """Store and publish a validated config; new calls use it at once. Returns its id.

    SQL commits first, then the Redis pointer moves (repaired by `ConfigRegistry.sync`).
    An invalid config, or one whose flow tests (`scenarios`) fail, raises `ConfigError`
    with every problem, and nothing is stored. Every publish comes through here.
    """
    found = problems(config)
    if found:
        raise ConfigError(found, "not published")
    document = config.model_dump(mode="json")
    async with sessionmaker() as session, session.begin():
        version = await config_versions.add_version(
            session, document, author=author, comment=comment, now=now
        )
        await config_versions.publish(session, version.id, now=now)
        version_id = version.id
    if registry is not None:
        await registry.announce(version_id)
    return version_id


async def roll_back(
    sessionmaker: async_sessionmaker[AsyncSession],
    registry: ConfigRegistry | None,
    version_id: int,
    *,
    now: datetime,
) -> None:
    """Publish an earlier version again."""
    async with sessionmaker() as session, session.begin():
        await config_versions.publish(session, version_id, now=now)
    if registry is not None:
        await registry.announce(version_id)


async def published_config(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> tuple[int, Config] | None:
    async with sessionmaker() as session:
        row = await config_versions.published(session)
    if row is None:
        return None
    return row.id, Config.model_validate(row.document)
