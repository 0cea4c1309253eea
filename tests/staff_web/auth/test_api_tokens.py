"""Bearer tokens: issued for username + password, used, expired, revoked, stored hashed."""

from __future__ import annotations

from datetime import timedelta

import redis.asyncio as aioredis

from routing.keys import Keys
from staff_web.auth.sessions import digest
from tests.app_fixtures import FakeClock
from tests.staff_web.auth.conftest import PASSWORD, Browser


async def _token(desk: Browser, username: str = "a1001") -> str:
    issued = await desk.post("/api/auth/token", json={"username": username, "password": PASSWORD})
    assert issued.status == 201, await issued.text()
    token: str = (await issued.json())["token"]
    return token


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_token_is_issued_and_identifies_the_user(desk: Browser) -> None:
    issued = await desk.post("/api/auth/token", json={"username": "leader", "password": PASSWORD})
    body = await issued.json()
    assert issued.status == 201
    assert issued.headers["Cache-Control"] == "no-store"
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 12 * 3600
    assert body["user"]["role"] == "supervisor"
    assert "csrf_token" not in body["user"]
    me = await desk.get("/api/me", headers=_bearer(body["token"]))
    assert (await me.json())["credential"] == "bearer"
    assert (await desk.get("/api/board", headers=_bearer(body["token"]))).status == 200


async def test_wrong_credentials_are_a_json_401(desk: Browser) -> None:
    for body in (
        {"username": "a1001", "password": "wrong pass"},
        {"username": "x", "password": "y"},
    ):
        response = await desk.post("/api/auth/token", json=body)
        assert response.status == 401
        assert await response.json() == {"error": "wrong username or password"}


async def test_malformed_requests_name_the_field(desk: Browser) -> None:
    cases = [
        ({"password": PASSWORD}, "username: required, a non-empty string"),
        ({"username": "a1001", "password": 5}, "password: required, a non-empty string"),
        (["a1001"], "body: expected a JSON object"),
    ]
    for body, error in cases:
        response = await desk.post("/api/auth/token", json=body)
        assert response.status == 400
        assert await response.json() == {"error": error}
    raw = await desk.post("/api/auth/token", data=b"{not json", headers={"Content-Type": "x"})
    assert await raw.json() == {"error": "body: not valid JSON"}


async def test_token_endpoint_is_rate_limited(desk: Browser, clock: FakeClock) -> None:
    for _ in range(5):
        wrong = {"username": "a1001", "password": "wrong pass"}
        assert (await desk.post("/api/auth/token", json=wrong)).status == 401
    blocked = await desk.post("/api/auth/token", json={"username": "a1001", "password": PASSWORD})
    assert blocked.status == 429
    assert blocked.headers["Retry-After"] == "900"
    assert await blocked.json() == {"error": "too many sign-in attempts"}
    clock.now += timedelta(seconds=900)
    await _token(desk)


async def test_token_expires(desk: Browser, clock: FakeClock) -> None:
    token = await _token(desk)
    clock.now += timedelta(hours=11, minutes=59)
    assert (await desk.get("/api/me", headers=_bearer(token))).status == 200
    clock.now += timedelta(minutes=1)  # no sliding: twelve hours after issue it is over
    assert (await desk.get("/api/me", headers=_bearer(token))).status == 401


async def test_revoked_token_stops_working(desk: Browser) -> None:
    token = await _token(desk)
    assert (await desk.request("DELETE", "/api/auth/token", headers=_bearer(token))).status == 204
    assert (await desk.get("/api/me", headers=_bearer(token))).status == 401


async def test_token_is_stored_hashed(desk: Browser, redis: aioredis.Redis, keys: Keys) -> None:
    token = await _token(desk)
    assert await redis.exists(keys.api_token(digest(token)))
    async for key in redis.scan_iter(match=keys.pattern()):
        assert token not in key


async def test_pages_do_not_accept_bearer_tokens(desk: Browser) -> None:
    token = await _token(desk)
    assert (await desk.get("/desk/home", headers=_bearer(token))).status == 303


async def test_bad_bearer_is_anonymous(desk: Browser) -> None:
    for header in ("Bearer nope", "Bearer ", "Basic abc", "bearer " + "x" * 500):
        response = await desk.get("/api/me", headers={"Authorization": header})
        assert response.status == 401
