"""Every route of the built app, as each role: the allowed get through, the others are
refused the way their audience refuses (see `route_table.Audience`)."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from twilio.request_validator import RequestValidator

from tests.app_fixtures import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL
from tests.staff_web.access.conftest import Outcome, visitor
from tests.staff_web.access.route_table import (
    EMBEDDED_ONLY,
    ROUTES,
    TWILIO_WEBHOOKS,
    Audience,
    Rule,
    Who,
    app_routes,
)

SIGNS_OUT = ("POST", "/auth/logout")


def test_every_route_of_the_app_is_in_the_table(app: web.Application) -> None:
    """A new route cannot escape: it fails here until the table says who may use it."""
    found = app_routes(app)
    assert sorted(found - ROUTES.keys()) == [], "routes missing from the table"
    assert sorted(ROUTES.keys() - found) == [], "table rows for routes the app lacks"


def verdict(rule: Rule, who: Who, got: Outcome, *, twilio: bool = False) -> str | None:
    """What is wrong with `got` for `who` on this route (in the Twilio mode?), or None."""
    if who in rule.who and twilio and rule.twilio_ok is not None:
        return None if got.status in rule.twilio_ok else f"allowed but got {got.status}"
    if who in rule.who:
        if got.status in (401, 403) or (got.status >= 500 and got.status not in rule.also_ok):
            return f"allowed but got {got.status}"
        if rule.audience is Audience.PAGE and got.to_sign_in:
            return "allowed but sent to the sign-in page"
        if rule.socket and got.status != 101:
            return f"allowed but the socket did not open ({got.status})"
        return None
    if who is Who.ANONYMOUS:
        if rule.audience is Audience.PAGE and not rule.socket:
            return None if got.to_sign_in else f"expected a redirect to sign in, got {got.status}"
        return None if got.status == 401 else f"expected 401, got {got.status}"
    return None if got.status == 403 else f"expected 403, got {got.status}"


ROLE_ROUTES = sorted(
    (key for key, rule in ROUTES.items() if rule.audience in (Audience.PAGE, Audience.API)),
    key=lambda key: key == SIGNS_OUT,
)
OPEN_ROUTES = sorted(
    (key for key, rule in ROUTES.items() if rule.audience is Audience.OPEN),
    key=lambda key: key == SIGNS_OUT,  # signing out last: the other requests keep a session
)


async def wrong_outcomes(
    client: TestClient[Any, Any], who: Who, order: str, *, twilio: bool = False
) -> dict[str, str]:
    """Every page, API route and socket the app has, and the open routes, as `who`."""
    present = app_routes(client.app)
    me = await visitor(client, who)
    wrong = {}
    for method, path in ROLE_ROUTES + OPEN_ROUTES:
        if (method, path) not in present:
            continue
        rule = ROUTES[method, path]
        got = await me.send(method, rule.url(path, order), rule)
        problem = verdict(rule, who, got, twilio=twilio)
        if problem:
            wrong[f"{method} {path}"] = f"{problem}: {got.body[:120]}"
    return wrong


@pytest.mark.parametrize("who", list(Who))
async def test_each_role_reaches_exactly_its_routes(
    client: TestClient[Any, Any], order: str, who: Who
) -> None:
    assert await wrong_outcomes(client, who, order) == {}


def test_the_twilio_mode_has_the_same_routes_but_the_local_carrier(
    twilio_client: TestClient[Any, Any],
) -> None:
    found = app_routes(twilio_client.app)
    assert sorted(found - ROUTES.keys()) == [], "routes missing from the table"
    lacking = {path for _m, path in ROUTES.keys() - found}
    assert lacking
    assert all(path.startswith(EMBEDDED_ONLY) for path in lacking), lacking


@pytest.mark.parametrize("who", list(Who))
async def test_in_the_twilio_mode_each_role_reaches_exactly_its_routes(
    twilio_client: TestClient[Any, Any], order: str, who: Who
) -> None:
    """The same table; the agent's Voice SDK token is issued (200) instead of refused."""
    assert await wrong_outcomes(twilio_client, who, order, twilio=True) == {}


CARRIER_ROUTES = sorted(k for k, r in ROUTES.items() if r.audience is Audience.CARRIER_REST)


async def test_twilio_webhooks_refuse_unsigned_and_wrongly_signed_posts(
    client: TestClient[Any, Any],
) -> None:
    """A session cookie opens nothing there: only the carrier's signature does."""
    admin = await visitor(client, Who.ADMIN)
    routes = [k for k, r in ROUTES.items() if r.audience is Audience.TWILIO]
    assert {p for _m, p in routes} == {f"/twilio/{name}" for name in TWILIO_WEBHOOKS}
    params = {"CallSid": "CA" + "0" * 32, "AccountSid": ACCOUNT_SID, "From": "+8613800000001"}
    forged = RequestValidator("not-the-token").compute_signature(PUBLIC_URL + "/x", params)
    statuses = {}
    for method, path in routes:
        unsigned = await admin.browser.request(method, path, data=params)
        wrong = await client.post(path, data=params, headers={"X-Twilio-Signature": forged})
        statuses[path] = (unsigned.status, wrong.status)
    assert statuses == {path: (403, 403) for _m, path in routes}


async def test_a_signed_webhook_is_answered(client: TestClient[Any, Any]) -> None:
    """The check refuses the forged, not the carrier: a signed status callback gets 200."""
    params = {
        "CallSid": "CA" + "0" * 32,
        "AccountSid": ACCOUNT_SID,
        "CallStatus": "completed",
        "From": "+8613800000001",
        "To": "+8695598",
    }
    url = PUBLIC_URL + "/twilio/status"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    response = await client.post(
        "/twilio/status", data=params, headers={"X-Twilio-Signature": signature}
    )
    assert response.status == 200, await response.text()


async def test_the_carrier_rest_api_wants_the_account_credentials(
    client: TestClient[Any, Any],
) -> None:
    admin = await visitor(client, Who.ADMIN)
    credentials = {"Authorization": aiohttp.encode_basic_auth(ACCOUNT_SID, AUTH_TOKEN)}
    wrong = {"Authorization": aiohttp.encode_basic_auth(ACCOUNT_SID, "not-the-token")}
    statuses = {}
    for method, path in CARRIER_ROUTES:
        url = path.format(account_sid=ACCOUNT_SID, call_sid="CA" + "0" * 32)
        data = {"Status": "completed"} if method == "POST" else None
        with_cookie = await admin.browser.request(method, url, data=data)
        bad = await client.request(method, url, data=data, headers=wrong)
        good = await client.request(method, url, data=data, headers=credentials)
        statuses[method, path] = (with_cookie.status, bad.status, good.status not in (401, 403))
    assert statuses == dict.fromkeys(CARRIER_ROUTES, (401, 401, True))


async def test_the_agent_phone_socket_wants_a_phone_token(client: TestClient[Any, Any]) -> None:
    """A session is not enough to register a1001's phone; the token from the API is."""
    agent = await visitor(client, Who.AGENT)
    rule = ROUTES["GET", "/carrier/agent-ws"]
    assert (await agent.open_socket("/carrier/agent-ws", rule)).status == 403
    phone = await agent.browser.request("GET", "/api/agent/phone-token")
    token = (await phone.json())["token"]
    ws = await client.ws_connect("/carrier/agent-ws", params={"identity": "a1001", "token": token})
    await ws.close()
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect("/carrier/agent-ws", params={"identity": "a1005", "token": token})
    assert refused.value.status == 403
