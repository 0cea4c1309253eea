"""The login page: the form, success, failure, rate limiting, languages, cookie flags."""

from __future__ import annotations

from datetime import timedelta

from argon2 import PasswordHasher
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from queues import staff
from staff_web.auth.services import AuthServices
from tests.app_fixtures import FakeClock
from tests.staff_web.auth.conftest import PASSWORD, Browser

WRONG_ZH = "用户名或密码错误"


async def test_form_is_chinese_by_default_and_accessible(desk: Browser) -> None:
    page = await desk.get("/auth/login")
    html = await page.text()
    assert page.status == 200
    assert '<html lang="zh-CN">' in html
    assert '<label for="username">用户名</label>' in html
    assert '<label for="password">密码</label>' in html
    assert 'autocomplete="current-password"' in html
    assert page.headers["Cache-Control"] == "no-store"
    login_cookie = page.cookies["hotline_login_csrf"]
    assert login_cookie["httponly"]
    assert login_cookie["samesite"] == "Strict"


async def test_english_switch_is_remembered(desk: Browser) -> None:
    page = await desk.get("/auth/login?lang=en")
    assert '<html lang="en">' in await page.text()
    assert desk.cookies["hotline_lang"] == "en"
    again = await desk.get("/auth/login")
    assert "Username" in await again.text()
    back = await desk.get("/auth/login?lang=zh")
    assert "用户名" in await back.text()


async def test_success_sets_a_locked_down_session_cookie(desk: Browser) -> None:
    response = await desk.sign_in("a1001", next_path="/desk/home")
    assert response.status == 303
    assert response.headers["Location"] == "/desk/home"
    cookie = response.cookies["hotline_session"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert cookie["secure"]  # the public URL is https
    assert cookie["path"] == "/"
    home = await desk.get("/desk/home")
    assert home.status == 200
    assert "hello a1001" in await home.text()


async def test_cookie_is_not_secure_on_a_plain_http_deployment(
    desk: Browser, auth: AuthServices
) -> None:
    object.__setattr__(auth, "policy", type(auth.policy).for_public_url("http://10.0.0.5:8080"))
    response = await desk.sign_in("a1001")
    assert not response.cookies["hotline_session"]["secure"]


async def test_wrong_password_does_not_say_which_field(desk: Browser) -> None:
    wrong_password = await desk.sign_in("a1001", "not the password")
    unknown_user = await desk.sign_in("nobody", PASSWORD)
    for response in (wrong_password, unknown_user):
        assert response.status == 401
        html = await response.text()
        assert WRONG_ZH in html
        assert 'role="alert"' in html
        assert "hotline_session" not in desk.cookies
    assert 'value="nobody"' in await unknown_user.text()  # the username is kept for a retry


async def test_missing_fields_are_named_one_by_one(desk: Browser) -> None:
    token = await desk.login_form()
    response = await desk.post(
        "/auth/login", data={"username": "", "password": "", "csrf_token": token}
    )
    html = await response.text()
    assert response.status == 400
    assert '<p class="field-error" id="username-error">请输入用户名</p>' in html
    assert '<p class="field-error" id="password-error">请输入密码</p>' in html
    assert 'aria-describedby="username-error"' in html


async def test_login_without_its_csrf_token_is_refused(desk: Browser) -> None:
    await desk.login_form()
    missing = await desk.post("/auth/login", data={"username": "a1001", "password": PASSWORD})
    forged = await desk.post(
        "/auth/login", data={"username": "a1001", "password": PASSWORD, "csrf_token": "forged"}
    )
    for response in (missing, forged):
        assert response.status == 403
        assert "hotline_session" not in desk.cookies


async def test_too_many_failures_answer_429_until_the_window_passes(
    desk: Browser, clock: FakeClock
) -> None:
    for _ in range(5):
        assert (await desk.sign_in("a1001", "wrong password")).status == 401
    blocked = await desk.sign_in("a1001")  # even the right password
    assert blocked.status == 429
    assert blocked.headers["Retry-After"] == "900"
    assert "15 分钟后再试" in await blocked.text()
    clock.now += timedelta(minutes=15)
    assert (await desk.sign_in("a1001")).status == 303


async def test_success_resets_the_failure_count(desk: Browser) -> None:
    for _ in range(4):
        await desk.sign_in("a1001", "wrong password")
    assert (await desk.sign_in("a1001")).status == 303
    desk.cookies.clear()
    for _ in range(5):
        assert (await desk.sign_in("a1001", "wrong password")).status == 401
    assert (await desk.sign_in("a1001")).status == 429


async def test_a_planted_session_id_is_never_adopted(desk: Browser) -> None:
    desk.cookies["hotline_session"] = "planted-by-an-attacker"
    await desk.sign_in("a1001")
    assert desk.cookies["hotline_session"] not in ("planted-by-an-attacker", "")


async def test_signing_in_again_from_a_stale_tab_ends_the_old_session(desk: Browser) -> None:
    await desk.sign_in("a1001")
    first = desk.cookies.pop("hotline_session")
    token = await desk.login_form()  # the form as a tab opened before signing in shows it
    desk.cookies["hotline_session"] = first
    form = {"username": "a1002", "password": PASSWORD, "csrf_token": token}
    assert (await desk.post("/auth/login", data=form)).status == 303
    second = desk.cookies["hotline_session"]
    assert second != first
    assert "hello a1002" in await (await desk.get("/desk/home")).text()
    desk.cookies["hotline_session"] = first
    assert (await desk.get("/desk/home")).status == 303  # the old one was ended


async def test_next_never_leaves_the_site(desk: Browser) -> None:
    for bad in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        desk.cookies.clear()
        response = await desk.sign_in("a1001", next_path=bad)
        assert response.headers["Location"] == "/"


async def test_signed_in_user_skips_the_form(desk: Browser) -> None:
    await desk.sign_in("a1001")
    response = await desk.get("/auth/login?next=/desk/home")
    assert response.status == 303
    assert response.headers["Location"] == "/desk/home"


async def test_switched_off_account_cannot_sign_in(
    desk: Browser, sessionmaker: async_sessionmaker[AsyncSession], users: dict[str, int]
) -> None:
    async with sessionmaker() as session, session.begin():
        await staff.set_active(session, users["a1001"], False)
    assert (await desk.sign_in("a1001")).status == 401


async def test_outdated_hash_is_replaced_at_sign_in(
    desk: Browser,
    auth: AuthServices,
    sessionmaker: async_sessionmaker[AsyncSession],
    users: dict[str, int],
) -> None:
    stronger = PasswordHasher(time_cost=2, memory_cost=64, parallelism=1)
    object.__setattr__(auth.passwords, "hasher", stronger)
    async with sessionmaker() as session:
        before = (await staff.by_id(session, users["a1001"])).password_hash  # type: ignore[union-attr]
    assert (await desk.sign_in("a1001")).status == 303
    async with sessionmaker() as session:
        after = (await staff.by_id(session, users["a1001"])).password_hash  # type: ignore[union-attr]
    assert after != before
    assert not stronger.check_needs_rehash(after)
    desk.cookies.clear()
    assert (await desk.sign_in("a1001")).status == 303
