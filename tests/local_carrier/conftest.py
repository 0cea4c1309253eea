"""Fixtures for the local carrier: a signature-checking TwiML server and an instant carrier."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from pytest_aiohttp import AiohttpServer

from local_carrier import LocalCarrier
from tests.local_carrier.server import ACCOUNT_SID, AUTH_TOKEN, TwimlServer

FIXED_NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


@pytest.fixture
async def server(aiohttp_server: AiohttpServer) -> AsyncIterator[TwimlServer]:
    twiml_server = TwimlServer()
    test_server = await aiohttp_server(twiml_server.app)
    twiml_server.base = str(test_server.make_url("")).rstrip("/")
    yield twiml_server
    assert twiml_server.forged == [], "the carrier sent a request with a bad signature"


@pytest.fixture
async def carrier(server: TwimlServer) -> AsyncIterator[LocalCarrier]:
    local = LocalCarrier(
        [server.base], AUTH_TOKEN, ACCOUNT_SID, speed=math.inf, wall_clock=lambda: FIXED_NOW
    )
    yield local
    await local.aclose()
