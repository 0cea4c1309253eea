"""Sign-out: the session ends, the hook frees the agent, and CSRF guards the button."""

from __future__ import annotations

import redis.asyncio as aioredis

from routing.keys import Keys
from staff_web.auth.sessions import digest
from tests.staff_web.auth.conftest import Browser, SignOuts


async def test_logout_ends_the_session_and_calls_the_hook(
    desk: Browser, sign_outs: SignOuts, redis: aioredis.Redis, keys: Keys
) -> None:
    await desk.sign_in("a1001")
    session = desk.cookies["hotline_session"]
    token = await desk.csrf_token()
    response = await desk.post("/auth/logout", data={"csrf_token": token})
    assert response.status == 303
    assert response.headers["Location"] == "/auth/login?bye=1"
    assert "hotline_session" not in desk.cookies
    assert [(u.username, u.agent_id) for u in sign_outs.users] == [("a1001", "a1001")]
    assert not await redis.exists(keys.session(digest(session)))
    desk.cookies["hotline_session"] = session  # a copied cookie is worthless now
    assert (await desk.get("/desk/home")).status == 303
    bye = await desk.get("/auth/login?bye=1")
    assert "您已安全退出" in await bye.text()


async def test_logout_without_csrf_token_changes_nothing(
    desk: Browser, sign_outs: SignOuts
) -> None:
    await desk.sign_in("a1001")
    assert (await desk.post("/auth/logout")).status == 403
    assert sign_outs.users == []
    assert (await desk.get("/desk/home")).status == 200


async def test_a_failing_hook_still_signs_out(desk: Browser, sign_outs: SignOuts) -> None:
    sign_outs.fail = True
    await desk.sign_in("a1002")
    token = await desk.csrf_token()
    assert (await desk.post("/auth/logout", data={"csrf_token": token})).status == 303
    assert [u.username for u in sign_outs.users] == ["a1002"]
    assert (await desk.get("/desk/home")).status == 303


async def test_logout_when_not_signed_in_just_goes_to_login(
    desk: Browser, sign_outs: SignOuts
) -> None:
    response = await desk.post("/auth/logout")
    assert response.status == 303
    assert sign_outs.users == []
