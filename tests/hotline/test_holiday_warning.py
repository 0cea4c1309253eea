"""A server starting in a year whose next year has no holiday data says so in its log."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.app import create_app
from hotline.settings import Settings
from tests.app_fixtures import FakeClock
from tests.ivr.menus.test_holiday_data import LAST

Start = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]


def holiday_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "hotline.contexts" and record.levelno == logging.WARNING
        if record.getMessage().startswith("holidays: ")
    ]


@pytest.mark.parametrize(("year", "warned"), [(LAST - 1, False), (LAST, True)])
async def test_start_up_warns_when_the_coming_year_has_no_holiday_data(
    settings: Settings,
    redis: aioredis.Redis,
    sessionmaker: async_sessionmaker[AsyncSession],
    aiohttp_client: Start,
    caplog: pytest.LogCaptureFixture,
    year: int,
    warned: bool,
) -> None:
    clock = FakeClock(datetime(year, 6, 1, 2, 0, tzinfo=UTC))
    app = create_app(settings, redis=redis, sessionmaker=sessionmaker, clock=clock)
    with caplog.at_level(logging.INFO):
        await aiohttp_client(app)
    lines = holiday_lines(caplog)
    if warned:
        (line,) = lines
        assert f"has no data for {LAST + 1}:" in line
    else:
        assert lines == []
