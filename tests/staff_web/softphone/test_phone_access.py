"""The embedded phone socket registers only the signed-in agent, with a token from our API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from aiohttp import WSServerHandshakeError, web
from aiohttp.test_utils import TestClient

from hotline.appkeys import LOCAL_CARRIER
from tests.app_fixtures import FakeClock
from tests.staff_web.softphone.conftest import SignIn

PHONE = "/carrier/agent-ws"


async def refused(client: TestClient[Any, Any], query: dict[str, str]) -> int:
    with pytest.raises(WSServerHandshakeError) as caught:
        await client.ws_connect(PHONE, params=query)
    return caught.value.status


async def test_nobody_without_a_token_displaces_the_agents_phone(
    app: web.Application, client: TestClient[Any, Any], signed: SignIn
) -> None:
    desk = await signed("a1001")
    status, access = await desk.call("GET", "/api/agent/phone-token")
    assert status == 200
    assert access["identity"] == "a1001"
    phone = await client.ws_connect(PHONE, params={"identity": "a1001", "token": access["token"]})
    assert (await phone.receive_json())["type"] == "registered"
    # Any page or local user: no token, a made-up one, another agent's.
    assert await refused(client, {"identity": "a1001"}) == 403
    assert await refused(client, {"identity": "a1001", "token": "9999999999.00"}) == 403
    other = await signed("a1005")
    _, theirs = await other.call("GET", "/api/agent/phone-token")
    assert await refused(client, {"identity": "a1001", "token": theirs["token"]}) == 403
    # The real softphone is still the one the carrier rings.
    phones = app[LOCAL_CARRIER].phones
    assert phones.identities() == ["a1001"]
    assert not phone.closed
    await phone.close()


async def test_a_phone_token_expires(
    client: TestClient[Any, Any], signed: SignIn, clock: FakeClock
) -> None:
    desk = await signed("a1001")
    _, access = await desk.call("GET", "/api/agent/phone-token")
    clock.now += timedelta(seconds=access["ttl"] + 1)
    query = {"identity": "a1001", "token": access["token"]}
    assert await refused(client, query) == 403


async def test_only_an_agent_gets_a_phone_token(
    client: TestClient[Any, Any], signed: SignIn
) -> None:
    leader = await signed("leader")
    status, answer = await leader.call("GET", "/api/agent/phone-token")
    assert status == 403
    assert "agent id" in answer["error"]
    anonymous = await client.get("/api/agent/phone-token")
    assert anonymous.status == 401
