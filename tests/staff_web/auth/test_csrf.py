"""CSRF: every state-changing cookie request needs the session's token; bearer ones do not."""

from __future__ import annotations

import re

from tests.staff_web.auth.conftest import PASSWORD, Browser


async def test_post_without_token_is_refused(desk: Browser) -> None:
    await desk.sign_in("a1001")
    page = await desk.post("/desk/note", data={"text": "hi"})
    api = await desk.post("/api/echo", json={})
    assert page.status == 403
    assert api.status == 403
    assert await api.json() == {"error": "CSRF token missing or wrong"}


async def test_wrong_token_is_refused(desk: Browser) -> None:
    await desk.sign_in("a1001")
    real = await desk.csrf_token()
    for wrong in ("nope", real[:-1], real + "x", ""):
        assert (await desk.post("/desk/note", headers={"X-CSRF-Token": wrong})).status == 403
        form = {"csrf_token": wrong}
        assert (await desk.post("/desk/note", data=form)).status == 403


async def test_right_token_in_header_or_form_passes(desk: Browser) -> None:
    await desk.sign_in("a1001")
    token = await desk.csrf_token()
    assert (await desk.post("/desk/note", headers={"X-CSRF-Token": token})).status == 200
    assert (await desk.post("/desk/note", data={"csrf_token": token})).status == 200
    echo = await desk.post("/api/echo", json={}, headers={"X-CSRF-Token": token})
    assert await echo.json() == {"by": "a1001"}


async def test_pages_render_the_token_into_their_forms(desk: Browser) -> None:
    await desk.sign_in("a1001")
    html = await (await desk.get("/desk/home")).text()
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    assert found.group(1) == await desk.csrf_token()


async def test_tokens_belong_to_their_session(desk: Browser) -> None:
    await desk.sign_in("a1001")
    old = await desk.csrf_token()
    desk.cookies.clear()
    await desk.sign_in("a1001")
    assert (await desk.post("/desk/note", headers={"X-CSRF-Token": old})).status == 403


async def test_bearer_requests_need_no_token(desk: Browser) -> None:
    issued = await desk.post("/api/auth/token", json={"username": "a1001", "password": "x" * 8})
    assert issued.status == 401
    issued = await desk.post("/api/auth/token", json={"username": "a1001", "password": PASSWORD})
    token = (await issued.json())["token"]
    echo = await desk.post("/api/echo", json={}, headers={"Authorization": f"Bearer {token}"})
    assert echo.status == 200
