"""App-level fixtures: settings, a clock, the app from the factory, signed Twilio posts."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from argon2 import PasswordHasher, profiles
from lxml import etree
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from twilio.request_validator import RequestValidator

from hotline.app import create_app
from hotline.settings import CarrierKind, Settings
from routing.keys import Keys
from staff_web.auth.passwords import Passwords
from tests.ivr.twiml_schema import assert_valid_twiml

PUBLIC_URL = "https://hotline.example.test"
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
ACCOUNT_SID = "AC" + "1" * 32


@dataclass
class FakeClock:
    """Injectable clock; tests move it by hand."""

    now: datetime = field(default_factory=lambda: datetime(2026, 11, 25, 2, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def passwords() -> Passwords:
    """Password hashing at argon2's cheapest cost: tests hash many passwords."""
    return Passwords(PasswordHasher.from_parameters(profiles.CHEAPEST))


@pytest.fixture
def settings(keys: Keys) -> Settings:
    return Settings(
        public_url=PUBLIC_URL,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        redis_prefix=keys.prefix,
    )


@pytest.fixture
async def app(
    settings: Settings,
    redis: aioredis.Redis,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> web.Application:
    return create_app(settings, redis=redis, sessionmaker=sessionmaker, clock=clock)


@pytest.fixture
async def client(
    # The app (and the database under it) is requested before aiohttp_client, so the
    # client, which shuts the app down, is torn down first: background tasks finish
    # before the database they use is disposed.
    app: web.Application,
    aiohttp_client: Callable[[web.Application], Awaitable[TestClient[Any, Any]]],
) -> TestClient[Any, Any]:
    return await aiohttp_client(app)


def new_call_sid() -> str:
    return "CA" + uuid.uuid4().hex


@dataclass
class Answer:
    status: int
    text: str

    @property
    def doc(self) -> etree._Element:
        return etree.fromstring(self.text.encode())

    def verbs(self) -> list[str]:
        return [child.tag for child in self.doc]

    def url(self, xpath: str) -> str:
        """An attribute or text holding one of our URLs, as a path for the test client."""
        found = self.doc.xpath(xpath)
        assert isinstance(found, list)
        assert found, f"{xpath} not in {self.text}"
        value = str(found[0])
        assert value.startswith(PUBLIC_URL), value
        return value.removeprefix(PUBLIC_URL)

    def said(self) -> str:
        return " ".join(str(say.text or "") for say in self.doc.iter("Say"))


class TwilioPoster:
    """Posts signed webhooks the way Twilio does, and checks every TwiML answer."""

    def __init__(self, client: TestClient[Any, Any]) -> None:
        self.client = client
        self.validator = RequestValidator(AUTH_TOKEN)

    def base_params(self, call_sid: str, caller: str, dialled: str) -> dict[str, str]:
        return {
            "CallSid": call_sid,
            "AccountSid": ACCOUNT_SID,
            "From": caller,
            "To": dialled,
            "CallStatus": "in-progress",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
        }

    async def post(
        self, path: str, params: Mapping[str, str], *, signature: str | None = None
    ) -> Answer:
        url = PUBLIC_URL + path
        sig = (
            self.validator.compute_signature(url, dict(params)) if signature is None else signature
        )
        headers = {"X-Twilio-Signature": sig} if sig else {}
        response = await self.client.post(path, data=dict(params), headers=headers)
        text = await response.text()
        if response.status == 200:
            assert_valid_twiml(text)
        return Answer(response.status, text)


@pytest.fixture
def twilio(client: TestClient[Any, Any]) -> TwilioPoster:
    return TwilioPoster(client)


def on_port_settings(keys: Keys, port: int, **overrides: Any) -> Settings:
    """Settings for the app served on a real local port, as `hotline serve` runs it: the
    local carrier posts to this address and signatures are checked against it."""
    values: dict[str, Any] = {
        "port": port,
        "public_url": f"http://127.0.0.1:{port}",
        "carrier": CarrierKind.LOCAL,
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_auth_token": AUTH_TOKEN,
        "redis_prefix": keys.prefix,
    }
    return Settings(**(values | overrides))


@asynccontextmanager
async def serving(app: web.Application, port: int) -> AsyncIterator[None]:
    """Run the app on 127.0.0.1:`port` for the block."""
    server = TestServer(app, host="127.0.0.1", port=port)
    await server.start_server()
    try:
        yield
    finally:
        await server.close()
