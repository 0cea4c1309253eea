"""/account/password: any signed-in user changes their own password under the policy; the
other sessions end, this browser goes on in a new one, and the change is audited."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from staff_web.auth.passwords import Passwords
from tests.staff_web.admin.conftest import Desk, Records, Signed
from tests.staff_web.auth.conftest import PASSWORD, Browser

PAGE = "/account/password"
NEW = "a-brand-new-kettle"


def form(desk: Desk, current: str = PASSWORD, new: str = NEW, repeat: str = NEW) -> dict[str, str]:
    return {
        "csrf_token": desk.token,
        "current_password": current,
        "new_password": new,
        "repeat_password": repeat,
    }


async def test_the_form_is_for_anyone_signed_in(
    signed: Signed, client: TestClient[Any, Any]
) -> None:
    for who in ("a1003", "leader", "admin"):
        desk = await signed(who)
        response = await desk.get(PAGE)
        html = await response.text()
        assert response.status == 200, who
        assert 'autocomplete="current-password"' in html
        assert f'name="csrf_token" value="{desk.token}"' in html
    response = await Browser(client).get(PAGE)
    assert (response.status, response.headers["Location"]) == (
        303,
        "/auth/login?next=/account/password",
    )


async def test_a_change_ends_the_other_sessions_and_keeps_this_browser(
    signed: Signed, client: TestClient[Any, Any], records: Records, passwords: Passwords
) -> None:
    desk = await signed("a1003")
    elsewhere = await signed("a1003")
    old_cookie = desk.cookies["hotline_session"]
    response = await desk.post(PAGE, data=form(desk))
    assert (response.status, response.headers["Location"]) == (303, "/account/password?done=1")
    assert desk.cookies["hotline_session"] != old_cookie
    assert (await desk.get("/api/me")).status == 200
    assert "其他会话已全部结束" in await (await desk.get(response.headers["Location"])).text()
    assert (await elsewhere.get("/api/me")).status == 401
    user = await records.user("a1003")
    assert (await passwords.verify(user.password_hash, NEW)).ok
    assert (await Browser(client).sign_in("a1003", PASSWORD)).status == 401
    [entry] = await records.audit("a1003")
    assert (entry.actor, entry.action, entry.before) == ("a1003", "change_password", None)
    assert entry.after == {"password": "changed", "sessions_ended": 2}


@pytest.mark.parametrize(
    ("fields", "name", "message"),
    [
        ({"current": "not my password"}, "current_password", "当前密码不正确"),
        ({"new": "short", "repeat": "short"}, "new_password", "至少 10 个字符"),
        ({"new": "x-a1003-kettle", "repeat": "x-a1003-kettle"}, "new_password", "不能包含用户名"),
        ({"new": "qwertyuiop", "repeat": "qwertyuiop"}, "new_password", "这是最常见的密码之一"),
        ({"repeat": NEW + "!"}, "repeat_password", "两次输入的密码不一致"),
        ({"current": ""}, "current_password", "必填"),
    ],
)
async def test_refusals_name_the_field_and_change_nothing(
    signed: Signed,
    records: Records,
    passwords: Passwords,
    fields: dict[str, str],
    name: str,
    message: str,
) -> None:
    desk = await signed("a1003")
    response = await desk.post(PAGE, data=form(desk, **fields))
    html = await response.text()
    assert response.status == 400
    assert f'id="{name}" name="{name}" autocomplete=' in html
    assert f'<p class="field-error" id="{name}-error">{message}' in html
    assert html.count('aria-invalid="true"') == 1
    assert (await desk.get("/api/me")).status == 200
    user = await records.user("a1003")
    assert (await passwords.verify(user.password_hash, PASSWORD)).ok
    assert await records.audit() == []


async def test_an_admin_needs_the_admins_length(signed: Signed) -> None:
    desk = await signed("admin")
    thirteen = "thirteen char"
    response = await desk.post(PAGE, data=form(desk, new=thirteen, repeat=thirteen))
    assert response.status == 400
    assert "至少 14 个字符" in await response.text()


async def test_the_csrf_token_is_required(
    signed: Signed, records: Records, passwords: Passwords
) -> None:
    desk = await signed("a1003")
    without = {k: v for k, v in form(desk).items() if k != "csrf_token"}
    assert (await desk.post(PAGE, data=without)).status == 403
    user = await records.user("a1003")
    assert (await passwords.verify(user.password_hash, PASSWORD)).ok


async def test_guessing_the_current_password_is_throttled(signed: Signed) -> None:
    desk = await signed("a1003")
    for _ in range(5):  # the sign-in was forgiven: five wrong guesses fill the window
        assert (await desk.post(PAGE, data=form(desk, current="guess"))).status == 400
    blocked = await desk.post(PAGE, data=form(desk))
    assert blocked.status == 429
    assert blocked.headers["Retry-After"] == "900"
    assert "尝试次数过多" in await blocked.text()
