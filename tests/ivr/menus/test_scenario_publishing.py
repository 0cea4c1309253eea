"""Every publish plays the flow tests first: a failing one stores nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.menus.loading import ConfigError
from ivr.menus.publishing import publish_config
from queues import config_versions
from tests.ivr.menus.flow_configs import scenario, small_config

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


async def test_a_failing_flow_test_blocks_the_publish_and_stores_nothing(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # A Config built in code skips the loader's checks: the publish is the last gate.
    config = small_config(scenario(["1", "1"], {"queue": "general"}, name="报修"))
    with pytest.raises(ConfigError) as raised:
        await publish_config(sessionmaker, None, config, author="t", comment="c", now=NOW)
    assert str(raised.value) == (
        "not published: 1 problem\n"
        "  scenarios[0]: flow test '报修' failed: expected queue general, got queue fault after"
        " inputs 1, 1 (path 1 报修 > 1 停电)"
    )
    async with sessionmaker() as session:
        assert await config_versions.history(session) == []
        assert await config_versions.published(session) is None


async def test_passing_flow_tests_publish(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    config = small_config(scenario(["1", "1"], {"queue": "fault"}, name="报修"))
    version = await publish_config(sessionmaker, None, config, author="t", comment="c", now=NOW)
    async with sessionmaker() as session:
        assert await config_versions.published_id(session) == version
